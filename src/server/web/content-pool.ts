/**
 * The content workers of the web pages (content-worker.ts): reading headers, previewing tables,
 * rendering model cards and computing diffs happen there, so the request thread only renders.
 * Page tasks run on at most `size` page workers, one task at a time each; further tasks wait in
 * a queue of bounded length (beyond it the page answers 503). Work computed ahead (a push's
 * previews and diffs, {@link ContentPool.background}) runs on one more worker of its own, at the
 * idle nice value (19). It starts a task only when the server has answered no request for a
 * quiet second ({@link ContentPool.requestBegin}), and a task pauses before each read while one
 * is answered; while it waits for a quiet server between tasks its worker is stopped, so the
 * memory it grew is not held through a clone. So it never holds a page worker nor competes with
 * a page, a clone or a pull: the diff of a pushed 512 MiB checkpoint is seconds of CPU and tens
 * of MiB, and run beside the pull that followed the push it made that pull 0.3 s slower
 * (docs/performance.md, "Work computed ahead yields to transfers"). Each wait is bounded (5 s by
 * default), so the work still advances under a steady stream of requests.
 * Results are immutable (named by commit ids and object ids), so they are kept in a byte-bounded
 * LRU cache and a second visit to a page costs nothing. Workers are unref'd: they never keep the
 * process alive.
 */
import { Worker } from 'node:worker_threads';
import { HubError } from '../../errors.js';
import type { StorageLocation } from '../../store/storage-location.js';
import { HttpError } from '../http-util.js';
import type { ContentResults, ContentTask } from './content-tasks.js';
import type { FromWorker, ToWorker, WorkerSetup } from './content-worker-messages.js';
import { WORKER_LIMITS } from '../worker-limits.js';
import { isQuiet, newRequestCount, PAUSE_MS, QUIET_MS, releaseWaiters, requestBegun, requestEnded } from './request-quiet.js';

/** Options of the pool. */
export interface ContentPoolOptions {
  storeDir: string;
  /** Where the store's xorbs and manifests live (default: the store folder). */
  storage?: StorageLocation;
  env?: NodeJS.ProcessEnv;
  /** Page worker threads (default 2); the background worker is one more. */
  size?: number;
  /** Tasks that may wait (default 64), and background tasks that may wait (as many). */
  queueLimit?: number;
  /** Bytes of results kept (default 64 MiB, measured as JSON text). */
  cacheBytes?: number;
  /**
   * Longest the background worker waits, before a task or a read, for the requests being answered
   * (default 5 s: a clone of 512 MiB takes ~3 s here, and the work waits it out; under a steady
   * stream of requests it still advances a read every 5 s).
   */
  pauseMs?: number;
  /** How long no request must have been answered before the background worker reads on (default 1 s; pauseMs still bounds each wait). */
  quietMs?: number;
}

/** How often work ahead that waits for a quiet server looks again. */
const AHEAD_RECHECK_MS = 200;

/** Consecutive worker deaths tolerated before tasks fail fast. */
const MAX_DEATHS = 3;

interface Job {
  /** Work computed ahead of a page view: on the background worker only. */
  background?: boolean;
  task: ContentTask;
  key: string;
  held: (oids: string[]) => Promise<boolean[]>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  background: boolean;
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

/** The order of work computed ahead: what costs little first; a diff that reads content (seconds on a large checkpoint) last. */
function rank(task: ContentTask): number {
  if (task.type !== 'diff') return 0;
  return task.budget === 0 ? 1 : 2;
}

/** The key a task's result is cached under. */
export function taskKey(task: ContentTask): string {
  return JSON.stringify(task);
}

/** Runs content tasks on worker threads, with a result cache. */
export class ContentPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  /** Background jobs waiting, by {@link rank}, each rank in the order asked. */
  private readonly backlog: Job[] = [];
  private readonly cache = new Map<string, { value: unknown; bytes: number }>();
  /** Page jobs queued or running, by key: a second page asking the same waits for the same result. */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Background jobs waiting or running, by key, with what they resolve to. */
  private readonly ahead = new Map<string, Promise<unknown>>();
  /** The requests being answered and when the last ended, shared with the background worker (request-quiet.ts). */
  private readonly busy = newRequestCount();
  private cachedBytes = 0;
  /** Since when work ahead has waited for a quiet server to start its next task (performance.now()), if it waits. */
  private aheadWaitingSince: number | undefined;
  /** Looks again whether work ahead may start, or page workers (while either waits). */
  private aheadTimer: NodeJS.Timeout | undefined;
  /** Page workers are to start once the server is quiet ({@link warmWhenQuiet}). */
  private warmWanted = false;
  private nextId = 0;
  private closed = false;
  /** Workers that died in a row without finishing a task: past {@link MAX_DEATHS}, tasks fail instead of respawning forever. */
  private deaths = 0;

  constructor(private readonly opts: ContentPoolOptions) {}

  /**
   * Says a request is being answered (a page, a git fetch or push, a download or upload: the
   * server calls it for each but a health check) until the returned function is called (once): meanwhile, and for
   * `quietMs` after the last one ended, the background worker pauses before its next read.
   */
  requestBegin(): () => void {
    requestBegun(this.busy);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      requestEnded(this.busy);
    };
  }

  /** Whether the worker of work ahead is running now (for tests: it is stopped while it waits for a quiet server). */
  get backgroundWorker(): boolean {
    return this.slots.some((s) => s.background);
  }

  /** Page workers running now. */
  get pageWorkers(): number {
    return this.slots.filter((s) => !s.background).length;
  }

  /** The result of `task` (cached, or computed by a page worker); `held` says which LFS oids the repository holds. */
  run<T extends ContentTask['type']>(task: ContentTask & { type: T }, held: (oids: string[]) => Promise<boolean[]>): Promise<ContentResults[T]> {
    const key = taskKey(task);
    const hit = this.hit(key);
    if (hit) return Promise.resolve(hit.value as ContentResults[T]);
    let pending = this.running.get(key);
    if (!pending) {
      if (this.closed) return Promise.reject(new Error('the server is stopping'));
      if (this.queue.length >= (this.opts.queueLimit ?? 64)) return Promise.reject(new HttpError(503, 'too many pages are being computed; try again shortly', { 'Retry-After': '5' }));
      pending = new Promise((resolve, reject) => {
        this.queue.push({ task, key, held, resolve, reject });
        this.dispatch();
      });
      // asked ahead but not started: the page computes it now, for both (one that the background
      // worker started is computed again here: a page does not wait for work that yields to it)
      const ahead = this.backlog.findIndex((j) => j.key === key);
      if (ahead >= 0) {
        const [job] = this.backlog.splice(ahead, 1);
        pending.then(job.resolve, job.reject);
      }
      this.running.set(key, pending);
      const forget = () => this.running.delete(key);
      pending.then(forget, forget);
    }
    return pending as Promise<ContentResults[T]>;
  }

  /** The cached result of `task`, without computing it. */
  cached<T extends ContentTask['type']>(task: ContentTask & { type: T }): ContentResults[T] | undefined {
    return this.hit(taskKey(task))?.value as ContentResults[T] | undefined;
  }

  /**
   * Computes `task` ahead so that a later page finds it cached: on the background worker, one
   * task at a time, previews and cards first, then diffs without content, then diffs that read
   * content, at most `queueLimit` waiting. Resolves with the
   * result, or undefined when it was not done ahead (the queue was full, the server is stopping,
   * or it failed: the page computes it when asked).
   */
  background<T extends ContentTask['type']>(task: ContentTask & { type: T }, held: (oids: string[]) => Promise<boolean[]>): Promise<ContentResults[T] | undefined> {
    const key = taskKey(task);
    const hit = this.hit(key);
    if (hit) return Promise.resolve(hit.value as ContentResults[T]);
    const known = this.running.get(key) ?? this.ahead.get(key);
    if (known) return known.then((v) => v as ContentResults[T], () => undefined);
    if (this.closed || this.backlog.length >= (this.opts.queueLimit ?? 64)) return Promise.resolve(undefined);
    let job!: Job;
    const done = new Promise<unknown>((resolve, reject) => (job = { background: true, task, key, held, resolve, reject }));
    this.ahead.set(key, done);
    const forget = () => this.ahead.delete(key);
    done.then(forget, forget);
    const later = this.backlog.findIndex((j) => rank(j.task) > rank(task));
    if (later < 0) this.backlog.push(job);
    else this.backlog.splice(later, 0, job);
    this.dispatch();
    return done.then((v) => v as ContentResults[T], () => undefined);
  }

  /**
   * Starts a page worker ahead of the first task (a worker takes a few hundred milliseconds of CPU
   * to load its modules); more start as pages come while it is busy. One only: each costs hub
   * serve ~21 MiB for as long as it runs (two took it from 99 to 141 MiB after a first push),
   * and a server used as a remote alone may never show a page.
   */
  warm(): void {
    if (this.pageWorkers === 0 && !this.closed) this.spawn(false);
  }

  /**
   * Starts a page worker once the server has answered no request for `quietMs`, as work ahead
   * starts: a push's end, where a clone or pull often follows at once, is no time to load their
   * modules (hub serve's CPU over a clone right after a first push was 0.94-1.04 s with them
   * started there, 0.55-0.65 s without). A page that comes first starts one itself.
   */
  warmWhenQuiet(): void {
    if (this.pageWorkers > 0) return;
    this.warmWanted = true;
    this.dispatch();
  }

  /** Stops every worker; queued tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.aheadTimer);
    for (const job of [...this.queue.splice(0), ...this.backlog.splice(0)]) job.reject(new Error('the server is stopping'));
    releaseWaiters(this.busy); // a background worker waiting wakes, and is terminated
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private hit(key: string): { value: unknown } | undefined {
    const hit = this.cache.get(key);
    if (!hit) return undefined;
    this.cache.delete(key);
    this.cache.set(key, hit);
    return hit;
  }

  private dispatch(): void {
    if (this.warmWanted) {
      if (this.serverQuiet()) {
        this.warmWanted = false;
        this.warm();
      } else this.lookAgain();
    }
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.background && !s.job);
      if (!slot && this.pageWorkers < (this.opts.size ?? 2)) slot = this.spawn(false);
      if (!slot) break;
      this.start(slot, this.queue.shift()!);
    }
    while (this.backlog.length > 0) {
      const idle = this.slots.find((s) => s.background);
      if (idle?.job) return;
      if (!this.aheadMayStart()) {
        // it waits without the memory it grew: a new worker starts when the server is quiet
        if (idle) this.retire(idle);
        return;
      }
      const slot = idle ?? this.spawn(true);
      const job = this.backlog.shift()!;
      const hit = this.hit(job.key);
      if (hit) {
        job.resolve(hit.value); // computed by a page meanwhile
        continue;
      }
      this.start(slot, job);
    }
  }

  /**
   * Whether work ahead may start its next task now: no request is being answered and none was for
   * `quietMs`, or it has waited `pauseMs` for that already. When not, it looks again shortly.
   */
  private aheadMayStart(): boolean {
    const now = performance.now();
    if (this.serverQuiet() || now - (this.aheadWaitingSince ?? now) >= (this.opts.pauseMs ?? PAUSE_MS)) {
      this.aheadWaitingSince = undefined;
      return true;
    }
    this.aheadWaitingSince ??= now;
    this.lookAgain();
    return false;
  }

  /** No request is being answered and none was for `quietMs`. */
  private serverQuiet(): boolean {
    return isQuiet(this.busy, this.opts.quietMs ?? QUIET_MS);
  }

  /** Dispatches again shortly (one unref'd timer at a time): what waits for a quiet server looks again. */
  private lookAgain(): void {
    this.aheadTimer ??= setTimeout(() => {
      this.aheadTimer = undefined;
      if (!this.closed) this.dispatch();
    }, AHEAD_RECHECK_MS).unref();
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.id = this.nextId++;
    slot.worker.postMessage({ id: slot.id, task: job.task } satisfies ToWorker);
  }

  private spawn(background: boolean): Slot {
    const workerData: WorkerSetup = { storeDir: this.opts.storeDir, storage: this.opts.storage, env: this.opts.env ?? process.env, ...(background ? { busy: this.busy, pauseMs: this.opts.pauseMs ?? PAUSE_MS, quietMs: this.opts.quietMs ?? QUIET_MS } : {}) };
    const worker = new Worker(new URL('./content-worker.js', import.meta.url), { workerData, resourceLimits: WORKER_LIMITS });
    worker.unref();
    const slot: Slot = { worker, background, id: -1 };
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
        for (const job of [...this.queue.splice(0), ...this.backlog.splice(0)]) job.reject(error);
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
      // the worker waits for the answer, so its job is still this one when the metadata answers
      void Promise.resolve()
        .then(() => job.held(msg.oids))
        .catch(() => msg.oids.map(() => false))
        .then((held) => {
          if (slot.job === job) slot.worker.postMessage({ answer: msg.ask, held } satisfies ToWorker);
        });
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
    // what a background result asks for next (the previews of the files it listed) is queued by
    // promise callbacks: let them run before the background worker takes its next job
    if (job.background)
      setImmediate(() => {
        this.dispatch();
        if (!slot.job && !this.backlog.length) this.retire(slot);
      });
    else this.dispatch();
  }

  /**
   * Stops the background worker once it has nothing more to compute. Work ahead follows a write,
   * once: the worker holds what it grew for it until it stops (measured on the remote bench, a
   * diff of two 512 MiB checkpoints left hub serve 80 MiB larger while the worker lived). The
   * results are cached here; the next work ahead starts a worker again.
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
    const old = this.cache.get(key);
    if (old) {
      this.cache.delete(key);
      this.cachedBytes -= old.bytes;
    }
    this.cache.set(key, { value, bytes });
    this.cachedBytes += bytes;
    for (const [k, v] of this.cache) {
      if (this.cachedBytes <= limit) break;
      this.cache.delete(k);
      this.cachedBytes -= v.bytes;
    }
  }
}
