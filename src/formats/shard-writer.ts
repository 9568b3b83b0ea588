/**
 * Serializes a Xet MDB shard (docs/formats.md §6). Layout, as xet-core's
 * MDBShardInfo::serialize_from writes it: header; file blocks in the order given, then a
 * bookend; xorb blocks in the order given, then a bookend; and, when a footer is asked for, the
 * three lookup tables (files, xorbs, chunks: truncated u64 hash -> entry index, sorted by key)
 * and the 200-byte footer. xet-core orders files and xorbs by hash (compareXetHash) before
 * writing; pass them in that order to get its bytes. An upload body has no footer (spec).
 */
import {
  FILE_FLAG_WITH_METADATA_EXT,
  FILE_FLAG_WITH_VERIFICATION,
  SHARD_ENTRY_BYTES,
  SHARD_FOOTER_BYTES,
  SHARD_FOOTER_VERSION,
  SHARD_HEADER_BYTES,
  SHARD_HEADER_TAG,
  SHARD_HEADER_VERSION,
  type Shard,
  type ShardFile,
  type ShardXorb,
} from './shard-types.js';

/** Orders hashes as xet-core's MerkleHash does (its four u64 words, each little-endian). */
export function compareXetHash(a: Uint8Array, b: Uint8Array): number {
  for (let w = 0; w < 32; w += 8) {
    for (let i = 7; i >= 0; i--) {
      if (a[w + i] !== b[w + i]) return a[w + i] - b[w + i];
    }
  }
  return 0;
}

/** The u64 key of a hash in the lookup tables (its first eight bytes, little-endian). */
export function truncatedHash(h: Uint8Array): bigint {
  return new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, true);
}

/** The 48-byte entries a file block takes. */
export function fileBlockEntries(f: ShardFile): number {
  return 1 + f.terms.length * (f.verification ? 2 : 1) + (f.sha256 ? 1 : 0);
}

/** The lookup tables the footer points at, in the order they are written. */
export function shardLookupTables(files: readonly ShardFile[], xorbs: readonly ShardXorb[]): {
  files: [bigint, number][];
  xorbs: [bigint, number][];
  chunks: [bigint, number, number][];
} {
  const fileTable: [bigint, number][] = [];
  let index = 0;
  for (const f of files) {
    fileTable.push([truncatedHash(f.fileHash), index]);
    index += fileBlockEntries(f);
  }
  const xorbTable: [bigint, number][] = [];
  const chunkTable: [bigint, number, number][] = [];
  index = 0;
  for (const x of xorbs) {
    xorbTable.push([truncatedHash(x.xorbHash), index]);
    x.chunks.forEach((c, i) => chunkTable.push([truncatedHash(c.hash), index, i]));
    index += 1 + x.chunks.length;
  }
  const byKey = (a: [bigint, ...number[]], b: [bigint, ...number[]]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  // xet-core sorts the chunk table only (its files and xorbs arrive sorted); a stable sort keeps
  // equal keys in section order.
  chunkTable.sort(byKey);
  return { files: fileTable, xorbs: xorbTable, chunks: chunkTable };
}

/**
 * Serializes `shard`; with `shard.footer` null the footer is omitted and the header says 0.
 * `lookupTables: false` writes a footer without tables (all six lookup fields zero), as the JS
 * client does.
 */
export function encodeShard(shard: Shard, { lookupTables = true }: { lookupTables?: boolean } = {}): Uint8Array {
  const { files, xorbs, footer } = shard;
  const fileEntries = files.reduce((n, f) => n + fileBlockEntries(f), 0) + 1;
  const xorbEntries = xorbs.reduce((n, x) => n + 1 + x.chunks.length, 0) + 1;
  const tables = footer ? (lookupTables ? shardLookupTables(files, xorbs) : { files: [], xorbs: [], chunks: [] }) : null;
  const tableBytes = tables ? 12 * tables.files.length + 12 * tables.xorbs.length + 16 * tables.chunks.length : 0;
  const size = SHARD_HEADER_BYTES + SHARD_ENTRY_BYTES * (fileEntries + xorbEntries) + tableBytes + (footer ? SHARD_FOOTER_BYTES : 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const u64 = (v: number | bigint): void => {
    view.setBigUint64(at, BigInt(v), true);
    at += 8;
  };
  const hash = (h: Uint8Array): void => {
    if (h.length !== 32) throw new RangeError('shard hashes must be 32 bytes');
    out.set(h, at);
    at += 32;
  };
  const bookend = (): void => {
    out.fill(0xff, at, at + 32);
    at += SHARD_ENTRY_BYTES;
  };

  out.set(SHARD_HEADER_TAG, 0);
  at = 32;
  u64(SHARD_HEADER_VERSION);
  u64(footer ? SHARD_FOOTER_BYTES : 0);

  for (const f of files) {
    if (f.verification && f.verification.length !== f.terms.length) {
      throw new RangeError(`file block needs one verification hash per term (${f.terms.length}), got ${f.verification.length}`);
    }
    hash(f.fileHash);
    u32(((f.verification ? FILE_FLAG_WITH_VERIFICATION : 0) | (f.sha256 ? FILE_FLAG_WITH_METADATA_EXT : 0)) >>> 0);
    u32(f.terms.length);
    at += 8;
    for (const t of f.terms) {
      hash(t.xorbHash);
      u32(t.flags);
      u32(t.unpackedBytes);
      u32(t.chunkStart);
      u32(t.chunkEnd);
    }
    for (const v of f.verification ?? []) {
      hash(v);
      at += 16;
    }
    if (f.sha256) {
      hash(f.sha256);
      at += 16;
    }
  }
  bookend();
  const xorbInfoOffset = at;
  for (const x of xorbs) {
    hash(x.xorbHash);
    u32(x.flags);
    u32(x.chunks.length);
    u32(x.unpackedBytes);
    u32(x.storedBytes);
    for (const c of x.chunks) {
      hash(c.hash);
      u32(c.unpackedStart);
      u32(c.unpackedBytes);
      u32(c.flags);
      at += 4;
    }
  }
  bookend();
  if (!footer || !tables) return out;

  const none = !lookupTables;
  const fileLookup = none ? 0 : at;
  for (const [k, i] of tables.files) {
    u64(k);
    u32(i);
  }
  const xorbLookup = none ? 0 : at;
  for (const [k, i] of tables.xorbs) {
    u64(k);
    u32(i);
  }
  const chunkLookup = none ? 0 : at;
  for (const [k, i, j] of tables.chunks) {
    u64(k);
    u32(i);
    u32(j);
  }
  const footerOffset = at;
  u64(SHARD_FOOTER_VERSION);
  u64(SHARD_HEADER_BYTES);
  u64(xorbInfoOffset);
  u64(fileLookup);
  u64(tables.files.length);
  u64(xorbLookup);
  u64(tables.xorbs.length);
  u64(chunkLookup);
  u64(tables.chunks.length);
  hash(footer.hmacKey);
  u64(footer.createdAt);
  u64(footer.keyExpiry);
  at += 48;
  u64(xorbs.reduce((n, x) => n + x.storedBytes, 0));
  u64(files.reduce((n, f) => n + f.terms.reduce((m, t) => m + t.unpackedBytes, 0), 0));
  u64(xorbs.reduce((n, x) => n + x.unpackedBytes, 0));
  u64(footerOffset);
  return out;
}
