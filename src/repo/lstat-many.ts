/**
 * lstat of many working-tree paths, as git's preload-index does: on a large tree the calls are
 * shared between the calling thread and worker threads, one per other core (at most three), so
 * that the system calls, which dominate `hub status` on an unchanged tree, run in parallel. Paths
 * are fed in while a directory walk finds them ({@link LstatBatches}): the workers start, and
 * lstat their batches, while the walk goes on; the calling thread lstats its own share once the
 * walk is done. (On 2 cores: one worker and this thread. Measured on 100,000 files, that costs
 * less CPU than two workers, each of which takes tens of ms to start, and leaves no core idle.)
 * Small trees, and runs from the TypeScript sources (no built worker script), lstat on the
 * calling thread alone.
 */
import { existsSync, lstatSync, type BigIntStats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromFsError } from '../errors.js';
import { packStat, STAT_FIELDS } from './lstat-pack.js';

/** Below this many paths a worker (about 30 ms to start) does not pay for itself. */
const PARALLEL_MIN = 20_000;
const MAX_WORKERS = 4;
/** Paths per message to a worker. */
const BATCH = 4096;

/** What a worker answers: the packed lstat of the batch that started at `start`, or the error that stopped it. */
export type LstatReply = { ok: true; start: number; stats: Float64Array } | { ok: false; start: number; message: string; code?: string; path?: string };

/** lstat of `full`; undefined when it is gone (or a parent is no longer a directory). */
export function lstatQuiet(full: string): BigIntStats | undefined {
  try {
    return lstatSync(full, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw fromFsError(err, full);
  }
}

/** The packed lstat of `paths` (relative to `workdir`) on this thread. */
export function lstatHere(workdir: string, paths: readonly string[]): Float64Array {
  const out = new Float64Array(paths.length * STAT_FIELDS);
  for (let i = 0; i < paths.length; i++) packStat(lstatQuiet(`${workdir}/${paths[i]}`), out, i);
  return out;
}

/**
 * Paths to lstat, added one by one; {@link finish} gives their packed lstat ({@link STAT_FIELDS}
 * slots each, lstat-pack.ts) in the order they were added. Workers start once PARALLEL_MIN
 * paths have come; each batch of BATCH paths then goes at once to the next worker, or, one turn
 * in (workers + 1), is kept for this thread.
 */
export class LstatBatches {
  readonly paths: string[] = [];
  private sent = 0;
  private workers: LstatWorker[] = [];
  private next = 0;
  private readonly replies: Promise<LstatReply>[] = [];
  /** Batches ([first, end) of `paths`) this thread lstats itself once the walk is done (or hands to an idle worker). */
  private readonly kept: [number, number][] = [];
  private readonly script = fileURLToPath(new URL('./lstat-worker.js', import.meta.url));
  private readonly parallel: boolean;

  constructor(private readonly workdir: string) {
    this.parallel = Math.min(MAX_WORKERS, availableParallelism()) >= 2 && existsSync(this.script);
  }

  /** Adds a path (relative to the working directory). */
  add(path: string): void {
    this.paths.push(path);
    if (!this.parallel || this.paths.length - this.sent < BATCH) return;
    if (this.workers.length === 0) {
      if (this.paths.length < PARALLEL_MIN) return;
      const n = Math.min(MAX_WORKERS, availableParallelism()) - 1;
      for (let k = 0; k < n; k++) this.workers.push(new LstatWorker(this.script, this.workdir));
    }
    this.send();
  }

  /** The packed lstat of every path added; the workers are stopped. */
  async finish(): Promise<Float64Array> {
    if (this.workers.length === 0) return lstatHere(this.workdir, this.paths);
    this.send();
    try {
      const out = new Float64Array(this.paths.length * STAT_FIELDS);
      // this thread's share, while the workers do theirs; a worker done with its own (this thread
      // started late, after the walk) takes the last batches left
      const kept = this.kept;
      while (kept.length > 0) {
        for (const w of this.workers) {
          if (w.idle() && kept.length > 1) {
            const [from, to] = kept.pop()!;
            this.replies.push(w.ask(from, this.paths.slice(from, to)));
          }
        }
        const [from, to] = kept.shift()!;
        out.set(lstatHere(this.workdir, this.paths.slice(from, to)), from * STAT_FIELDS);
        await new Promise((resolve) => setImmediate(resolve)); // the workers' answers come in
      }
      for (const reply of await Promise.all(this.replies)) {
        if (!reply.ok) throw fromFsError(Object.assign(new Error(reply.message), { code: reply.code, path: reply.path }), reply.path ?? this.workdir);
        out.set(reply.stats, reply.start * STAT_FIELDS);
      }
      return out;
    } finally {
      this.cancel();
    }
  }

  /** Stops the workers (when the walk that feeds them failed); {@link finish} does it itself. */
  cancel(): void {
    for (const w of this.workers) w.stop();
  }

  /** Sends the paths not sent yet, in batches of at most BATCH, each to the next worker. */
  private send(): void {
    const end = this.paths.length;
    for (let from = this.sent; from < end; from += BATCH) {
      const to = Math.min(end, from + BATCH);
      const k = this.next++ % (this.workers.length + 1);
      if (k === this.workers.length) this.kept.push([from, to]);
      else this.replies.push(this.workers[k].ask(from, this.paths.slice(from, to)));
    }
    this.sent = end;
  }
}

/** One worker thread and the batches it has not answered yet. */
class LstatWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: LstatReply) => void>();
  private failed: ((err: Error) => void)[] = [];

  constructor(script: string, workdir: string) {
    this.worker = new Worker(script, { workerData: { workdir } });
    this.worker.on('message', (m: LstatReply) => {
      this.waiting.get(m.start)?.(m);
      this.waiting.delete(m.start);
    });
    this.worker.on('error', (err) => {
      for (const fail of this.failed) fail(err);
    });
  }

  /** True when every batch sent has been answered. */
  idle(): boolean {
    return this.waiting.size === 0;
  }

  ask(start: number, paths: string[]): Promise<LstatReply> {
    const reply = new Promise<LstatReply>((resolve, reject) => {
      this.waiting.set(start, resolve);
      this.failed.push(reject);
      this.worker.postMessage({ start, paths });
    });
    reply.catch(() => {}); // awaited by finish(), which may still be busy with its own share when a worker fails
    return reply;
  }

  stop(): void {
    this.failed = [];
    void this.worker.terminate();
  }
}

/** The packed lstat of every path, relative to `workdir`, in order. */
export async function lstatMany(workdir: string, paths: readonly string[]): Promise<Float64Array> {
  const batches = new LstatBatches(workdir);
  for (const p of paths) batches.add(p);
  return batches.finish();
}
