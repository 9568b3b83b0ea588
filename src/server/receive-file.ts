/**
 * A request body streamed into a temporary file of the server (uploads a worker reads next), with
 * a size limit checked as the bytes arrive: memory stays one network buffer whatever the size.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { SyncAsWritten } from './sync-as-written.js';
import { BatchedWrites } from './batched-writes.js';
import { bodyChunks, HttpError } from './http-util.js';
import { removeWritten } from './remove-written.js';

/**
 * Writes the body of `req` to a new file in `tmpDir` named after `what` and returns its path (the
 * caller removes it). 413 past `limit` bytes (declared or received), 400 when the body ends
 * before its Content-Length. `syncAsWritten: false` for a file that is read and removed, never
 * renamed into the store (a basic LFS upload, which the add writes into xorbs of its own).
 */
export async function receiveFile(req: IncomingMessage, tmpDir: string, what: string, limit: number, opts: { syncAsWritten?: boolean } = {}): Promise<string> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0)) throw new HttpError(400, 'bad Content-Length');
  if (declared !== undefined && declared > limit) throw new HttpError(413, `${what} too large: ${declared} bytes (limit ${limit})`);
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${what.replace(/[^a-z]/g, '')}-${process.pid}-${randomBytes(6).toString('hex')}`);
  const out = createWriteStream(tmp, { flags: 'wx' });
  const sync = opts.syncAsWritten === false ? undefined : new SyncAsWritten(out); // a xorb's import then finds little left to fdatasync (sync-as-written.ts)
  let writeError: Error | undefined;
  out.on('error', (err) => (writeError ??= err)); // never an unhandled 'error' (lfs.ts handleUpload)
  const batched = new BatchedWrites(out); // one writev per MiB, not one write per socket read (batched-writes.ts)
  let received = 0;
  try {
    for await (const part of bodyChunks(req)) {
      received += part.length;
      if (received > limit) throw new HttpError(413, `${what} too large (limit ${limit} bytes)`);
      if (declared !== undefined && received > declared) throw new HttpError(400, `${what} is longer than its Content-Length (${declared} bytes)`);
      await batched.write(part);
      if (writeError) throw writeError;
      sync?.wrote(part.length);
    }
    await sync?.settle();
    out.end();
    await once(out, 'close');
    if (writeError) throw writeError;
    if (declared !== undefined && received !== declared) throw new HttpError(400, `${what} ended after ${received} of ${declared} bytes`);
    return tmp;
  } catch (err) {
    await sync?.settle();
    await removeWritten(out, tmp); // not before its open completed: that would leave the file behind
    throw err;
  }
}
