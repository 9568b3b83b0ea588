import { describe, expect, it } from 'vitest';
import { GoneWhileWaiting, Limiter } from '../../../src/server/limiter.js';

const options = { what: 'git requests', maxRunning: 2, maxRunningPerKey: 1, maxQueued: 4, maxQueuedPerKey: 2 };

describe('Limiter', () => {
  it('a waiting task whose signal fires leaves the queue, never runs, and frees its place', async () => {
    const limiter = new Limiter(options);
    let releaseFirst!: () => void;
    const first = limiter.run('a', () => new Promise<void>((resolve) => (releaseFirst = resolve)));
    await new Promise((r) => setImmediate(r));
    const gone = new AbortController();
    let ran = false;
    const waiting = limiter.run('a', async () => void (ran = true), gone.signal);
    const kept = limiter.run('a', async () => 'kept');
    expect(limiter.stats()).toEqual({ running: 1, queued: 2 });
    // the caller's share of the queue (2) is full: a third waiter is refused
    await expect(limiter.run('a', async () => undefined)).rejects.toMatchObject({ status: 429 });
    gone.abort();
    await expect(waiting).rejects.toBeInstanceOf(GoneWhileWaiting);
    expect(limiter.stats()).toEqual({ running: 1, queued: 1 });
    releaseFirst();
    await first;
    expect(await kept).toBe('kept');
    expect(ran).toBe(false);
    expect(limiter.stats()).toEqual({ running: 0, queued: 0 });
    // a signal that fired before asking never queues
    await expect(limiter.run('a', async () => undefined, AbortSignal.abort())).rejects.toBeInstanceOf(GoneWhileWaiting);
    // a signal firing after its task started changes nothing
    const late = new AbortController();
    const started = limiter.run('a', async () => {
      late.abort();
      return 'done';
    }, late.signal);
    expect(await started).toBe('done');
  });
});
