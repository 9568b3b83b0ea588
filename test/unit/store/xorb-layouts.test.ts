// XorbLayouts keeps the chunk tables of local xorb files (store/xorb-layouts.ts): a table comes
// back only for the same file (name and identity), whole and exact; the least recently used go
// first past the budget. Through FsXorbBackend: a xorb the store wrote or received opens with its
// table (equal to its header scan and its index rows), a file replaced under the same name opens
// without one, and indexedChunkHashes keeps what it read for the next opening. openStoredXorb in a
// fresh Store (nothing kept) takes the table from the chunk index's rows when they describe the
// file whole, and reads the headers when the index has no rows of it.
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK_HEADER_BYTES, type XorbRecord } from '../../../src/formats/xorb.js';
import { importXorb } from '../../../src/store/chunk-api.js';
import { addFile } from '../../../src/store/ingest.js';
import { readManifest } from '../../../src/store/manifest-files.js';
import { indexedChunkHashes } from '../../../src/store/object-verify.js';
import { xorbPath } from '../../../src/store/paths.js';
import { Store } from '../../../src/store/store.js';
import { openStoredXorb, tableFromIndex } from '../../../src/store/stored-xorb.js';
import { openFileHandle } from '../../../src/store/xorb-backend.js';
import { XorbLayouts } from '../../../src/store/xorb-layouts.js';
import { XorbFile } from '../../../src/store/xorb-reader.js';
import { chunkTable } from '../../../src/store/xorb-table.js';
import { makeModel } from '../../helpers/make-model.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const hash = (n: number) => new Uint8Array(32).fill(n);
const table = (lengths: number[]) => chunkTable(lengths.map((length, i) => ({ hash: hash(i + 1), length })));

describe('XorbLayouts', () => {
  it('gives a kept table back for the same file only, equal to what was kept', () => {
    const layouts = new XorbLayouts();
    const t = table([100, 2000, 7]);
    layouts.remember('x', 'file-1', t.size, t);
    expect(layouts.get('x', 'file-1')).toEqual(t);
    expect(layouts.get('x', 'file-2')).toBeUndefined(); // the same name, another file
    expect(layouts.get('y', 'file-1')).toBeUndefined();
    layouts.forget('x');
    expect(layouts.get('x', 'file-1')).toBeUndefined();
  });

  it('keeps only a table that describes its file whole', () => {
    const layouts = new XorbLayouts();
    const t = table([100, 2000]);
    layouts.remember('short', 'f', t.size + 1, t); // the file is longer than its records
    const gap = { records: t.records.map((r, i) => (i === 1 ? { ...r, offset: r.offset + 1, dataOffset: r.dataOffset + 1 } : r)), hashes: t.hashes };
    layouts.remember('gap', 'f', t.size + 1, gap);
    layouts.remember('hashes', 'f', t.size, { records: t.records, hashes: t.hashes.slice(1) });
    layouts.remember('empty', 'f', 0, { records: [], hashes: [] });
    expect(layouts.size).toBe(0);
  });

  it('drops the least recently used tables past its budget of chunks', () => {
    const layouts = new XorbLayouts(5);
    const two = table([10, 20]);
    for (const x of ['a', 'b']) layouts.remember(x, 'f', two.size, two);
    expect(layouts.get('a', 'f')).toBeDefined(); // a is now the most recently used
    layouts.remember('c', 'f', two.size, two); // 6 chunks: b goes
    expect([layouts.get('a', 'f'), layouts.get('b', 'f'), layouts.get('c', 'f')].map((t) => t !== undefined)).toEqual([true, false, true]);
    const big = table([1, 1, 1, 1, 1, 1]);
    layouts.remember('big', 'f', big.size, big); // more than the whole budget: not kept
    expect(layouts.get('big', 'f')).toBeUndefined();
    expect(big.size).toBe(6 * (CHUNK_HEADER_BYTES + 1));
  });
});

/** Adds a 3 MiB model to `store`: its first xorb and that xorb's records as its headers say (a handle without a table). */
async function addedXorb(store: Store, work: string, seed: number): Promise<{ x: string; records: XorbRecord[] }> {
  makeModel(join(work, `model-${seed}`), '3MiB', seed);
  const x = readManifest(store.paths, (await addFile(store, join(work, `model-${seed}`))).oid)!.terms[0].xorb;
  const scanned = XorbFile.fromHandle(x, openFileHandle(xorbPath(store.paths, x)));
  expect(scanned.table).toBeUndefined();
  const records = scanned.records();
  scanned.close();
  return { x, records };
}

describe('FsXorbBackend keeps its xorbs\' layouts', () => {
  it('opens a xorb it wrote or received with its table, equal to the header scan and the index; a replaced file without', async () => {
    const work = tmpDir();
    const client = await Store.open(join(work, 'client'));
    const server = await Store.open(join(work, 'server'));
    try {
      const { x, records } = await addedXorb(client, work, 81);
      const indexed = client.index.chunksOf(x).map((r) => r.hash);
      expect(indexed.length).toBe(records.length);

      const written = XorbFile.open(client.xorbs, x); // written by the add: its table kept at the commit
      expect(written.table?.records).toEqual(records);
      expect(written.table?.hashes).toEqual(indexed);
      written.close();

      const received = join(work, 'received');
      copyFileSync(xorbPath(client.paths, x), received);
      await importXorb(server, received, x); // what a xorb PUT does on a server
      const onServer = XorbFile.open(server.xorbs, x);
      expect(onServer.table?.records).toEqual(records);
      onServer.close();

      // the same name, another file (gc, then the same xorb written again): read anew
      const copy = join(work, 'copy');
      copyFileSync(xorbPath(client.paths, x), copy);
      renameSync(copy, xorbPath(client.paths, x));
      const replaced = XorbFile.open(client.xorbs, x);
      expect(replaced.table).toBeUndefined();
      expect(indexedChunkHashes(client, replaced)).toEqual(indexed); // read, and kept for the next opening
      replaced.close();
      const again = XorbFile.open(client.xorbs, x);
      expect(again.table?.records).toEqual(records);
      expect(again.table?.hashes).toEqual(indexed);
      again.close();
    } finally {
      client.close();
      server.close();
    }
  });
});

describe('openStoredXorb without a kept table', () => {
  it('takes the table from the index rows when they describe the file whole (and keeps it), else reads the headers', async () => {
    const work = tmpDir();
    let store = await Store.open(join(work, 'store'));
    const other = await Store.open(join(work, 'other'));
    try {
      const { x, records } = await addedXorb(store, work, 82);
      store.close();
      store = await Store.open(join(work, 'store')); // a new backend: nothing kept
      const fresh = XorbFile.open(store.xorbs, x);
      expect(fresh.table).toBeUndefined();
      fresh.close();
      const fromIndex = tableFromIndex(store, x, records[records.length - 1].dataOffset + records[records.length - 1].length);
      expect(fromIndex?.records).toEqual(records);
      const opened = await openStoredXorb(store, x);
      expect(opened.table?.records).toEqual(records);
      expect(opened.table?.hashes).toEqual(store.index.chunksOf(x).map((r) => r.hash));
      opened.close();
      const kept = XorbFile.open(store.xorbs, x);
      expect(kept.table?.records).toEqual(records); // kept
      kept.close();

      // the same xorb in a store whose index has no rows of it: the headers are read
      mkdirSync(dirname(xorbPath(other.paths, x)), { recursive: true });
      copyFileSync(xorbPath(store.paths, x), xorbPath(other.paths, x));
      expect(tableFromIndex(other, x, 1 << 30)).toBeUndefined();
      const unindexed = await openStoredXorb(other, x);
      expect(unindexed.table).toBeUndefined();
      expect(unindexed.records()).toEqual(records);
      unindexed.close();
    } finally {
      store.close();
      other.close();
    }
  });
});
