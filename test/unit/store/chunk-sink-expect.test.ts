import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectReceiver } from '../../../src/store/object-receiver.js';
import { Store } from '../../../src/store/store.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

const CHUNK = 64 * 1024;
const slices = (data: Buffer): Buffer[] => Array.from({ length: Math.ceil(data.length / CHUNK) }, (_, i) => data.subarray(i * CHUNK, (i + 1) * CHUNK));
const oidOf = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Receives `data` as 64 KiB chunks in pieces of `perPiece`, announcing each piece first when `announce`. */
async function receive(store: Store, data: Buffer, stage: string, announce: boolean, perPiece = 8) {
  const r = new ObjectReceiver(store, { oid: oidOf(data), size: data.length }, { path: stage, durable: false });
  const chunks = slices(data);
  for (let i = 0; i < chunks.length; i += perPiece) {
    const piece = chunks.slice(i, i + perPiece).map((c) => ({ hash: store.hashers.chunk.hash(c), data: Buffer.from(c) }));
    if (announce) r.expect(piece.map((c) => c.hash));
    for (const c of piece) r.chunk(c.hash, c.data, 'test');
    await r.drained();
  }
  return r.finish();
}

describe('ChunkSink.expect (a received piece looked up at once)', () => {
  it('looks the announced chunks up in one read transaction per piece and stores what the individual lookups stored: chunks the store has and repeats within the file are not written again', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'));
    try {
      const known = Buffer.from(mulberry32Bytes(71, 20 * CHUNK));
      const fresh = Buffer.from(mulberry32Bytes(72, 12 * CHUNK));
      await receive(store, known, join(dir, 'a'), false);
      // the second object: the known chunks, new ones, then the new ones again
      const data = Buffer.concat([known, fresh, fresh]);
      const index = store.index;
      let batched = 0;
      let alone = 0;
      let inBatch = false;
      const lookup = index.lookup.bind(index);
      const readBatch = index.readBatch.bind(index);
      index.lookup = (hash) => {
        if (inBatch) batched++;
        else alone++;
        return lookup(hash);
      };
      index.readBatch = <T>(fn: () => T): T => {
        inBatch = true;
        try {
          return readBatch(fn);
        } finally {
          inBatch = false;
        }
      };
      const got = await receive(store, data, join(dir, 'b'), true);
      expect(alone).toBe(0); // every chunk was looked up with its piece
      expect(batched).toBe(slices(data).length);
      expect(got.newBytes).toBe(fresh.length); // the known chunks and the repeats were found
      expect(readFileSync(join(dir, 'b')).equals(data)).toBe(true);
      const manifest = store.manifests.read(oidOf(data));
      expect(manifest?.terms.reduce((n, t) => n + t.bytes, 0)).toBe(data.length);
    } finally {
      store.close();
    }
  });

  it('without the announcement each chunk is looked up on its own, with the same outcome', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'));
    try {
      const known = Buffer.from(mulberry32Bytes(73, 10 * CHUNK));
      const fresh = Buffer.from(mulberry32Bytes(74, 6 * CHUNK));
      await receive(store, known, join(dir, 'a'), false);
      const data = Buffer.concat([fresh, known, fresh]);
      let lookups = 0;
      const lookup = store.index.lookup.bind(store.index);
      store.index.lookup = (hash) => (lookups++, lookup(hash));
      const got = await receive(store, data, join(dir, 'b'), false);
      expect(got.newBytes).toBe(fresh.length);
      expect(lookups).toBe(slices(data).length - 6); // the repeats were found among the chunks just written
    } finally {
      store.close();
    }
  });
});
