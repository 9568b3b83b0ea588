import { describe, expect, it } from 'vitest';
import { pacer, raceAbort, sleep } from '../../src/abort.js';
import { InterruptedError } from '../../src/errors.js';

const aborted = (): AbortSignal => {
  const c = new AbortController();
  c.abort(new InterruptedError());
  return c.signal;
};

describe('abort helpers (src/abort.ts)', () => {
  it('a pacer lets an abort that happens on the event loop reach a busy loop, which stops with the reason', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new InterruptedError()), 30); // needs the event loop to run
    const checkpoint = pacer(controller.signal);
    const started = performance.now();
    let rounds = 0;
    const loop = async (): Promise<void> => {
      for (;;) {
        await checkpoint(); // only microtask awaits otherwise: without the pacer this never ends
        for (let i = 0; i < 10_000; i++) rounds += i & 1;
        if (performance.now() - started > 10_000) throw new Error('the loop was never stopped');
      }
    };
    await expect(loop()).rejects.toBeInstanceOf(InterruptedError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(rounds).toBeGreaterThan(0);
  });

  it('a pacer without a signal never throws; with an aborted one it throws at once', async () => {
    const free = pacer(undefined);
    for (let i = 0; i < 1000; i++) await free();
    await expect(pacer(aborted())()).rejects.toBeInstanceOf(InterruptedError);
  });

  it('raceAbort and sleep reject with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => {});
    const raced = raceAbort(never, controller.signal);
    const slept = sleep(60_000, controller.signal);
    controller.abort(new InterruptedError());
    await expect(raced).rejects.toBeInstanceOf(InterruptedError);
    await expect(slept).rejects.toBeInstanceOf(InterruptedError);
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(sleep(1, aborted())).rejects.toBeInstanceOf(InterruptedError);
  });
});
