/**
 * The shared request count of hub serve and the wait of work computed ahead on it
 * (src/server/web/request-quiet.ts): the wait a background worker makes before each read of
 * stored content. Each case starts from a count in a known state; the lower bounds are the
 * waits' own timeouts (Atomics.wait never returns early), and the one upper bound is a wake-up
 * that comes a minute before the timeout it replaces.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { markQuiet, newRequestCount, quietFor, requestBegun, requestEnded, waitForQuiet } from '../../../../src/server/web/request-quiet.js';

/** Milliseconds `f` took. */
function took(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

describe('request-quiet', () => {
  it('a new count is quiet, a request makes it busy, and its end starts the quiet time', () => {
    const busy = newRequestCount();
    expect(quietFor(busy)).toBeGreaterThanOrEqual(3_600_000 - 1000);
    requestBegun(busy);
    expect(Atomics.load(busy, 0)).toBe(1);
    requestEnded(busy);
    expect(Atomics.load(busy, 0)).toBe(0);
    expect(quietFor(busy)).toBeLessThan(1000);
    markQuiet(busy);
    expect(quietFor(busy)).toBeGreaterThanOrEqual(3_600_000 - 1000);
  });

  it('does not wait on a quiet server', () => {
    const busy = newRequestCount();
    // a minute's pause, were it to wait; it returns at once
    expect(took(() => waitForQuiet(busy, 60_000, 1000))).toBeLessThan(30_000);
  });

  it('waits while a request is being answered, at most pauseMs', () => {
    const busy = newRequestCount();
    requestBegun(busy);
    expect(took(() => waitForQuiet(busy, 300, 0))).toBeGreaterThanOrEqual(299);
    expect(Atomics.load(busy, 0)).toBe(1);
  });

  it('after the last request ended, waits until the server has been quiet for quietMs', () => {
    const busy = newRequestCount();
    requestBegun(busy);
    requestEnded(busy);
    const waited = took(() => waitForQuiet(busy, 60_000, 400));
    expect(waited).toBeGreaterThanOrEqual(300); // (the end was stamped just before: up to a few ms of the 400 had passed)
    expect(quietFor(busy)).toBeGreaterThanOrEqual(400);
  });

  it('wakes when the last request ends on another thread, and then waits out the quiet time', async () => {
    const busy = newRequestCount();
    requestBegun(busy);
    requestBegun(busy);
    // a thread that ends both requests 200 ms apart, as the server's event loop would
    const ender = new Worker(
      `const { workerData } = require('node:worker_threads');
       const busy = workerData;
       const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
       const end = () => { Atomics.store(busy, 1, Date.now() | 0); if (Atomics.sub(busy, 0, 1) === 1) Atomics.notify(busy, 0); };
       sleep(200); end(); sleep(200); end();`,
      { eval: true, workerData: busy },
    );
    const exited = new Promise((r) => ender.once('exit', r));
    const waited = took(() => waitForQuiet(busy, 120_000, 100));
    await exited;
    expect(Atomics.load(busy, 0)).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(490); // both ends (400 ms after the thread started), then the quiet time (100)
    expect(waited).toBeLessThan(60_000); // woken by the end, not by the two-minute timeout
  });
});
