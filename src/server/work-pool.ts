/**
 * The worker threads of `hub serve` (DESIGN.md §5: "the server never does O(file) work on its
 * event loop"). Hashing, reassembly, chunking and the parsing of large bodies run here, as the
 * jobs of work-jobs.ts; each worker opens its own Store on the server's content store (its own
 * SQLite connection: the chunk index is safe for several connections, as it is for several hub
 * processes). A Limiter bounds how many jobs run at once, per server and per caller, and how
 * many may wait (429/503 with Retry-After beyond).
 *
 * When the compiled worker script is not beside this module (the TypeScript sources run under a
 * test runner), jobs run inline on the calling thread with the caller's Store: same results,
 * without the isolation.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as errors from '../errors.js';
import type { Store } from '../store/store.js';
import { HttpError } from './http-util.js';
import { Limiter } from './limiter.js';
import { runJob, type JobArgs, type JobName, type JobResult, type SerializedError } from './work-jobs.js';
import { WORKER_LIMITS } from './worker-limits.js';

/** Options of {@link WorkPool}. */
export interface WorkPoolOptions {
  /** The content store's root (each worker opens its own Store there). */
  storeRoot: string;
  /** The server's own Store: used for jobs run inline. */
  store: Store;
  env: NodeJS.ProcessEnv;
  /** Worker threads (default 2). */
  workers?: number;
  /** Jobs one caller may run at once (default: all workers). */
  perKey?: number;
  /** Jobs that may wait (default 256; 64 per caller). */
  maxQueued?: number;
  maxQueuedPerKey?: number;
  /** Run jobs on the calling thread even when the worker script exists (tests). */
  inline?: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  pending?: Pending;
}

let nextId = 0;

const SUBCLASSES: Record<string, new (message: string, opts?: errors.HubErrorOptions, code?: string) => errors.HubError> = {
  UsageError: errors.UsageError,
  NotFoundError: errors.NotFoundError,
  PermissionError: errors.PermissionError,
  IntegrityError: errors.IntegrityError,
  NetworkError: errors.NetworkError,
  ConflictError: errors.ConflictError,
  FormatError: errors.FormatError,
};

/** The error a job threw, rebuilt on this thread with its class, so `instanceof` checks keep working. */
export function rebuildError(e: SerializedError): Error {
  if (e.name === 'HttpError') return new HttpError(e.status ?? 500, e.message, e.headers ?? {}, e.code);
  const Cls = SUBCLASSES[e.name];
  if (Cls) return new Cls(e.message, e.data ? { data: e.data } : {}, e.code);
  if (e.name === 'HubError') return new errors.HubError(e.code ?? 'error', e.message);
  return new Error(e.message);
}

/** Worker threads running work-jobs.ts jobs, admission-controlled by a Limiter. */
export class WorkPool {
  private readonly limiter: Limiter;
  private readonly script: URL | undefined;
  private readonly idle: Slot[] = [];
  private readonly slots = new Set<Slot>();
  private readonly size: number;
  private closed = false;

  constructor(private readonly opts: WorkPoolOptions) {
    this.size = Math.max(1, opts.workers ?? 2);
    this.limiter = new Limiter({
      what: 'hashing jobs',
      maxRunning: this.size,
      maxRunningPerKey: Math.max(1, Math.min(this.size, opts.perKey ?? this.size)),
      maxQueued: opts.maxQueued ?? 256,
      maxQueuedPerKey: opts.maxQueuedPerKey ?? 64,
    });
    const script = new URL('./work-worker.js', import.meta.url);
    this.script = !opts.inline && import.meta.url.endsWith('.js') && existsSync(fileURLToPath(script)) ? script : undefined;
  }

  /** Whether jobs run on worker threads (false: inline). */
  get threaded(): boolean {
    return this.script !== undefined;
  }

  /**
   * Runs job `name` for caller `key` once a slot is free. `transfer` lists buffers of `args` to
   * move to the worker instead of copying (they are unusable here afterwards).
   */
  run<K extends JobName>(key: string, name: K, args: JobArgs<K>, transfer: ArrayBuffer[] = []): Promise<JobResult<K>> {
    return this.limiter.run(key, async (): Promise<JobResult<K>> => {
      if (this.closed) throw new HttpError(503, 'the server is shutting down', { 'Retry-After': '2' }, 'server_busy');
      if (!this.script) return runJob({ store: this.opts.store }, name, args);
      const slot = this.idle.pop() ?? this.spawn();
      try {
        return (await new Promise<unknown>((resolve, reject) => {
          slot.pending = { resolve, reject };
          slot.worker.postMessage({ id: nextId++, name, args }, transfer);
        })) as JobResult<K>;
      } finally {
        slot.pending = undefined;
        if (this.slots.has(slot)) this.idle.push(slot);
      }
    });
  }

  /** Starts every worker and has it open its Store, so the first requests do not wait for that. */
  async warm(): Promise<void> {
    if (!this.script) return;
    await Promise.all(Array.from({ length: this.size }, () => this.run('warm', 'ping', {})));
  }

  /** Refuses new jobs and stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    this.limiter.close();
    const all = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.script!, { workerData: { storeRoot: this.opts.storeRoot, storage: this.opts.store.storage, env: this.opts.env }, resourceLimits: WORKER_LIMITS });
    const slot: Slot = { worker };
    this.slots.add(slot);
    worker.on('message', (m: { ok: boolean; value?: unknown; error?: SerializedError }) => {
      const p = slot.pending;
      if (!p) return;
      if (m.ok) p.resolve(m.value);
      else p.reject(rebuildError(m.error!));
    });
    const lost = (err: Error) => {
      // a worker that died (crash, out of memory) is replaced on the next job
      this.slots.delete(slot);
      const i = this.idle.indexOf(slot);
      if (i >= 0) this.idle.splice(i, 1);
      slot.pending?.reject(new errors.HubError('worker_failed', `a server worker failed: ${err.message}`));
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`exited with code ${code}`)));
    return slot;
  }
}
