/**
 * Worker thread: the SHA-256 of one file after another (file-sha256.ts keeps the thread for the
 * next file). A job is `{ id, path, follow }`. Without `follow` the file is complete: the worker
 * reads it whole with a reused 1 MiB buffer (an add, beside the chunker: the hash, sequential by
 * nature, goes to the second core). With `follow`, another thread is still writing the file and
 * posts how many bytes are on disk (`{ id, upTo }`), then `{ id, end }`; the worker reads up to
 * there (from the page cache) and answers once it has hashed `end` bytes, so what is hashed is
 * what the staged file holds. Every job is answered once: `{ id, ok: true, oid, size }` or
 * `{ id, ok: false, message }`; messages of any other job than the current one are ignored.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { createSha256, HASH_READ_BYTES, sha256File } from '../hash/sha256.js';

interface Message {
  id: number;
  path?: string;
  follow?: boolean;
  upTo?: number;
  end?: number;
}

const buffer = new Uint8Array(HASH_READ_BYTES);
let job: { id: number; path: string; fd: number; hash: ReturnType<typeof createSha256>; done: number } | undefined;

function catchUp(upTo: number): void {
  const j = job!;
  while (j.done < upTo) {
    const n = readSync(j.fd, buffer, 0, Math.min(buffer.length, upTo - j.done), j.done);
    if (n === 0) throw new Error(`${j.path} ended at byte ${j.done}, expected ${upTo}`);
    j.hash.update(buffer.subarray(0, n));
    j.done += n;
  }
}

/** Ends the current job (its file closed) with `reply`. */
function answer(id: number, reply: Record<string, unknown>): void {
  if (job) closeSync(job.fd);
  job = undefined;
  parentPort!.postMessage({ id, ...reply });
}

parentPort!.on('message', (m: Message) => {
  try {
    if (m.path !== undefined) {
      if (!m.follow) return answer(m.id, { ok: true, ...sha256File(m.path, buffer) });
      job = { id: m.id, path: m.path, fd: openSync(m.path, 'r'), hash: createSha256(), done: 0 };
      return;
    }
    if (job?.id !== m.id) return; // a job that has already been answered
    if (m.upTo !== undefined) catchUp(m.upTo);
    if (m.end !== undefined) {
      catchUp(m.end);
      const j = job;
      answer(m.id, { ok: true, oid: j.hash.digest('hex'), size: j.done });
    }
  } catch (err) {
    answer(m.id, { ok: false, message: (err as Error).message });
  }
});
