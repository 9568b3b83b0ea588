/**
 * importXetXorb (store/xet-xorb-import.ts): a Xet xorb of compressed records is stored as the
 * store keeps xorbs (uncompressed records, same name), indexed, and readable by the store's own
 * reader; a xorb the store has (from a hub push of the same chunks) stays one copy.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeXetXorb } from '../../../src/formats/xet-xorb-write.js';
import { encodeXorb, parseXorbRecords } from '../../../src/formats/xorb.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { Store } from '../../../src/store/store.js';
import { importXetXorb } from '../../../src/store/xet-xorb-import.js';
import { XorbFile } from '../../../src/store/xorb-reader.js';
import { xorbPath } from '../../../src/store/paths.js';
import { seededRandom } from '../formats/seeded.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

describe('importXetXorb', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(join(tmpDir(), 'store'));
  });
  afterAll(() => store?.close());

  it('stores LZ4 and ByteGrouping4LZ4 records uncompressed under the same name, indexed; again is one copy', async () => {
    const { rand, seed } = seededRandom('xet xorb import');
    const floats = new Uint8Array(new Float32Array(Array.from({ length: 16384 }, () => rand.normal() * 0.02)).buffer);
    const chunks = [new TextEncoder().encode('import me '.repeat(3000)), floats, rand.bytes(5000)];
    for (const footer of [true, false]) {
      const { bytes, xorbHash, chunkHashes } = encodeXetXorb(chunks, store.hashers, { footer });
      expect(bytes.length).toBeLessThan(chunks.reduce((n, c) => n + c.length, 0));
      const tmp = join(tmpDir(), 'upload');
      writeFileSync(tmp, bytes);
      const r = await importXetXorb(store, tmp, xetHex(xorbHash));
      expect(r, `seed ${seed}`).toEqual({ xorb: xetHex(xorbHash), chunks: 3, bytes: encodeXorb(chunks).length, wasInserted: footer });
      // the stored file is exactly what a hub push of these chunks writes
      expect(Buffer.from(readFileSync(xorbPath(store.paths, r.xorb))).equals(Buffer.from(encodeXorb(chunks)))).toBe(true);
      const f = XorbFile.open(store.xorbs, r.xorb);
      expect(f.verify(store.hashers).map(xetHex)).toEqual(chunkHashes.map(xetHex));
      f.close();
      expect(parseXorbRecords(readFileSync(xorbPath(store.paths, r.xorb)))).toHaveLength(3);
      expect(store.index.lookup(chunkHashes[1])).toMatchObject({ xorb: r.xorb, index: 1, length: floats.length });
    }
  });

  it('keeps a xorb of raw records as received (footer cut off), and rewrites from the first compressed record on', async () => {
    const { rand, seed } = seededRandom('xet xorb import raw');
    const text = new TextEncoder().encode('compress me '.repeat(2000));
    const cases: Array<{ name: string; chunks: Uint8Array[]; scheme: 'none' | 'best' }> = [
      { name: 'all raw', chunks: [rand.bytes(9000), rand.bytes(20000), rand.bytes(7000)], scheme: 'none' },
      { name: 'raw, then compressed', chunks: [rand.bytes(9000), rand.bytes(11000), text, rand.bytes(3000)], scheme: 'best' },
    ];
    for (const c of cases) {
      for (const footer of [true, false]) {
        const { bytes, xorbHash, chunkHashes } = encodeXetXorb(c.chunks, store.hashers, { footer, scheme: c.scheme });
        const tmp = join(tmpDir(), 'upload');
        writeFileSync(tmp, bytes);
        const received = statSync(tmp).ino;
        const r = await importXetXorb(store, tmp, xetHex(xorbHash));
        // one pass: a xorb of raw records is the received file itself (renamed), a compressed one a file written anew
        if (footer) expect(statSync(xorbPath(store.paths, r.xorb)).ino === received, c.name).toBe(c.scheme === 'none');
        const stored = readFileSync(xorbPath(store.paths, r.xorb));
        expect(Buffer.from(stored).equals(Buffer.from(encodeXorb(c.chunks))), `${c.name}, footer ${footer}, seed ${seed}`).toBe(true);
        expect(r.bytes).toBe(stored.length);
        const f = XorbFile.open(store.xorbs, r.xorb);
        expect(f.verify(store.hashers).map(xetHex)).toEqual(chunkHashes.map(xetHex));
        f.close();
        const last = c.chunks.length - 1;
        expect(store.index.lookup(chunkHashes[last])).toMatchObject({ xorb: r.xorb, index: last, length: c.chunks[last].length });
      }
    }
  });

  it('refuses a raw xorb whose chunk was changed after its footer was written, and keeps nothing', async () => {
    const { rand, seed } = seededRandom('xet xorb import raw tamper');
    const chunks = [rand.bytes(9000), rand.bytes(12000)];
    const { bytes, xorbHash } = encodeXetXorb(chunks, store.hashers, { scheme: 'none' });
    bytes[8 + 100] ^= 1; // a byte of the first chunk's data
    const tmp = join(tmpDir(), 'upload');
    writeFileSync(tmp, bytes);
    await expect(importXetXorb(store, tmp, xetHex(xorbHash)), `seed ${seed}`).rejects.toThrow(/does not match/);
    expect(existsSync(xorbPath(store.paths, xetHex(xorbHash)))).toBe(false);
    expect(existsSync(tmp)).toBe(false);
  });
});
