import { describe, expect, it } from 'vitest';
import { BufferPool, sharedPool } from '../../../src/fs/buffer-pool.js';

describe('BufferPool', () => {
  it('hands a buffer given back to the next taker, as a view of the length asked', () => {
    const pool = new BufferPool(1024);
    const a = pool.take(100);
    expect(a.length).toBe(100);
    expect(a.buffer.byteLength).toBe(1024);
    pool.give(a);
    expect(pool.spares).toBe(1);
    const b = pool.take();
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(1024);
    expect(pool.spares).toBe(0);
    expect(pool.take().buffer).not.toBe(a.buffer); // none spare: a new one
  });

  it('takes back only buffers it made, each once, and keeps at most `keep`', () => {
    const pool = new BufferPool(8192, 2);
    pool.give(Buffer.allocUnsafe(100)); // a slice of node's shared 8 KiB pool: same size, not ours
    pool.give(new Uint8Array(8192));
    expect(pool.spares).toBe(0);
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    pool.give(a);
    pool.give(a.subarray(10)); // the same buffer again
    expect(pool.spares).toBe(1);
    pool.give(b);
    pool.give(c);
    expect(pool.spares).toBe(2);
  });

  it('refuses a length larger than its buffers', () => {
    expect(() => new BufferPool(64).take(65)).toThrow(RangeError);
  });
});

describe('sharedPool', () => {
  it('is one pool per size and way of making buffers, for the whole process, its spares bounded by the first caller', () => {
    const a = sharedPool(12_345, 2);
    expect(sharedPool(12_345, 9)).toBe(a);
    expect(sharedPool(12_346, 2)).not.toBe(a);
    const alloc = (n: number) => new ArrayBuffer(n);
    expect(sharedPool(12_345, 2, alloc)).not.toBe(a);
    const bufs = [a.take(), a.take(), a.take()];
    for (const b of bufs) a.give(b);
    expect(a.spares).toBe(2);
    expect(sharedPool(12_345, 2).take().buffer).toBe(bufs[1].buffer); // the next taker anywhere gets one back
  });
});
