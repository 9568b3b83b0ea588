/** The chunk hashes (Xet hex) of stored object `oid`, in file order, read from its xorbs through the store's index. */
import { xetHex } from '../../src/hash/xet-hex.js';
import { xorbChunkHashes } from '../../src/store/chunk-api.js';
import { requireManifest } from '../../src/store/reassemble.js';
import type { Store } from '../../src/store/store.js';
import { XorbFile } from '../../src/store/xorb-reader.js';

export function fileChunkHashes(store: Store, oid: string): string[] {
  return requireManifest(store, oid).terms.flatMap((t) => {
    const f = XorbFile.open(store.xorbs, t.xorb);
    try {
      return xorbChunkHashes(store, f).slice(t.chunkStart, t.chunkEnd).map((h) => xetHex(h));
    } finally {
      f.close();
    }
  });
}
