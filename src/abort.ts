/**
 * Stopping long work when asked (Ctrl-C). Long operations take an optional AbortSignal (the CLI
 * aborts it with an InterruptedError on SIGINT) and stop at their next loop boundary by throwing
 * the signal's reason; whoever holds temporary files removes them on the way out.
 *
 * Node delivers SIGINT on the event loop: a loop of synchronous reads and hashes that never
 * yields would never see the signal abort. `pacer` therefore also yields to the event loop now
 * and then (every 20 ms of work), which costs nothing measurable.
 */

/** How much uninterrupted work a pacer allows before it yields to the event loop. */
const YIELD_EVERY_MS = 20;

/** Throws the reason `signal` was aborted with (an InterruptedError from the CLI); no-op without one. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/**
 * A checkpoint for one loop: `await check()` at each boundary throws once `signal` is aborted,
 * and yields to the event loop when 20 ms have passed since the last yield (so the SIGINT
 * handler runs). One pacer per loop; no shared state.
 */
export function pacer(signal: AbortSignal | undefined, everyMs = YIELD_EVERY_MS): () => Promise<void> {
  let last = performance.now();
  return async () => {
    signal?.throwIfAborted();
    if (performance.now() - last < everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
    signal?.throwIfAborted();
  };
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it is aborted. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Waits `ms` milliseconds, or rejects with the signal's reason as soon as it is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
