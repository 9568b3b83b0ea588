/**
 * Worker thread: the SHA-256 of a file another thread is still writing. The writer posts how
 * many bytes are on disk (`{ upTo }`), then `{ end }`; the worker reads up to there (from the
 * page cache) with a reused 1 MiB buffer and answers the digest once it has hashed `end` bytes.
 * What is hashed is what the file holds, so the check covers the staged file itself.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createSha256, HASH_READ_BYTES } from '../hash/sha256.js';

const { path } = workerData as { path: string };
const fd = openSync(path, 'r');
const hash = createSha256();
const buffer = new Uint8Array(HASH_READ_BYTES);
let done = 0;

function catchUp(upTo: number): void {
  while (done < upTo) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, upTo - done), done);
    if (n === 0) throw new Error(`${path} ended at byte ${done}, expected ${upTo}`);
    hash.update(buffer.subarray(0, n));
    done += n;
  }
}

parentPort!.on('message', (m: { upTo?: number; end?: number }) => {
  try {
    if (m.upTo !== undefined) catchUp(m.upTo);
    if (m.end !== undefined) {
      catchUp(m.end);
      closeSync(fd);
      parentPort!.postMessage({ ok: true, oid: hash.digest('hex'), size: done });
    }
  } catch (err) {
    parentPort!.postMessage({ ok: false, message: (err as Error).message });
  }
});
