/**
 * The whole-file SHA-256 that an add needs, computed on a worker thread that reads the file on
 * its own (from the page cache) while the main thread chunks it; and the one a download needs,
 * read behind the writes of its staged file. A worker is kept for the next file (IDLE_MS). When
 * the worker script is not available (running from TypeScript sources), the file is small or two
 * workers are busy, the hash is computed inline from the bytes instead. Either way the caller
 * gets the digest of the same bytes: the add checks afterwards that the file did not change
 * while it was read.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSha256 } from '../hash/sha256.js';

/** Files smaller than this are hashed inline: a worker costs ~30 ms to start. */
const WORKER_MIN_BYTES = 32 << 20;

/**
 * Hashing workers alive at once in this process. Each is a V8 isolate of its own (~25 MiB once
 * it has run), and a clone or pull downloads several files at once: ten files of 48 MiB took a
 * clone to a peak of 290-320 MiB with a worker each (docs/performance.md, "New memory"). Past
 * this many busy, a file is hashed inline, on the thread that writes it; two is one per core here.
 */
const MAX_WORKERS = 2;
/**
 * A worker that finished a file is kept this long for the next one (a start costs ~84 ms of CPU
 * here, paid per file before), then ended: hub serve does not hold idle isolates. While idle it
 * does not keep the process alive.
 */
const IDLE_MS = 2000;

/** A hashing worker; `answer` takes the reply to the job `job` it runs. */
interface Hasher {
  worker: Worker;
  job?: number;
  answer?: (m: Answer) => void;
  idleTimer?: NodeJS.Timeout;
}
type Answer = { id?: number; ok: true; oid: string; size: number } | { id?: number; ok: false; message: string };

const alive = new Set<Hasher>();
const idle: Hasher[] = [];
let started = 0;
let jobs = 0;
/** The worker script, looked for once: absent when running from the TypeScript sources. */
let script: string | null | undefined;

/** Hashing workers running now: alive and not idle (for tests). */
export function hashWorkersRunning(): number {
  return alive.size - idle.length;
}

/** Hashing workers alive (idle ones and ones stopping included), idle, and ever started (for tests). */
export function hashWorkerCounts(): { alive: number; idle: number; started: number } {
  return { alive: alive.size, idle: idle.length, started };
}

/** A hashing worker for one job: an idle one, a new one, or undefined when MAX_WORKERS run. */
function takeHasher(): Hasher | undefined {
  const kept = idle.pop();
  if (kept) {
    clearTimeout(kept.idleTimer);
    kept.worker.ref();
    return kept;
  }
  if (script === undefined) {
    const path = fileURLToPath(new URL('./sha256-file-worker.js', import.meta.url));
    script = import.meta.url.endsWith('.js') && existsSync(path) ? path : null;
  }
  if (!script || alive.size >= MAX_WORKERS) return undefined;
  const h: Hasher = { worker: new Worker(script) };
  const reply = (m: Answer): void => {
    if (m.id !== undefined && m.id !== h.job) return; // a job that is over (cancelled)
    const answer = h.answer;
    h.answer = undefined;
    answer?.(m);
  };
  // listeners first: attaching a 'message' listener refs the worker again (unref'd when idle)
  h.worker.on('message', reply);
  h.worker.on('error', (err) => {
    alive.delete(h); // never given a job again
    reply({ ok: false, message: err.message });
  });
  h.worker.once('exit', () => {
    alive.delete(h);
    const at = idle.indexOf(h);
    if (at >= 0) idle.splice(at, 1);
    reply({ ok: false, message: 'the hashing worker stopped' });
  });
  alive.add(h);
  started++;
  return h;
}

/** Keeps `h` for the next file, IDLE_MS at most, not holding the process open meanwhile. */
function keep(h: Hasher): void {
  if (!alive.has(h)) return;
  h.worker.unref();
  idle.push(h);
  h.idleTimer = setTimeout(() => endIdle(h), IDLE_MS).unref();
}

/** Ends an idle worker: it leaves the idle list at once, never handed a job while it stops (it counts as running until it has exited). */
function endIdle(h: Hasher): void {
  idle.splice(idle.indexOf(h), 1);
  void h.worker.terminate();
}

/** Ends every idle hashing worker now, as its idle time would (for tests). */
export function endIdleHashWorkers(): void {
  for (const h of [...idle]) {
    clearTimeout(h.idleTimer);
    endIdle(h);
  }
}

/** One file's job on a worker: its result, further messages to it, and a cancel. */
interface Job {
  result: Promise<{ oid: string; size: number }>;
  post(m: { upTo?: number; end?: number }): void;
  cancel(): void;
}

/** Starts hashing `path` on a worker (`follow`: it is still being written), or undefined (hash inline). */
function workerJob(path: string, size: number, follow: boolean): Job | undefined {
  const h = size >= WORKER_MIN_BYTES ? takeHasher() : undefined;
  if (!h) return undefined;
  const id = ++jobs;
  h.job = id;
  let over = false;
  const result = new Promise<{ oid: string; size: number }>((resolve, reject) => {
    h.answer = (m) => {
      over = true;
      keep(h);
      if (m.ok) resolve({ oid: m.oid, size: m.size });
      else reject(new Error(`hashing ${path}: ${m.message}`));
    };
  });
  result.catch(() => {}); // observed by digest(); avoid an unhandled rejection after cancel
  h.worker.postMessage({ id, path, follow });
  return {
    result,
    post: (m) => {
      if (!over) h.worker.postMessage({ id, ...m });
    },
    cancel: () => {
      if (over) return;
      over = true;
      h.answer = undefined;
      void h.worker.terminate(); // its place frees once it has exited
    },
  };
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
  const job = workerJob(path, size, false);
  if (!job) return inlineSha256();
  return { update() {}, digest: () => job.result, cancel: job.cancel };
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
  const job = workerJob(path, size, true);
  if (!job) return { ...inlineSha256(), wrote() {} };
  let written = 0;
  let told = 0;
  return {
    update() {},
    wrote(n) {
      written += n;
      if (written - told >= FOLLOW_STEP) {
        told = written;
        job.post({ upTo: written });
      }
    },
    digest() {
      job.post({ end: written });
      return job.result;
    },
    cancel: job.cancel,
  };
}
