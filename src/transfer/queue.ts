/**
 * The transfer queue (git-lfs's `tq` is the model), the one owner of how objects move: it asks
 * the LFS batch API in batches of 100, works on objects HUB_CONCURRENCY at a time (a chunked
 * download's large files fewer: OPEN_FILES) with at most that many requests in flight (its
 * slots), retries every request (the only place transfers call withRetries), meters progress,
 * and carries the AbortSignal: once aborted it starts nothing more and requests in flight are
 * cancelled. Adapters (basic-transfer.ts, chunk-adapter.ts) only move and verify bytes, sending
 * each request through the queue; the download and upload sides (download-queue.ts,
 * upload-queue.ts) reach the store through small interfaces it satisfies.
 */
import { silentProgress, type ProgressSink } from '../progress.js';
import type { LfsTarget } from './lfs-auth.js';
import { lfsBatch, type BatchObject } from './lfs-client.js';
import { withRetries } from './retry.js';
import { DEFAULT_CONCURRENCY, forEachLimit, inOrder, Slots, TransferMeter, type Weighing } from './transfer-queue.js';

/** Objects per batch request (git-lfs's default). */
export const BATCH_SIZE = 100;

/**
 * The files a download receives at once through hub-chunks or Xet share a budget: each counts
 * its size up to 32 MiB (past that, what a file holds while it is received is bounded whatever
 * its size: the pieces fetched ahead, its xorb buffer, its staging writes, a hashing worker),
 * against 128 MiB. So at most four large files are open at once, while small ones still fill
 * every request slot (HUB_CONCURRENCY). There one large file alone keeps every slot busy with its
 * ranges; with eight open, a clone of ten 48 MiB files peaked at 224-312 MiB (issue 13 allows
 * any command 300), with four at 197-224 MiB in the same time (docs/performance.md, "Files open
 * at once"). A `basic` file is one request, so its files at once are its parallelism: not
 * budgeted (the same clone over basic, eight open: 230-272 MiB).
 */
export const OPEN_FILES: Weighing<{ size: number }> = { budget: 128 * 1024 * 1024, weight: (o) => Math.min(o.size, 32 * 1024 * 1024) };

/** How a queue runs. */
export interface QueueOptions {
  progress?: ProgressSink;
  /** Requests in flight at once (HUB_CONCURRENCY). */
  concurrency?: number;
  /** Stops the queue (see the module comment). */
  signal?: AbortSignal;
  /** Attempts per request (HUB_RETRIES when unset). */
  attempts?: number;
  /** What the files received at once may hold together (OPEN_FILES when unset). */
  openFiles?: Weighing<{ size: number }>;
}

/** Runs requests for one command's transfers; see the module comment. */
export class TransferQueue {
  readonly concurrency: number;
  readonly slots: Slots;
  readonly progress: ProgressSink;
  readonly signal?: AbortSignal;
  /** The budget of the files a download receives at once (download-queue.ts). */
  readonly openFiles: Weighing<{ size: number }>;
  private readonly attempts?: number;

  constructor(opts: QueueOptions = {}) {
    this.concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
    this.slots = new Slots(this.concurrency);
    this.progress = opts.progress ?? silentProgress;
    this.signal = opts.signal;
    this.attempts = opts.attempts;
    this.openFiles = opts.openFiles ?? OPEN_FILES;
  }

  /** Runs one request, tried again after a retriable failure (retry.ts). */
  retried<T>(request: () => Promise<T>): Promise<T> {
    return withRetries(request, { signal: this.signal, ...(this.attempts ? { attempts: this.attempts } : {}) });
  }

  /** Runs one request in a slot, retried; the slot is held across the attempts. */
  async inSlot<T>(request: () => Promise<T>): Promise<T> {
    const release = await this.slots.acquire(this.signal);
    try {
      return await this.retried(request);
    } finally {
      release();
    }
  }

  /** Runs `requests` in slots, retried, started in order and yielded in order (transfer-queue.ts inOrder). */
  ordered<T>(requests: ReadonlyArray<() => Promise<T>>): AsyncGenerator<T> {
    return inOrder(requests.map((r) => () => this.retried(r)), this.slots, this.signal);
  }

  /** Works on `items` at most `concurrency` at a time (and, with `weighing`, within its budget: transfer-queue.ts forEachLimit). */
  each<T>(items: readonly T[], fn: (item: T) => Promise<void>, weighing?: Weighing<NoInfer<T>>): Promise<void> {
    return forEachLimit(items, this.concurrency, fn, this.signal, weighing);
  }

  /** A progress meter of this queue's sink. */
  meter(id: string, label: string, total: number): TransferMeter {
    return new TransferMeter(this.progress, id, label, total);
  }

  /** The batch API's answers for `objects`, BATCH_SIZE at a time. */
  async *batches(target: LfsTarget, operation: 'upload' | 'download', objects: ReadonlyArray<{ oid: string; size: number }>): AsyncGenerator<{ transfer: string; objects: BatchObject[] }> {
    for (let i = 0; i < objects.length; i += BATCH_SIZE) {
      const part = objects.slice(i, i + BATCH_SIZE);
      yield await this.retried(() => lfsBatch(target, operation, part, this.signal));
    }
  }
}
