/**
 * The answer of a Xet global dedup query (docs/protocol.md "Xet"): a shard with no file blocks
 * and one xorb block per xorb the caller may deduplicate against, its chunk hashes keyed with a
 * random HMAC key (keyed BLAKE3, as xet-core's MerkleHash::hmac) named in the footer, so the
 * answer lets a client recognise chunks it already has and nothing more.
 *
 * Which xorbs: the one holding the chunk asked about, and, when that chunk begins a file the store
 * knows (xet-files.ts) and the caller's repository holds (the server checks), the xorbs of that
 * file in term order (up to MAX_DEDUP_XORBS in all): the JS client asks about the first chunk of
 * each file only, so a new revision of a file of many xorbs deduplicates against all of them.
 *
 * Visibility: a xorb block lists the chunks of the xorb up to the last one the caller may read;
 * a chunk before that which the caller may not read is listed with a random hash (its position
 * must stay: a client names chunks by their index in the block). Its length is kept, which tells
 * nothing new: the caller reads the byte ranges of the records around it in reconstructions.
 */
import { randomBytes } from 'node:crypto';
import { encodeShard } from '../formats/shard-writer.js';
import type { ShardChunk, ShardXorb } from '../formats/shard-types.js';
import { createKeyedBlake3 } from '../hash/blake3.js';
import { fromXetHex } from '../hash/xet-hex.js';
import { readManifest } from './manifest-files.js';
import { indexedChunkHashes } from './object-verify.js';
import { oidOfFirstChunk } from './xet-files.js';
import type { Store } from './store.js';
import { XorbFile } from './xorb-reader.js';

/** A xorb to describe and the chunk runs [start, end) of it the caller may read. */
export interface DedupXorb {
  xorb: string;
  runs: ReadonlyArray<{ start: number; end: number }>;
}

/** Most xorbs one answer describes (about 2 GiB of file; a few MB of answer). */
export const MAX_DEDUP_XORBS = 32;

/** Where a queried chunk is (`xorb`, `index`), and the file it begins with that file's other xorbs, if the store knows one. */
export interface DedupCandidates {
  xorb: string;
  index: number;
  file?: { oid: string; xorbs: string[] };
}

/** The chunk `chunk` (Xet hex) of the store and the xorbs worth describing with it; null when the store lacks it. */
export function dedupCandidates(store: Store, chunk: string): DedupCandidates | null {
  const at = store.index.lookup(fromXetHex(chunk));
  if (!at) return null;
  const oid = oidOfFirstChunk(store.paths, chunk);
  const manifest = oid ? readManifestQuietly(store, oid) : undefined;
  if (!oid || !manifest) return { xorb: at.xorb, index: at.index };
  const xorbs: string[] = [];
  for (const t of manifest.terms) {
    if (xorbs.length >= MAX_DEDUP_XORBS - 1) break;
    if (t.xorb !== at.xorb && !xorbs.includes(t.xorb) && store.xorbs.exists(t.xorb)) xorbs.push(t.xorb);
  }
  return { xorb: at.xorb, index: at.index, file: { oid, xorbs } };
}

function readManifestQuietly(store: Store, oid: string) {
  try {
    return readManifest(store.paths, oid);
  } catch {
    return undefined; // a damaged manifest only loses the hint
  }
}

/** How long a client may deduplicate against an answer (the footer's key expiry): one day. */
const KEY_EXPIRY_SECONDS = 24 * 3600;

/** The dedup shard describing `xorbs`, its chunk hashes keyed with a fresh random key. */
export async function dedupShard(store: Store, xorbs: readonly DedupXorb[], now = Date.now()): Promise<Uint8Array> {
  const key = randomBytes(32);
  const hmac = await createKeyedBlake3(key);
  const blocks: ShardXorb[] = [];
  for (const { xorb, runs } of xorbs) {
    const end = Math.max(0, ...runs.map((r) => r.end));
    if (end === 0) continue;
    const f = XorbFile.open(store.xorbs, xorb);
    try {
      const records = f.records();
      const hashes = indexedChunkHashes(store, f);
      const chunks: ShardChunk[] = [];
      let unpacked = 0;
      for (let i = 0; i < Math.min(end, records.length); i++) {
        const readable = runs.some((r) => r.start <= i && i < r.end);
        chunks.push({ hash: readable ? hmac.hash(hashes[i]) : randomBytes(32), unpackedStart: unpacked, unpackedBytes: records[i].length, flags: 0 });
        unpacked += records[i].length;
      }
      const last = records[chunks.length - 1];
      blocks.push({ xorbHash: fromXetHex(xorb), flags: 0, chunks, unpackedBytes: unpacked, storedBytes: last.dataOffset + last.length });
    } finally {
      f.close();
    }
  }
  const seconds = BigInt(Math.floor(now / 1000));
  return encodeShard({ files: [], xorbs: blocks, footer: { hmacKey: key, createdAt: seconds, keyExpiry: seconds + BigInt(KEY_EXPIRY_SECONDS) } });
}
