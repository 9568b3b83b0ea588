import { ChunkHashList } from '../../../src/hash/chunk-hash-list.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addFile } from '../../../src/store/ingest.js';
import { LocalChunkReader } from '../../../src/store/local-chunks.js';
import { Store } from '../../../src/store/store.js';
import { fileChunkHashes } from '../../helpers/file-chunk-hashes.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

describe('LocalChunkReader.readEach', () => {
  it('reads long runs into buffers reused once released (and only then), every byte right', async () => {
    const dir = tmpDir();
    const data = Buffer.from(mulberry32Bytes(81, 40_000_000));
    writeFileSync(join(dir, 'f'), data);
    const store = await Store.open(join(dir, 'store'));
    try {
      const { oid } = await addFile(store, join(dir, 'f'));
      const hashes = fileChunkHashes(store, oid);
      const reader = new LocalChunkReader(store);
      try {
        const where = reader.locate(ChunkHashList.fromHex(hashes)!)!;
        const pass = async (release: boolean): Promise<Set<ArrayBufferLike>> => {
          const buffers = new Set<ArrayBufferLike>();
          const got: Uint8Array[] = [];
          await reader.readEach(where, (chunks, from, done) => {
            expect(from).toBe(got.length);
            got.push(...chunks.map((c) => Buffer.from(c)));
            buffers.add(chunks[0].buffer);
            if (release) done();
          });
          expect(Buffer.concat(got).equals(data)).toBe(true);
          return buffers;
        };
        const kept = await pass(false);
        expect(kept.size).toBeGreaterThan(3); // 40 MB in runs of at most 8 MiB
        expect((await pass(true)).size).toBe(1);
      } finally {
        reader.close();
      }
    } finally {
      store.close();
    }
  });
});
