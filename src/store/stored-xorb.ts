/**
 * Opening a xorb of the store from code that may run on object storage (the server's paths). A
 * backend that keeps chunk tables (object storage) hands each xorb's records and chunk hashes
 * over with it: a xorb the chunk index does not list yet (a server that started with an empty
 * local index, a xorb another server stored) is indexed then, so the index fills in with what
 * the server reads and its new writes deduplicate against it (docs/store.md, "Backends").
 */
import type { Store } from './store.js';
import { XorbFile } from './xorb-reader.js';

/** Opens xorb `xorb` of `store` (records known), indexing it when its backend gave its chunk table and the index lacks it. */
export async function openStoredXorb(store: Store, xorb: string): Promise<XorbFile> {
  const file = await XorbFile.openAsync(store.xorbs, xorb);
  const table = file.table;
  if (table && !store.index.hasXorb(xorb)) {
    store.index.addXorb(xorb, table.size, table.records.map((r, i) => ({ hash: table.hashes[i], index: r.index, offset: r.offset, length: r.length })));
  }
  return file;
}
