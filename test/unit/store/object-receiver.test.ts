import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
      await receive(63);
      const spares = pool.spares;
      expect(spares).toBeGreaterThan(0); // with a pool per file, the shared one never sees them
      await receive(64);
      expect(pool.spares).toBe(spares); // the second file took them and gave them back: none made anew
    } finally {
      store.close();
    }
  });
});
