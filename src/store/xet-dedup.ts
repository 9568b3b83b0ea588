/**
 * The answer of a Xet global dedup query (docs/protocol.md "Xet"): a shard with no file blocks
 * and one xorb block per xorb the caller may deduplicate against, its chunk hashes keyed with a
 * random HMAC key (keyed BLAKE3, as xet-core's MerkleHash::hmac) named in the footer, so the
 * answer lets a client recognise chunks it already has and nothing more.
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
import { indexedChunkHashes } from './object-verify.js';
import type { Store } from './store.js';
import { XorbFile } from './xorb-reader.js';

/** A xorb to describe and the chunk runs [start, end) of it the caller may read. */
export interface DedupXorb {
  xorb: string;
  runs: ReadonlyArray<{ start: number; end: number }>;
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
