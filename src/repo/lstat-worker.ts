/**
 * Worker thread of {@link LstatBatches} (lstat-many.ts): lstats each batch of paths it is sent,
 * relative to `workdir`, and answers with their packed stat fields (one transfer, no objects per
 * file), in the order the batches came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lstatHere, type LstatReply } from './lstat-many.js';

const { workdir } = workerData as { workdir: string };
parentPort!.on('message', ({ start, paths }: { start: number; paths: string[] }) => {
  let reply: LstatReply;
  try {
    const stats = lstatHere(workdir, paths);
    reply = { ok: true, start, stats };
    parentPort!.postMessage(reply, [stats.buffer as ArrayBuffer]);
  } catch (err) {
    // lstatQuiet made it a HubError; the cause carries the system error's code and path
    const e = ((err as Error).cause ?? err) as NodeJS.ErrnoException;
    reply = { ok: false, start, message: e.message, code: e.code, path: e.path };
    parentPort!.postMessage(reply);
  }
});
