import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BufferPool } from '../../../src/fs/buffer-pool.js';
import { addFile } from '../../../src/store/ingest.js';
import { ObjectReceiver } from '../../../src/store/object-receiver.js';
import { Store } from '../../../src/store/store.js';
import { sharedXorbBufferPool } from '../../../src/store/xorb-writer.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

describe('ObjectReceiver.whenWritten', () => {
  it('lets the caller reuse its buffers only once their staged bytes are on disk: a staged file from scribbled-over buffers is exact', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'));
    try {
      // 1.5 MiB pieces of 64 KiB chunks: each piece ends with bytes not yet handed to a write
      const data = Buffer.from(mulberry32Bytes(61, 24 * 1.5 * 1024 * 1024));
      const oid = createHash('sha256').update(data).digest('hex');
      const stage = join(dir, 'staged');
      const r = new ObjectReceiver(store, { oid, size: data.length }, { path: stage, durable: false });
      const piece = 1.5 * 1024 * 1024;
      const free: Buffer[] = [];
      let made = 0;
      for (let at = 0; at < data.length; at += piece) {
        const buf = free.pop() ?? (made++, Buffer.allocUnsafe(piece));
        data.copy(buf, 0, at, at + piece);
        for (let c = 0; c < piece; c += 64 * 1024) {
          const chunk = buf.subarray(c, c + 64 * 1024);
          r.chunk(store.hashers.chunk.hash(chunk), chunk, 'test');
        }
        r.whenWritten(() => {
          buf.fill(0xaa); // whoever takes it next overwrites it
          free.push(buf);
        });
        await r.drained();
      }
      const done = await r.finish();
      expect(done.staged).toBe(stage);
      expect(readFileSync(stage).equals(data)).toBe(true);
      expect(made).toBeLessThan(24); // buffers were reused, not one per piece
    } finally {
      store.close();
    }
  });

  it('without a staging file, calls back at once', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'));
    try {
      const data = Buffer.from(mulberry32Bytes(62, 100_000));
      const r = new ObjectReceiver(store, { oid: createHash('sha256').update(data).digest('hex'), size: data.length });
      r.chunk(store.hashers.chunk.hash(data), data, 'test');
      let called = false;
      r.whenWritten(() => (called = true));
      expect(called).toBe(true);
      await r.finish();
    } finally {
      store.close();
    }
  });
});

describe('ObjectReceiver and the xorb writers\' buffers', () => {
  it('one file\'s xorb buffers are the next file\'s: they go back to the pool this process shares, not to one of the file\'s own', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'));
    try {
      const pool = sharedXorbBufferPool();
      const held = takeSpares(pool); // (earlier tests of this file left some)
      const receive = async (seed: number) => {
        const data = Buffer.from(mulberry32Bytes(seed, 9 * 1024 * 1024)); // more than two 4 MiB buffers of records
        const r = new ObjectReceiver(store, { oid: createHash('sha256').update(data).digest('hex'), size: data.length });
        for (let c = 0; c < data.length; c += 64 * 1024) {
          const chunk = data.subarray(c, c + 64 * 1024);
          r.chunk(store.hashers.chunk.hash(chunk), chunk, 'test');
          await r.drained();
        }
        await r.finish();
      };
      const before = pool.allocated;
      await receive(63);
      const made = pool.allocated;
      expect(made).toBeGreaterThan(before); // with a pool per file, the shared one makes none
      await receive(64);
      expect(pool.allocated - made).toBeLessThan(made - before); // the second file took the first one's (one more may be made: a pool keeps 4 spares)
      for (const b of held) pool.give(b);
    } finally {
      store.close();
    }
  });

  it('so are the buffers of the files one add stores', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'));
    try {
      const pool = sharedXorbBufferPool();
      const held = takeSpares(pool);
      for (const seed of [65, 66]) writeFileSync(join(dir, `f${seed}.bin`), mulberry32Bytes(seed, 9 * 1024 * 1024));
      const before = pool.allocated;
      await addFile(store, join(dir, 'f65.bin'));
      const made = pool.allocated;
      expect(made).toBeGreaterThan(before);
      await addFile(store, join(dir, 'f66.bin'));
      expect(pool.allocated - made).toBeLessThan(made - before);
      for (const b of held) pool.give(b);
    } finally {
      store.close();
    }
  });
});

/** Takes every spare buffer out of `pool`, so the next taker makes one unless a buffer comes back first. */
function takeSpares(pool: BufferPool): Buffer[] {
  const out: Buffer[] = [];
  while (pool.spares) out.push(pool.take());
  return out;
}
