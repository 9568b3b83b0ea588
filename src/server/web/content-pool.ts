/**
 * A small pool of content workers (content-worker.ts) for the web pages: reading headers,
 * previewing tables and computing diffs happen there, so the request thread only renders. At
 * most `size` workers, started on first use, one task at a time each; further tasks wait in a
 * queue of bounded length (beyond it the page answers 503). Results are immutable (they are
 * named by commit ids and object ids), so they are kept in a byte-bounded LRU cache and a second
 * visit to a page costs nothing. Workers are unref'd: they never keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { HubError } from '../../errors.js';
import { HttpError } from '../http-util.js';
import type { ContentResults, ContentTask } from './content-tasks.js';
import type { FromWorker, ToWorker } from './content-worker.js';
import { WORKER_LIMITS } from '../worker-limits.js';

/** Options of the pool. */
export interface ContentPoolOptions {
  storeDir: string;
  env?: NodeJS.ProcessEnv;
  /** Worker threads (default 2). */
  size?: number;
  /** Tasks that may wait (default 64). */
  queueLimit?: number;
  /** Bytes of results kept (default 64 MiB, measured as JSON text). */
  cacheBytes?: number;
}

/** Consecutive worker deaths tolerated before tasks fail fast. */
const MAX_DEATHS = 3;

interface Job {
  /** Background work (diffs computed ahead of a page view): at most one worker at a time, after page tasks. */
  background?: boolean;
  task: ContentTask;
  key: string;
  held: (oids: string[]) => boolean[];
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  id: number;
}

/** An error a worker reported, as a HubError when it was one there. */
function workerError(e: { name: string; code?: string; message: string; exitCode?: number }): Error {
  if (e.code) return new HubError(e.code, e.message, (e.exitCode ?? 1) as HubError['exitCode']);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** Runs content tasks on worker threads, with a result cache. */
export class ContentPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly backlog: Job[] = [];
  private readonly cache = new Map<string, { value: unknown; bytes: number }>();
  private readonly running = new Map<string, Promise<unknown>>();
  private cachedBytes = 0;
  private nextId = 0;
  private closed = false;
  /** Workers that died in a row without finishing a task: past {@link MAX_DEATHS}, tasks fail instead of respawning forever. */
  private deaths = 0;

  constructor(private readonly opts: ContentPoolOptions) {}

  /** The result of `task` (cached, or computed by a worker); `held` says which LFS oids the repository holds. */
  run<T extends ContentTask['type']>(task: ContentTask & { type: T }, held: (oids: string[]) => boolean[]): Promise<ContentResults[T]> {
    const key = JSON.stringify(task);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return Promise.resolve(hit.value as ContentResults[T]);
    }
    let pending = this.running.get(key);
    if (!pending) {
      if (this.closed) return Promise.reject(new Error('the server is stopping'));
      if (this.queue.length >= (this.opts.queueLimit ?? 64)) return Promise.reject(new HttpError(503, 'too many pages are being computed; try again shortly', { 'Retry-After': '5' }));
      pending = new Promise((resolve, reject) => {
        this.queue.push({ task, key, held, resolve, reject });
        this.dispatch();
      });
      this.running.set(key, pending);
      const forget = () => this.running.delete(key);
      pending.then(forget, forget);
    }
    return pending as Promise<ContentResults[T]>;
  }

  /** The cached result of `task`, without computing it. */
  cached<T extends ContentTask['type']>(task: ContentTask & { type: T }): ContentResults[T] | undefined {
    const key = JSON.stringify(task);
    const hit = this.cache.get(key);
    if (!hit) return undefined;
    this.cache.delete(key);
    this.cache.set(key, hit);
    return hit.value as ContentResults[T];
  }

  /**
   * Computes `task` in the background so that a later page finds it cached: after the page
   * tasks, on at most one worker at a time (a page always has another), at most `queueLimit`
   * waiting (beyond that, and on failure, it is simply not done ahead).
   */
  background(task: ContentTask, held: (oids: string[]) => boolean[]): void {
    const key = JSON.stringify(task);
    if (this.closed || this.cache.has(key) || this.running.has(key) || this.backlog.some((j) => j.key === key)) return;
    if (this.backlog.length >= (this.opts.queueLimit ?? 64)) return;
    this.backlog.push({ background: true, task, key, held, resolve: () => {}, reject: () => {} });
    this.dispatch();
  }

  /** Starts every worker ahead of the first task (a worker takes tens of milliseconds to start). */
  warm(): void {
    while (this.slots.length < (this.opts.size ?? 2) && !this.closed) this.spawn();
  }

  /** Stops every worker; queued tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the server is stopping'));
    this.backlog.length = 0;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    for (;;) {
      const backgroundBusy = this.slots.some((s) => s.job?.background);
      const queue = this.queue.length > 0 ? this.queue : !backgroundBusy && this.backlog.length > 0 ? this.backlog : undefined;
      if (!queue) return;
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < (this.opts.size ?? 2)) slot = this.spawn();
      if (!slot) return;
      const job = queue.shift()!;
      if (job.background) {
        // computed by a page meanwhile, or cached since it was queued: nothing to do
        if (this.cache.has(job.key) || this.running.has(job.key)) continue;
        const done = new Promise<unknown>((resolve, reject) => Object.assign(job, { resolve, reject }));
        done.catch(() => {}); // best effort: the page computes it when asked
        this.running.set(job.key, done);
        const forget = () => this.running.delete(job.key);
        done.then(forget, forget);
      }
      slot.job = job;
      slot.id = this.nextId++;
      slot.worker.postMessage({ id: slot.id, task: job.task } satisfies ToWorker);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./content-worker.js', import.meta.url), { workerData: { storeDir: this.opts.storeDir, env: this.opts.env ?? process.env }, resourceLimits: WORKER_LIMITS });
    worker.unref();
    const slot: Slot = { worker, id: -1 };
    this.slots.push(slot);
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    const fail = (err: unknown) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return; // 'error' then 'exit': handled once
      this.slots.splice(i, 1);
      const error = err instanceof Error ? err : new Error(`content worker stopped: ${String(err)}`);
      slot.job?.reject(error);
      slot.job = undefined;
      if (this.closed) return;
      if (++this.deaths > MAX_DEATHS) {
        for (const job of this.queue.splice(0)) job.reject(error);
        setTimeout(() => (this.deaths = 0), 10_000).unref(); // then try again
        return;
      }
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`content worker exited with ${code}`)));
    return slot;
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    const job = slot.job;
    if (!job || msg.id !== slot.id) return;
    if ('ask' in msg) {
      let held: boolean[];
      try {
        held = job.held(msg.oids);
      } catch {
        held = msg.oids.map(() => false);
      }
      slot.worker.postMessage({ answer: msg.ask, held } satisfies ToWorker);
      return;
    }
    slot.job = undefined;
    this.deaths = 0;
    if ('error' in msg) job.reject(workerError(msg.error));
    else {
      const value: unknown = JSON.parse(msg.json);
      this.remember(job.key, value, msg.json.length);
      job.resolve(value);
    }
    if (job.background && !this.queue.length && !this.backlog.length) this.retire(slot);
    this.dispatch();
  }

  /**
   * Stops a worker that has just finished the last background task. Background diffs follow a
   * write, once: the worker holds what it grew for them until it stops (measured on the remote
   * bench, a diff of two 512 MiB checkpoints left hub serve 80 MiB larger while the worker lived).
   * Their results are cached here; a page asking for something else starts a worker again.
   */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1); // its 'exit' is then no death (see spawn)
    void slot.worker.terminate();
  }

  private remember(key: string, value: unknown, bytes: number): void {
    const limit = this.opts.cacheBytes ?? 64 << 20;
    if (bytes > limit / 4) return;
    this.cache.set(key, { value, bytes });
    this.cachedBytes += bytes;
    for (const [k, v] of this.cache) {
      if (this.cachedBytes <= limit) break;
      this.cache.delete(k);
      this.cachedBytes -= v.bytes;
    }
  }
}
