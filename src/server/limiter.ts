/**
 * Admission control of `hub serve` for work that costs a process or a thread: at most
 * `maxRunning` tasks run at once, at most `maxRunningPerKey` of them for one caller (a token, or
 * the address of an anonymous client), and the rest wait in a bounded queue. When the caller's
 * share of the queue is full the answer is 429, when the whole queue is full 503, both with
 * `Retry-After`, so clients (git-lfs, hub, HF clients) back off and retry. A freed slot goes to
 * the waiting task whose caller has the fewest running, oldest first: one busy caller cannot
 * starve the others. A waiting task whose `gone` signal fires (its client went away, or the idle
 * timeout answered it) leaves the queue and never runs.
 */
import type { ServerResponse } from 'node:http';
import { HttpError } from './http-util.js';

/** Limits of one Limiter. */
export interface LimiterOptions {
  /** What is limited, for messages ("git processes", "hashing jobs"). */
  what: string;
  maxRunning: number;
  maxRunningPerKey: number;
  maxQueued: number;
  maxQueuedPerKey: number;
  /** The `Retry-After` of refusals, in seconds (default 2). */
  retryAfterSeconds?: number;
}

interface Waiter {
  key: string;
  start: () => void;
  fail: (err: Error) => void;
}

/**
 * Fires when `res` closes: answered and done, or its connection went away. A request that waits
 * for a slot and meets either has nobody left to run for (the idle timeout answers a stalled
 * waiting request 408 and closes it; started anyway, git http-backend waited on a body that
 * would never come and held the slot for good: the client's later git requests all hung).
 */
export function goneSignal(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  if (res.closed) gone.abort();
  else res.once('close', () => gone.abort());
  return gone.signal;
}

/** Why a waiting task did not run: its `gone` signal fired (nobody is left to answer). */
export class GoneWhileWaiting extends Error {
  constructor() {
    super('the request went away while it waited for a slot');
  }
}

/** Counts of a Limiter, for logs and tests. */
export interface LimiterStats {
  running: number;
  queued: number;
}

/** Bounded concurrency per server and per caller, with a bounded, fair queue. */
export class Limiter {
  private running = 0;
  private readonly runningByKey = new Map<string, number>();
  private readonly queuedByKey = new Map<string, number>();
  private queue: Waiter[] = [];
  private closed = false;
  private dispatching = false;

  constructor(private readonly opts: LimiterOptions) {}

  /**
   * Runs `task` once a slot is free for `key`; HttpError 429/503 when it cannot even wait,
   * GoneWhileWaiting when `gone` fires before the slot does.
   */
  async run<T>(key: string, task: () => Promise<T>, gone?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, gone);
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** Waits for a slot for `key`; resolves with the function that frees it (idempotent). */
  acquire(key: string, gone?: AbortSignal): Promise<() => void> {
    if (this.closed) return Promise.reject(this.refusal(503, 'the server is shutting down'));
    if (gone?.aborted) return Promise.reject(new GoneWhileWaiting());
    if (this.count(this.queuedByKey, key) >= this.opts.maxQueuedPerKey) {
      return Promise.reject(this.refusal(429, `too many ${this.opts.what} for this client at once; retry later`));
    }
    if (this.queue.length >= this.opts.maxQueued) return Promise.reject(this.refusal(503, `the server is busy (${this.opts.what}); retry later`));
    const slot = new Promise<() => void>((resolve, reject) => {
      this.bump(this.queuedByKey, key, 1);
      const onGone = (): void => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return; // started (or refused) already
        this.queue.splice(at, 1);
        this.bump(this.queuedByKey, key, -1);
        reject(new GoneWhileWaiting());
      };
      const waiter: Waiter = {
        key,
        start: () => {
          gone?.removeEventListener('abort', onGone);
          resolve(this.take(key));
        },
        fail: (err) => {
          gone?.removeEventListener('abort', onGone);
          reject(err);
        },
      };
      gone?.addEventListener('abort', onGone, { once: true });
      this.queue.push(waiter);
    });
    this.dispatch();
    return slot;
  }

  /** Refuses everything waiting and everything asked from now on. */
  close(): void {
    this.closed = true;
    const waiting = this.queue;
    this.queue = [];
    this.queuedByKey.clear();
    for (const w of waiting) w.fail(this.refusal(503, 'the server is shutting down'));
  }

  /** How many tasks run and wait now. */
  stats(): LimiterStats {
    return { running: this.running, queued: this.queue.length };
  }

  private take(key: string): () => void {
    this.running++;
    this.bump(this.runningByKey, key, 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.running--;
      this.bump(this.runningByKey, key, -1);
      this.dispatch();
    };
  }

  /**
   * Starts waiting tasks while slots are free: fewest running for their caller first, then
   * oldest. One per turn of the event loop: starting a task may cost milliseconds (spawning git
   * forks the server), and a burst of them must not hold the loop.
   */
  private dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    setImmediate(() => {
      this.dispatching = false;
      this.startOne();
    });
  }

  private startOne(): void {
    if (this.running < this.opts.maxRunning && this.queue.length > 0) {
      let best = -1;
      for (let i = 0; i < this.queue.length; i++) {
        const n = this.count(this.runningByKey, this.queue[i].key);
        if (n >= this.opts.maxRunningPerKey) continue;
        if (best < 0 || n < this.count(this.runningByKey, this.queue[best].key)) best = i;
      }
      if (best < 0) return;
      const [w] = this.queue.splice(best, 1);
      this.bump(this.queuedByKey, w.key, -1);
      w.start();
      this.dispatch();
    }
  }

  private count(map: Map<string, number>, key: string): number {
    return map.get(key) ?? 0;
  }

  private bump(map: Map<string, number>, key: string, by: number): void {
    const n = (map.get(key) ?? 0) + by;
    if (n <= 0) map.delete(key);
    else map.set(key, n);
  }

  private refusal(status: 429 | 503, message: string): HttpError {
    return new HttpError(status, message, { 'Retry-After': String(this.opts.retryAfterSeconds ?? 2) }, status === 429 ? 'rate_limited' : 'server_busy');
  }
}
