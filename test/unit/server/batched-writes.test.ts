import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchedWrites, bytesHeld, HELD_AT_MOST } from '../../../src/server/batched-writes.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

describe('BatchedWrites (an upload written to its file a batch at a time)', () => {
  it('writes every part in order, in about one file write per MiB, holding at most a batch and a part', async () => {
    const seed = testSeed('batched writes');
    const next = seededRandom(seed);
    const path = join(tmpDir(), 'upload');
    const out = createWriteStream(path, { flags: 'wx' });
    // count what reaches the file system: one call of _write or _writev is one write(v) of the file
    let fileWrites = 0;
    const write = out._write.bind(out);
    const writev = out._writev!.bind(out);
    out._write = (chunk, encoding, cb) => (fileWrites++, write(chunk, encoding, cb));
    out._writev = (chunks, cb) => (fileWrites++, writev(chunks, cb));
    const batched = new BatchedWrites(out);
    const parts: Buffer[] = [];
    let total = 0;
    while (total < 24 << 20) {
      const n = 1 + Math.floor(next() * (64 << 10)); // socket reads of 1 byte to 64 KiB
      const part = Buffer.alloc(n, (next() * 256) | 0);
      parts.push(part);
      total += n;
      await batched.write(part);
      expect(out.writableLength, `seed ${seed}`).toBeLessThanOrEqual((1 << 20) + (64 << 10));
    }
    out.end();
    await once(out, 'close');
    expect(readFileSync(path).equals(Buffer.concat(parts)), `seed ${seed}`).toBe(true);
    expect(fileWrites, `${parts.length} parts`).toBeLessThanOrEqual(Math.ceil(total / (1 << 20)) + 2);
  });

  it('holds at most HELD_AT_MOST over all uploads at once, and gives back what a closed upload held', async () => {
    const dir = tmpDir();
    const outs = Array.from({ length: 48 }, (_, i) => createWriteStream(join(dir, `u${i}`), { flags: 'wx' }));
    const writers = outs.map((o) => new BatchedWrites(o));
    const part = Buffer.alloc(60 << 10, 7);
    // 48 uploads of 15 parts each (900 KiB: under a batch) would hold 42 MiB unbounded
    expect(HELD_AT_MOST).toBeLessThan(48 * 15 * part.length);
    for (let round = 0; round < 15; round++) {
      for (const w of writers) {
        await w.write(part);
        expect(bytesHeld()).toBeLessThanOrEqual(HELD_AT_MOST + part.length);
      }
    }
    expect(bytesHeld()).toBeGreaterThan(0);
    outs.slice(0, 24).forEach((o) => o.destroy()); // uploads that failed: what they held is dropped
    for (const o of outs.slice(24)) o.end();
    await Promise.all(outs.map((o) => (o.closed ? undefined : once(o, 'close'))));
    expect(bytesHeld()).toBe(0);
    const sizes = outs.slice(24).map((_, i) => readFileSync(join(dir, `u${i + 24}`)).length);
    expect(sizes.every((n) => n === 15 * part.length)).toBe(true);
  });

  it('does not wait forever when the file cannot take a batch: the stream\'s error ends the wait', async () => {
    const out = createWriteStream('/dev/full'); // every write fails with ENOSPC
    let failed: Error | undefined;
    out.on('error', (err) => (failed ??= err));
    const batched = new BatchedWrites(out);
    for (let i = 0; i < 40 && !failed; i++) await batched.write(Buffer.alloc(64 << 10, 1));
    expect(failed?.message).toMatch(/ENOSPC/);
  });
});
