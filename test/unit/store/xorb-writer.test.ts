import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.js';
import { XorbFile } from '../../../src/store/xorb-reader.js';
import { xorbBufferPool, XorbWriter } from '../../../src/store/xorb-writer.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

describe('XorbWriter', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(join(tmpDir(), 'store'));
  });
  afterAll(() => store?.close());

  /** 320 chunks of 60-68 KiB (about 20 MiB: several 4 MiB buffers in flight), seed 91. */
  const chunks = Array.from({ length: 320 }, (_, i) => Buffer.from(mulberry32Bytes(91 + i, 60_000 + ((i * 2654435761) % 8192))));

  it('writes every record at its place: the sealed xorb verifies and reads back each chunk', async () => {
    const w = new XorbWriter(store.paths, store.hashers, store.xorbs);
    for (const c of chunks) w.append(store.hashers.chunk.hash(c), c);
    const sealed = w.seal();
    await sealed.durable;
    const f = XorbFile.open(store.xorbs, sealed.xorb);
    try {
      expect(f.verify(store.hashers)).toHaveLength(chunks.length);
      for (const i of [0, 63, 64, 199, 319]) {
        const { bytes, records } = f.readChunks(i, i + 1);
        expect(Buffer.from(bytes.subarray(records[0].dataOffset - records[0].offset)).equals(chunks[i])).toBe(true);
      }
    } finally {
      f.close();
    }
  });

  it('writers sharing one pool of buffers (a file of several xorbs) each write exactly their records', async () => {
    const pool = xorbBufferPool();
    const writers = [0, 1].map(() => new XorbWriter(store.paths, store.hashers, store.xorbs, pool));
    const halves = [chunks.slice(0, 160), chunks.slice(160)];
    // the second writer fills buffers while the first one's writes are still in flight
    const sealed = writers.map((w, k) => {
      for (const c of halves[k]) w.append(store.hashers.chunk.hash(c), c);
      return w.seal();
    });
    await Promise.all(sealed.map((x) => x.durable));
    expect(pool.spares).toBeGreaterThan(0);
    sealed.forEach((x, k) => {
      const f = XorbFile.open(store.xorbs, x.xorb);
      try {
        expect(f.verify(store.hashers)).toHaveLength(halves[k].length);
        for (const i of [0, 77, 159]) {
          const { bytes, records } = f.readChunks(i, i + 1);
          expect(Buffer.from(bytes.subarray(records[0].dataOffset - records[0].offset)).equals(halves[k][i])).toBe(true);
        }
      } finally {
        f.close();
      }
    });
  });

  it('an abort leaves no file behind', async () => {
    const before = readdirSync(store.paths.tmp).length;
    const w = new XorbWriter(store.paths, store.hashers, store.xorbs);
    for (const c of chunks) w.append(store.hashers.chunk.hash(c), c);
    await w.abort();
    expect(readdirSync(store.paths.tmp)).toHaveLength(before);
  });
});
