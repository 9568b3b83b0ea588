import { describe, expect, it } from 'vitest';
import { LearnedChunks } from '../../../src/transfer/learned-chunks.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';

/** A chunk hash that names its xorb and index (so a mix-up shows). */
const hashOf = (xorb: string, index: number) => Uint8Array.from({ length: 32 }, (_, k) => (xorb.charCodeAt(0) * 31 + index * 7 + k) & 0xff);
const info = (xorb: string, index: number) => ({ index, hash: hashOf(xorb, index), length: 1000 + index });

describe('LearnedChunks', () => {
  it('answers for chunks learned in any order, across runs that join, and only for those', () => {
    const seed = testSeed('learned-chunks');
    const rand = seededRandom(seed);
    const l = new LearnedChunks();
    // xorb a: chunks 0-99 in a shuffled order (runs start apart and join as the gaps fill); xorb b: 8000-8004 only
    const order = Array.from({ length: 100 }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) l.add('a', info('a', i));
    for (let i = 8000; i < 8005; i++) l.add('b', info('b', i));
    l.add('a', info('a', 50)); // learned twice

    expect(l.chunks('a', 0, 100)?.map((c) => [c.index, Buffer.from(c.hash).toString('hex'), c.length]), `seed ${seed}`).toEqual(
      order.map((_, i) => [i, Buffer.from(hashOf('a', i)).toString('hex'), 1000 + i]),
    );
    expect(l.chunks('b', 8001, 8004)?.map((c) => c.index)).toEqual([8001, 8002, 8003]);
    expect(l.chunks('b', 7999, 8003)).toBeUndefined(); // 7999 was never learned
    expect(l.chunks('b', 8003, 8006)).toBeUndefined();
    expect(l.chunks('c', 0, 1)).toBeUndefined();
    expect(Buffer.from(l.hash('a', 42)!).equals(Buffer.from(hashOf('a', 42)))).toBe(true);
    expect(l.hash('a', 100)).toBeUndefined();
    expect(l.hash('b', 0)).toBeUndefined();

    const all = [...l.entries()];
    expect(all.map((e) => [e.xorb, e.chunks.length, e.chunks[0].index])).toEqual([
      ['a', 100, 0],
      ['b', 5, 8000],
    ]);
  });

  it('keeps two runs apart until the chunk between them arrives', () => {
    const l = new LearnedChunks();
    for (const i of [0, 1, 2, 4, 5]) l.add('x', info('x', i));
    expect(l.chunks('x', 0, 3)?.length).toBe(3);
    expect(l.chunks('x', 4, 6)?.length).toBe(2);
    expect(l.chunks('x', 1, 5)).toBeUndefined();
    l.add('x', info('x', 3));
    expect(l.chunks('x', 0, 6)?.map((c) => c.length)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
  });
});
