/**
 * Opening a xorb of the store from code that may run on object storage (the server's paths), with
 * its chunk table wherever one can be had without reading the xorb:
 * - a backend that keeps chunk tables (object storage) hands each xorb's records and chunk hashes
 *   over with it: a xorb the chunk index does not list yet (a server that started with an empty
 *   local index, a xorb another server stored) is indexed then, so the index fills in with what
 *   the server reads and its new writes deduplicate against it (docs/store.md, "Backends");
 * - a local file whose table this thread kept (xorb-layouts.ts) opens with it;
 * - else a local file whose chunk-index rows describe it whole (numbered from 0, each record right
 *   after the one before, the last ending where the file ends: every xorb the store wrote or
 *   received whole) gets its table from those rows in one query, and keeps it, instead of a read
 *   per chunk header (~8,300 for a 512 MiB file) and the same query for the hashes afterwards.
 */
import { CHUNK_HEADER_BYTES } from '../formats/xorb.js';
import type { Store } from './store.js';
import { XorbFile } from './xorb-reader.js';
import { chunkTable, type ChunkTable } from './xorb-table.js';

/** Opens xorb `xorb` of `store` (records known), indexing it when its backend gave its chunk table and the index lacks it. */
export async function openStoredXorb(store: Store, xorb: string): Promise<XorbFile> {
  let file = await XorbFile.openAsync(store.xorbs, xorb);
  if (!file.table && file.handle.id !== undefined && store.xorbs.rememberLayout) {
    const table = tableFromIndex(store, xorb, file.size);
    if (table) {
      store.xorbs.rememberLayout(xorb, file.handle, table);
      file.close();
      file = await XorbFile.openAsync(store.xorbs, xorb); // with the table (unless the file changed meanwhile)
    }
  }
  const table = file.table;
  if (table && !store.index.hasXorb(xorb)) {
    store.index.addXorb(xorb, table.size, table.records.map((r, i) => ({ hash: table.hashes[i], index: r.index, offset: r.offset, length: r.length })));
  }
  return file;
}

/** The table of xorb `xorb` (a file of `size` bytes) from its chunk-index rows, when they describe it whole. */
export function tableFromIndex(store: Store, xorb: string, size: number): ChunkTable | undefined {
  const rows = store.index.chunksOf(xorb);
  let end = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.index !== i || r.offset !== end || r.length <= 0) return undefined;
    end += CHUNK_HEADER_BYTES + r.length;
  }
  return rows.length > 0 && end === size ? chunkTable(rows) : undefined; // the records the rows say, laid out as the store writes them
}
