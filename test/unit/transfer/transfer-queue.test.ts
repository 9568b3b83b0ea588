import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/errors.js';
import type { ProgressEvent } from '../../../src/progress.js';
import { OPEN_FILES, TransferQueue } from '../../../src/transfer/queue.js';
import { withRetries } from '../../../src/transfer/retry.js';
import { NetworkError } from '../../../src/errors.js';
import { concurrencyFrom, forEachLimit, inOrder, Slots, TransferMeter } from '../../../src/transfer/transfer-queue.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('transfer queue scheduling', () => {
  it('inOrder yields results in order while at most `slots` jobs run, whatever order they finish in', async () => {
    const seed = testSeed('transfer-queue');
    const rand = seededRandom(seed);
    let running = 0;
    let most = 0;
    const jobs = Array.from({ length: 40 }, (_, i) => async () => {
      running++;
      most = Math.max(most, running);
      await sleep(Math.floor(rand() * 8));
      running--;
      return i;
    });
    const out: number[] = [];
    for await (const v of inOrder(jobs, new Slots(3))) out.push(v);
    expect(out, `seed ${seed}`).toEqual(jobs.map((_, i) => i));
    expect(most).toBe(3);
  });

  it('a slot is held until its result is consumed, so a slow consumer bounds what is fetched ahead', async () => {
    let started = 0;
    const jobs = Array.from({ length: 10 }, (_, i) => async () => {
      started++;
      return i;
    });
    const it = inOrder(jobs, new Slots(2));
    expect((await it.next()).value).toBe(0);
    await sleep(10);
    expect(started).toBe(2); // job 2 waits: jobs 0 (being consumed) and 1 hold both slots
    await it.next();
    await sleep(10);
    expect(started).toBe(3);
    await it.return(undefined);
  });

  it('a failed job fails the iteration after the results before it; stopping early gives every slot back', async () => {
    const slots = new Slots(2);
    const jobs = [async () => 1, async () => { throw new Error('boom'); }, async () => 3];
    const seen: number[] = [];
    await expect(async () => {
      for await (const v of inOrder(jobs, slots)) seen.push(v);
    }).rejects.toThrow('boom');
    expect(seen).toEqual([1]);
    await sleep(5);
    const a = await slots.acquire();
    const b = await slots.acquire(); // both free again
    a();
    b();
  });

  it('forEachLimit runs at most `limit` at once and throws the first failure after the others settle', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await forEachLimit([...Array(12).keys()], 4, async (i) => {
      running++;
      most = Math.max(most, running);
      await sleep(2);
      running--;
      done.push(i);
    });
    expect(most).toBe(4);
    expect(done.sort((x, y) => x - y)).toEqual([...Array(12).keys()]);
    await expect(forEachLimit([1, 2, 3], 2, async (i) => { if (i === 2) throw new Error(`item ${i}`); })).rejects.toThrow('item 2');
  });

  it('forEachLimit with a weighing starts items in order while their weights fit its budget; an item heavier than the budget runs alone', async () => {
    const seed = testSeed('for-each-weighed');
    const rand = seededRandom(seed);
    const weights = Array.from({ length: 60 }, () => Math.floor(rand() * 50) + 1);
    weights[20] = 500; // heavier than the budget
    const budget = 100;
    let running = 0;
    let used = 0;
    let mostUsed = 0;
    let mostRunning = 0;
    const started: number[] = [];
    const alone: boolean[] = [];
    await forEachLimit(weights.map((w, i) => ({ w, i })), 6, async ({ w, i }) => {
      started.push(i);
      running++;
      used += Math.min(w, budget);
      if (running > 1) mostUsed = Math.max(mostUsed, used);
      mostRunning = Math.max(mostRunning, running);
      if (i === 20) alone.push(running === 1);
      await sleep(Math.floor(rand() * 4));
      running--;
      used -= Math.min(w, budget);
    }, undefined, { budget, weight: (x) => x.w });
    expect(started, `seed ${seed}`).toEqual(weights.map((_, i) => i));
    expect(mostUsed, `seed ${seed}`).toBeLessThanOrEqual(budget);
    expect(mostUsed, `seed ${seed}`).toBeGreaterThan(budget / 2); // the budget is used, not one at a time
    expect(mostRunning).toBeLessThanOrEqual(6);
    expect(alone).toEqual([true]);
  });

  it('a download\'s default budget holds four large files open at once and lets small ones fill every slot', async () => {
    const most = async (size: number): Promise<number> => {
      let running = 0;
      let top = 0;
      await forEachLimit(Array.from({ length: 12 }, () => ({ size })), 8, async () => {
        top = Math.max(top, ++running);
        await sleep(2);
        running--;
      }, undefined, new TransferQueue().openFiles);
      return top;
    };
    expect(await most(48 << 20)).toBe(4);
    expect(await most(5 << 30)).toBe(4);
    expect(await most(1 << 20)).toBe(8);
    expect(OPEN_FILES).toBe(new TransferQueue().openFiles);
  });

  it('an abort stops scheduling: forEachLimit and inOrder start nothing more and fail with the reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const items = Array.from({ length: 20 }, (_, i) => i);
    const run = forEachLimit(items, 2, async (i) => {
      started.push(i);
      if (i === 3) controller.abort(new InterruptedError());
      await sleep(5);
    }, controller.signal);
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(started.length).toBeLessThanOrEqual(5);

    const c2 = new AbortController();
    let ran = 0;
    const jobs = Array.from({ length: 20 }, (_, i) => async () => {
      ran++;
      await sleep(5);
      return i;
    });
    const seen: number[] = [];
    const consume = async (): Promise<void> => {
      for await (const v of inOrder(jobs, new Slots(2), c2.signal)) {
        seen.push(v);
        if (v === 2) c2.abort(new InterruptedError());
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(InterruptedError);
    expect(seen).toEqual([0, 1, 2]);
    expect(ran).toBeLessThanOrEqual(5);
  });

  it('a slot wait ends with the abort reason, and the slot it would have had goes to the next waiter', { timeout: 10_000 }, async () => {
    const slots = new Slots(1);
    const controller = new AbortController();
    const held = await slots.acquire();
    const waiting = slots.acquire(controller.signal);
    const next = slots.acquire();
    controller.abort(new InterruptedError());
    await expect(waiting).rejects.toBeInstanceOf(InterruptedError);
    held();
    const release = await next; // not stuck behind the abandoned wait
    release();
  });

  it('retries stop at an abort: no further attempt, the backoff wait ends at once, the reason is thrown', { timeout: 10_000 }, async () => {
    const controller = new AbortController();
    let attempts = 0;
    const started = performance.now();
    const run = withRetries(async () => {
      attempts++;
      if (attempts === 1) setTimeout(() => controller.abort(new InterruptedError()), 20);
      throw new NetworkError('down', { retriable: true });
    }, { attempts: 5, baseMs: 30_000, signal: controller.signal });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(attempts).toBe(1);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('HUB_CONCURRENCY: default 8, 1..64 accepted, anything else a usage error', () => {
    expect(concurrencyFrom({})).toBe(8);
    expect(concurrencyFrom({ HUB_CONCURRENCY: '1' })).toBe(1);
    expect(concurrencyFrom({ HUB_CONCURRENCY: '64' })).toBe(64);
    for (const bad of ['0', '65', '2.5', 'lots', '-1']) expect(() => concurrencyFrom({ HUB_CONCURRENCY: bad })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('the meter reports bytes, a rate over the recent past and an ETA', () => {
    const events: ProgressEvent[] = [];
    let t = 0;
    const m = new TransferMeter((e) => events.push(e), 'dl', 'Downloading', 1000, () => t);
    t = 1000;
    m.add(100); // 100 B in 1 s
    t = 2000;
    m.add(100); // 200 B in 2 s: 100 B/s, 800 B left
    m.end(true);
    const last = events.filter((e) => e.type === 'progress').at(-1)!;
    expect(last).toMatchObject({ type: 'progress', done: 200, total: 1000, rate: 100, eta: 8 });
    expect(events[0]).toMatchObject({ type: 'start', total: 1000, unit: 'bytes' });
    expect(events.at(-1)).toMatchObject({ type: 'end', ok: true });
  });

  it('the rate counts bytes on the wire: content the other side had advances the total, not the rate', () => {
    const events: ProgressEvent[] = [];
    let t = 0;
    const m = new TransferMeter((e) => events.push(e), 'up', 'Uploading', 1000, () => t);
    t = 1000;
    m.skip(600); // deduplicated: the server had these chunks
    t = 2000;
    m.move(200, 50); // 200 B of the file in a xorb: 50 B sent
    const last = events.filter((e) => e.type === 'progress').at(-1)!;
    expect(last).toMatchObject({ done: 800, total: 1000, rate: 25 }); // 50 B in 2 s, not 400 B/s
  });
});
