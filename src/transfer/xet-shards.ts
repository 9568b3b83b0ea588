/**
 * The shard bodies that register one Xet upload (upload-protocol.md, step 4). A shard may be at
 * most 64 MiB (the spec's limit; hub serve refuses larger ones, as Hugging Face's CAS does), and
 * a xorb block takes 48 bytes per chunk: one shard for a whole push stops fitting at ~1.3 million
 * chunks, about 80 GiB of new data. So the blocks are packed into as many shards as they need,
 * the xorb blocks first and the file blocks last (a file is registered only once everything
 * before it went up), each shard built from blocks made as it fills: what is in memory at once
 * is one shard's worth. xet-core splits its shards at the same size.
 */
import { SHARD_ENTRY_BYTES, SHARD_HEADER_BYTES, type ShardFile, type ShardXorb } from '../formats/shard-types.js';
import { encodeShard, fileBlockEntries } from '../formats/shard-writer.js';

/** The largest shard body the spec allows. */
export const SHARD_MAX_BYTES = 64 << 20;

/** Bytes of a shard without footer holding nothing (its header and the two sections' bookends). */
const EMPTY_SHARD_BYTES = SHARD_HEADER_BYTES + 2 * SHARD_ENTRY_BYTES;

/**
 * Shard bodies (no footer) holding every block of `xorbs`, then every block of `files`, each at
 * most `maxBytes` unless a single block is larger (it goes alone; the server will say).
 */
export function* shardBodies(xorbs: Iterable<ShardXorb>, files: Iterable<ShardFile>, maxBytes = SHARD_MAX_BYTES): Generator<Uint8Array> {
  let pending: { xorbs: ShardXorb[]; files: ShardFile[] } = { xorbs: [], files: [] };
  let bytes = EMPTY_SHARD_BYTES;
  let any = false;
  const flush = (): Uint8Array => {
    const body = encodeShard({ ...pending, footer: null });
    pending = { xorbs: [], files: [] };
    bytes = EMPTY_SHARD_BYTES;
    return body;
  };
  const room = (blockBytes: number): boolean => bytes === EMPTY_SHARD_BYTES || bytes + blockBytes <= maxBytes;
  for (const x of xorbs) {
    const blockBytes = SHARD_ENTRY_BYTES * (1 + x.chunks.length);
    if (!room(blockBytes)) yield flush();
    pending.xorbs.push(x);
    bytes += blockBytes;
    any = true;
  }
  for (const f of files) {
    const blockBytes = SHARD_ENTRY_BYTES * fileBlockEntries(f);
    if (!room(blockBytes)) yield flush();
    pending.files.push(f);
    bytes += blockBytes;
    any = true;
  }
  if (any) yield flush();
}
