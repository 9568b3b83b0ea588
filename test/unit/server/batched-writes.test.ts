import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchedWrites } from '../../../src/server/batched-writes.js';
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

  it('does not wait forever when the file cannot take a batch: the stream\'s error ends the wait', async () => {
    const out = createWriteStream('/dev/full'); // every write fails with ENOSPC
    let failed: Error | undefined;
    out.on('error', (err) => (failed ??= err));
    const batched = new BatchedWrites(out);
    for (let i = 0; i < 40 && !failed; i++) await batched.write(Buffer.alloc(64 << 10, 1));
    expect(failed?.message).toMatch(/ENOSPC/);
  });
});
