/**
 * The count of requests hub serve is answering, shared between the request thread and the
 * background content worker (content-pool.ts, content-worker.ts): [0] the requests being
 * answered, [1] when the last one ended, as the low 32 bits of Date.now() (a worker's
 * performance.now() has another origin, so only the wall clock is shared). Work computed ahead
 * waits while a request is answered and until none was for `quietMs`, at most `pauseMs` at a time.
 */

/** Default longest wait of work ahead: a clone of 512 MiB takes ~3 s here, and the work waits it out. */
export const PAUSE_MS = 5000;
/** Default quiet time after the last request: a clone's requests come tens of milliseconds apart. */
export const QUIET_MS = 1000;

/** A new shared count: no request being answered, and quiet for an hour. */
export function newRequestCount(): Int32Array {
  const busy = new Int32Array(new SharedArrayBuffer(8));
  markQuiet(busy);
  return busy;
}

/** Says the server has been quiet for an hour (a new count, or a pool closing: waiters go on). */
export function markQuiet(busy: Int32Array): void {
  Atomics.store(busy, 1, (Date.now() - 3_600_000) | 0);
}

/** Milliseconds since the last request ended (modulo 2^32, as stored; a clock set back reads as a long quiet). */
export function quietFor(busy: Int32Array): number {
  const ms = ((Date.now() | 0) - Atomics.load(busy, 1)) | 0;
  return ms < 0 ? Number.MAX_SAFE_INTEGER : ms;
}

/** No request is being answered and none was for `quietMs`. */
export function isQuiet(busy: Int32Array, quietMs = QUIET_MS): boolean {
  return Atomics.load(busy, 0) === 0 && quietFor(busy) >= quietMs;
}

/** Sets the count to no request and quiet for an hour, and wakes every waiter (a pool closing). */
export function releaseWaiters(busy: Int32Array): void {
  Atomics.store(busy, 0, 0);
  markQuiet(busy);
  Atomics.notify(busy, 0);
}

/** A request begins. */
export function requestBegun(busy: Int32Array): void {
  Atomics.add(busy, 0, 1);
}

/** A request ended: its time is kept, and a worker waiting for the count to reach 0 wakes when it does. */
export function requestEnded(busy: Int32Array): void {
  Atomics.store(busy, 1, Date.now() | 0);
  if (Atomics.sub(busy, 0, 1) === 1) Atomics.notify(busy, 0);
}

/**
 * Blocks the calling thread (a worker's: Atomics.wait) while requests are being answered and
 * until none was for `quietMs`, at most `pauseMs` in all. A request ending wakes it at once; one
 * beginning during the quiet wait is seen when it ends or when that wait times out.
 */
export function waitForQuiet(busy: Int32Array, pauseMs = PAUSE_MS, quietMs = QUIET_MS): void {
  const until = performance.now() + pauseMs;
  for (;;) {
    const left = until - performance.now();
    if (left <= 0) return;
    const n = Atomics.load(busy, 0);
    if (n > 0) {
      Atomics.wait(busy, 0, n, left); // woken when the last one ends
      continue;
    }
    if (isQuiet(busy, quietMs)) return;
    Atomics.wait(busy, 0, 0, Math.min(left, quietMs - quietFor(busy)));
  }
}
