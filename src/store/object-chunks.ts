/**
 * The chunk table of a stored object: where each of its chunks sits in the file and its hash,
 * from the manifest, the xorbs' record headers and the index (no chunk data is read). A diff
 * uses it to fingerprint byte ranges and to read exactly the chunks a range needs.
 */
import type { FileManifest } from '../formats/manifest.js';
import { xetHex } from '../hash/xet-hex.js';
import { xorbChunkHashes } from './chunk-api.js';
import type { Store } from './store.js';
import { XorbFile } from './xorb-reader.js';

/** One chunk of a file: bytes [offset, offset + length) of the file, with its hash (Xet hex). */
export interface FileChunk {
  offset: number;
  length: number;
  hash: string;
}

/** Xorbs whose records and chunk hashes are kept while the terms are walked (a file's terms visit its xorbs mostly in order). */
const OPEN_XORBS = 4;

/**
 * The chunks of `manifest`, in file order. Only the last few xorbs' records and chunk hashes are
 * held at a time (a xorb met again is read again): holding every xorb's made a diff of two 2 GiB
 * versions peak at 100 MiB of heap before it compared anything.
 */
export function objectChunks(store: Store, manifest: FileManifest): FileChunk[] {
  const files = new Map<string, { file: XorbFile; hashes: Uint8Array[] }>();
  const out: FileChunk[] = [];
  let offset = 0;
  try {
    for (const t of manifest.terms) {
      let x = files.get(t.xorb);
      if (x) {
        files.delete(t.xorb); // most recently used last
        files.set(t.xorb, x);
      } else {
        const file = XorbFile.open(store.xorbs, t.xorb);
        files.set(t.xorb, (x = { file, hashes: [] }));
        x.hashes = xorbChunkHashes(store, file);
        for (const [name, old] of files) {
          if (files.size <= OPEN_XORBS) break;
          old.file.close();
          files.delete(name);
        }
      }
      const records = x.file.records();
      for (let i = t.chunkStart; i < t.chunkEnd; i++) {
        out.push({ offset, length: records[i].length, hash: xetHex(x.hashes[i]) });
        offset += records[i].length;
      }
    }
    return out;
  } finally {
    for (const x of files.values()) x.file.close();
  }
}
