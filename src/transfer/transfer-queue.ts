/**
 * The scheduling primitives of the transfer queue (queue.ts, which owns them): a bounded number
 * of requests in flight at once (HUB_CONCURRENCY, default 8), objects worked on concurrently,
 * pieces of one object fetched ahead in parallel but consumed in file order, and a meter that
 * turns bytes into progress events with rate and ETA. Once the signal is aborted nothing more
 * starts; requests in flight carry the same signal and are cancelled by the client.
 */
import type { ProgressSink } from '../progress.js';
import { wholeNumberFrom } from './retry.js';

/** Default number of requests in flight. */
export const DEFAULT_CONCURRENCY = 8;

/** HUB_CONCURRENCY as a number of requests in flight (1..64). */
export function concurrencyFrom(env: NodeJS.ProcessEnv): number {
  return wholeNumberFrom(env, 'HUB_CONCURRENCY', 1, 64, DEFAULT_CONCURRENCY);
}

/** A FIFO counting semaphore: at most `size` holders at once. */
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /**
   * Waits for a slot; call the returned function exactly once to give it back. Once `signal` is
   * aborted, a wait ends with the signal's reason (a slot that frees later goes to the next waiter).
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) this.free--;
    else await this.wait(signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Runs `jobs` with a slot each, started in order as slots free up, and yields their results in
 * order. A job's slot is held until its result has been consumed, so memory is bounded by the
 * slots however slow the consumer is. A failed job fails the iteration (after the earlier
 * results); stopping early gives every slot back. Once `signal` is aborted no job starts, no
 * further result is yielded, and the iteration fails with the signal's reason.
 */
export async function* inOrder<T>(jobs: ReadonlyArray<() => Promise<T>>, slots: Slots, signal?: AbortSignal): AsyncGenerator<T> {
  type Started = Promise<{ value: T; release: () => void }>;
  const started: Started[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  const producer = (async () => {
    for (const job of jobs) {
      let release: () => void;
      try {
        release = await slots.acquire(signal);
      } catch (err) {
        const failed: Started = Promise.reject(err); // the consumer meets it in order
        failed.catch(() => {});
        started.push(failed);
        wake?.();
        return;
      }
      if (stopped) return release();
      const p: Started = Promise.resolve()
        .then(job)
        .then(
          (value) => ({ value, release }),
          (err) => {
            release();
            throw err;
          },
        );
      p.catch(() => {}); // observed when consumed
      started.push(p);
      wake?.();
    }
  })();
  const done: Started = Promise.reject(new Error('consumed'));
  done.catch(() => {});
  let consumed = 0;
  try {
    while (consumed < jobs.length) {
      while (started.length <= consumed) await new Promise<void>((resolve) => (wake = resolve));
      const { value, release } = await started[consumed];
      if (signal?.aborted) {
        release();
        signal.throwIfAborted(); // a job that finished anyway is not handed out
      }
      started[consumed] = done; // drop the result: memory is bounded by the slots, not the file
      consumed++;
      try {
        yield value;
      } finally {
        release();
      }
    }
    await producer;
  } finally {
    stopped = true;
    for (const p of started.slice(consumed)) p.then((r) => r.release(), () => {});
  }
}

/** What an item costs while it runs, against a budget shared by the running items (forEachLimit). */
export interface Weighing<T> {
  budget: number;
  /** The item's share of the budget (more than the budget counts as the whole budget). */
  weight(item: T): number;
}

/**
 * Runs `fn` on every item, started in order, at most `limit` at once and, with `weighing`, only
 * while the running items' weights fit its budget (one item always runs, however heavy); the
 * first failure is thrown after the running ones settle. Once `signal` is aborted no further item
 * starts (its reason is thrown).
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>, signal?: AbortSignal, weighing?: Weighing<T>): Promise<void> {
  let running = 0;
  let used = 0;
  let failure: { err: unknown } | undefined;
  let wake: (() => void) | undefined;
  const settled = (): Promise<void> => new Promise<void>((resolve) => (wake = resolve)); // the next item to end
  for (let i = 0; i < items.length && !failure; ) {
    if (signal?.aborted) {
      failure = { err: signal.reason };
      break;
    }
    const weight = weighing ? Math.min(weighing.weight(items[i]), weighing.budget) : 0;
    if (running >= limit || (running > 0 && weighing && used + weight > weighing.budget)) {
      await settled();
      continue;
    }
    running++;
    used += weight;
    const index = i++;
    void (async () => fn(items[index], index))()
      .catch((err: unknown) => {
        failure ??= { err };
      })
      .finally(() => {
        running--;
        used -= weight;
        wake?.();
        wake = undefined;
      });
  }
  while (running > 0) await settled();
  if (failure) throw failure.err;
}

/**
 * Turns bytes moved into progress events: `done` of the total (the files' bytes), the rate in
 * bytes that went over the wire per second (over the last few seconds: content the other side
 * already had, or that came from the local store, advances `done` but is not a rate), and the
 * ETA at the pace `done` advances.
 */
export class TransferMeter {
  private done = 0;
  private wire = 0;
  private readonly samples: Array<{ t: number; done: number; wire: number }> = [];
  private lastEmit = -Infinity;

  constructor(private readonly progress: ProgressSink, private readonly id: string, label: string, private readonly total: number, private readonly now: () => number = Date.now) {
    this.samples.push({ t: now(), done: 0, wire: 0 });
    progress({ type: 'start', id, label, total, unit: 'bytes' });
  }

  /** Records `n` more bytes of the total that went over the wire as they are. */
  add(n: number): void {
    this.move(n, n);
  }

  /** Records `n` more bytes of the total that needed no transfer (the other side had them). */
  skip(n: number): void {
    this.move(n, 0);
  }

  /**
   * Records `done` more bytes of the total and `wire` bytes sent or received for them (they
   * differ when what moves is not the file itself: a xorb of new chunks); a negative `done`
   * takes progress back (a retry starts over). Emits at most every 100 ms (and at the end).
   */
  move(done: number, wire: number): void {
    this.done += done;
    this.wire += wire;
    const t = this.now();
    if (t - this.lastEmit < 100 && this.done < this.total) return;
    this.lastEmit = t;
    this.samples.push({ t, done: this.done, wire: this.wire });
    while (this.samples.length > 2 && t - this.samples[0].t > 5000) this.samples.shift();
    const first = this.samples[0];
    const rate = t > first.t ? ((this.wire - first.wire) * 1000) / (t - first.t) : undefined;
    const pace = t > first.t ? ((this.done - first.done) * 1000) / (t - first.t) : 0;
    const eta = pace > 0 ? Math.max(0, (this.total - this.done) / pace) : undefined;
    this.progress({ type: 'progress', id: this.id, done: this.done, total: this.total, ...(rate !== undefined ? { rate } : {}), ...(eta !== undefined ? { eta } : {}) });
  }

  /** Ends the task. */
  end(ok: boolean, summary?: string): void {
    this.progress({ type: 'end', id: this.id, ok, ...(summary ? { summary } : {}) });
  }
}
