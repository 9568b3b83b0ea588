import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addFile } from '../../../src/store/ingest.js';
import { objectPieces, objectPiecesAsync, requireManifest } from '../../../src/store/reassemble.js';
import { Store } from '../../../src/store/store.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const p of pieces) out.push(p);
  return out;
}

describe('objectPieces', () => {
  it('yields exactly the bytes of any range, and the whole object verified', async () => {
    const dir = tmpDir();
    const data = Buffer.from(mulberry32Bytes(42, 3_000_000));
    writeFileSync(join(dir, 'f.bin'), data);
    const store = await Store.open(join(dir, 'store'));
    try {
      const { oid } = await addFile(store, join(dir, 'f.bin'));
      const manifest = requireManifest(store, oid);
      expect(Buffer.concat([...objectPieces(store, manifest)]).equals(data)).toBe(true); // (toEqual on 3 MB takes seconds)
      const random = seededRandom(testSeed('objectPieces ranges'));
      const ranges = [[0, 1], [0, data.length], [data.length - 1, data.length], [65535, 65537], [1_000_000, 2_500_000]];
      for (let i = 0; i < 20; i++) {
        const a = Math.floor(random() * data.length);
        ranges.push([a, a + 1 + Math.floor(random() * (data.length - a))]);
      }
      for (const [start, end] of ranges) {
        expect(Buffer.concat([...objectPieces(store, manifest, { start, end })]).equals(data.subarray(start, end)), `${start}-${end}`).toBe(true);
        expect(Buffer.concat(await collect(objectPiecesAsync(store, manifest, { start, end }))).equals(data.subarray(start, end)), `async ${start}-${end}`).toBe(true);
      }
      expect(Buffer.concat(await collect(objectPiecesAsync(store, manifest))).equals(data)).toBe(true);
    } finally {
      store.close();
    }
  });
});
