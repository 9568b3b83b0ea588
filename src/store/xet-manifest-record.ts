/**
 * Recording a verified file for the Xet CAS's lookups (xet-files.ts): its Xet hash, and the hash
 * of its first chunk (from the xorb's chunk table or the index). Apart from xet-files.ts, which
 * the Store builds, so that the lookups' backends do not depend on the Store.
 */
import type { FileManifest } from '../formats/manifest.js';
import { xetHex } from '../hash/xet-hex.js';
import { indexedChunkHashes } from './object-verify.js';
import type { Store } from './store.js';
import { openStoredXorb } from './stored-xorb.js';

/** Records what a Xet CAS looks `manifest` up by: its Xet hash, and its first chunk's hash (from the chunk table or the index). */
export async function recordXetManifest(store: Store, manifest: FileManifest): Promise<void> {
  await store.xetFiles.recordFile(manifest.xetHash, manifest.oid);
  const first = manifest.terms[0];
  if (!first) return;
  const f = await openStoredXorb(store, first.xorb);
  let hash: Uint8Array | undefined;
  try {
    hash = indexedChunkHashes(store, f)[first.chunkStart];
  } finally {
    f.close();
  }
  if (hash) await store.xetFiles.recordFirstChunk(xetHex(hash), manifest.oid);
}
