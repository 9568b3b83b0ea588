/**
 * Worker thread: the SHA-256 of one file, read with a reused 1 MiB buffer. Running it beside the
 * chunker puts the whole-file hash (about 0.7 s/GiB, sequential by nature) on the second core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sha256File } from '../hash/sha256.js';

const { path } = workerData as { path: string };
try {
  parentPort!.postMessage({ ok: true, ...sha256File(path) });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
}
