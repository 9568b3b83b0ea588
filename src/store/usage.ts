/** Space accounting for `hub du`: what the stored files add up to versus what is on disk. */
import type { Store } from './store.js';

/** Store usage figures. */
export interface StoreUsage {
  /** Sum of the sizes of every stored file (manifest). */
  logicalBytes: number;
  /** Bytes of xorb files on disk. */
  storedBytes: number;
  /** logicalBytes / storedBytes (0 for an empty store). */
  dedupRatio: number;
  files: number;
  xorbs: number;
  chunks: number;
  /** Bytes of the chunks in the index (what a new add can deduplicate against). */
  indexedBytes: number;
}

/** Measures the store. */
export function storeUsage(store: Store): StoreUsage {
  let logicalBytes = 0;
  let files = 0;
  for (const oid of store.manifests.list()) {
    try {
      logicalBytes += store.manifests.read(oid)?.size ?? 0;
      files++;
    } catch {
      /* damaged manifests are fsck's to report */
    }
  }
  let storedBytes = 0;
  let xorbs = 0;
  for (const x of store.xorbs.list()) {
    storedBytes += x.bytes;
    xorbs++;
  }
  const dedupRatio = storedBytes > 0 ? logicalBytes / storedBytes : 0;
  return { logicalBytes, storedBytes, dedupRatio, files, xorbs, chunks: store.index.chunkCount(), indexedBytes: store.index.chunkBytes() };
}
