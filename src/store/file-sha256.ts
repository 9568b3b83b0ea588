/**
 * The whole-file SHA-256 that an add needs, computed on a worker thread that reads the file on
 * its own (from the page cache) while the main thread chunks it. When the worker script is not
 * available (running from TypeScript sources), the file is small or two workers already run, the
 * hash is computed inline from the chunk bytes instead. Either way the caller gets the digest of the same bytes: the
 * add checks afterwards that the file did not change while it was read.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSha256 } from '../hash/sha256.js';

/** Files smaller than this are hashed inline: a worker costs ~30 ms to start. */
const WORKER_MIN_BYTES = 32 << 20;

/**
 * Hashing workers running at once in this process. Each is a V8 isolate of its own (~25 MiB once
 * it has run), and a clone or pull downloads several files at once: ten files of 48 MiB took a
 * clone to a peak of 290-320 MiB with a worker each (docs/performance.md, "New memory"). Past
 * this many, a file is hashed inline, on the thread that writes it; two is one per core here.
 */
const MAX_WORKERS = 2;
let running = 0;

/** Hashing workers running now (for tests). */
export function hashWorkersRunning(): number {
  return running;
}

/** A worker running `script` on `path`, or undefined when MAX_WORKERS already run. */
function startWorker(script: string, path: string): Worker | undefined {
  if (running >= MAX_WORKERS) return undefined;
  const worker = new Worker(script, { workerData: { path } });
  running++;
  worker.once('exit', () => running--);
  return worker;
}

/** A SHA-256 in progress. */
export interface FileSha256 {
  /** Feed the file's bytes in order (ignored when a worker reads the file itself). */
  update(data: Uint8Array): void;
  /** The hex digest and the number of bytes hashed. */
  digest(): Promise<{ oid: string; size: number }>;
  /** Stops a worker early (on error paths). */
  cancel(): void;
}

/** Starts hashing the file at `path` of `size` bytes. */
export function startFileSha256(path: string, size: number): FileSha256 {
  const script = fileURLToPath(new URL('./sha256-worker.js', import.meta.url));
  const worker = size >= WORKER_MIN_BYTES && existsSync(script) ? startWorker(script, path) : undefined;
  if (!worker) return inlineSha256();
  const result = new Promise<{ oid: string; size: number }>((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; oid: string; size: number; message: string }) => {
      if (m.ok) resolve({ oid: m.oid, size: m.size });
      else reject(new Error(`hashing ${path}: ${m.message}`));
    });
    worker.once('error', reject);
  });
  result.catch(() => {}); // observed by digest(); avoid an unhandled rejection after cancel
  return {
    update() {},
    digest: () => result,
    cancel: () => void worker.terminate(),
  };
}

/** A SHA-256 computed from the bytes passed to `update`, on this thread. */
export function inlineSha256(): FileSha256 {
  const hash = createSha256();
  let size = 0;
  return {
    update(data) {
      hash.update(data);
      size += data.length;
    },
    digest: async () => ({ oid: hash.digest('hex'), size }),
    cancel() {},
  };
}

/** How often (in bytes written) a following hasher is told to catch up. */
const FOLLOW_STEP = 4 << 20;

/**
 * The SHA-256 of a file being written at `path`, computed on a worker thread that reads behind
 * the writer: call `wrote(n)` after each write, then `digest()`. Small files, files past the
 * workers' limit and runs without the built worker script hash inline from the bytes passed to
 * `update`.
 */
export function followFileSha256(path: string, size: number): FileSha256 & { wrote(n: number): void } {
  const script = fileURLToPath(new URL('./sha256-follow-worker.js', import.meta.url));
  const worker = size >= WORKER_MIN_BYTES && existsSync(script) ? startWorker(script, path) : undefined;
  if (!worker) return { ...inlineSha256(), wrote() {} };
  let written = 0;
  let told = 0;
  const result = new Promise<{ oid: string; size: number }>((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; oid: string; size: number; message: string }) => {
      void worker.terminate();
      if (m.ok) resolve({ oid: m.oid, size: m.size });
      else reject(new Error(`hashing ${path}: ${m.message}`));
    });
    worker.once('error', reject);
  });
  result.catch(() => {}); // observed by digest()
  return {
    update() {},
    wrote(n) {
      written += n;
      if (written - told >= FOLLOW_STEP) {
        told = written;
        worker.postMessage({ upTo: written });
      }
    },
    digest() {
      worker.postMessage({ end: written });
      return result;
    },
    cancel: () => void worker.terminate(),
  };
}
