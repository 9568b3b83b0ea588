/**
 * The Xet MDB shard, decoded (docs/formats.md §6; Xet spec shard.md; xet-core
 * metadata_shard/shard_format.rs). A shard lists file reconstructions (files: terms over xorb
 * chunk ranges, with per-term verification hashes and the SHA-256 metadata extension) and xorb
 * descriptions (xorbs: their chunks' hashes and unpacked offsets). Hashes are 32 raw bytes, in
 * the byte order of the wire (xetHex prints them as Xet does).
 */

/** Bytes of the shard header: 32-byte tag, u64 version, u64 footer size. */
export const SHARD_HEADER_BYTES = 48;
/** Bytes of the footer when present. */
export const SHARD_FOOTER_BYTES = 200;
/** Every record of the file and xorb sections is 48 bytes. */
export const SHARD_ENTRY_BYTES = 48;
/** MDB_SHARD_HEADER_VERSION. */
export const SHARD_HEADER_VERSION = 2;
/** MDB_SHARD_FOOTER_VERSION. */
export const SHARD_FOOTER_VERSION = 1;
/** MDB_SHARD_HEADER_TAG: "HFRepoMetaData\0" and 17 fixed bytes. */
export const SHARD_HEADER_TAG = Uint8Array.from([
  72, 70, 82, 101, 112, 111, 77, 101, 116, 97, 68, 97, 116, 97, 0, 85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209,
  74, 169,
]);
/** File flag: one verification entry per term follows the terms. */
export const FILE_FLAG_WITH_VERIFICATION = 0x80000000;
/** File flag: a FileMetadataExt (SHA-256) ends the file block. */
export const FILE_FLAG_WITH_METADATA_EXT = 0x40000000;
/** Chunk flag (xet-core MDB_CHUNK_WITH_GLOBAL_DEDUP_FLAG): the chunk is eligible for global dedup. */
export const CHUNK_FLAG_GLOBAL_DEDUP = 0x80000000;
/** xet-core's shard_key_expiry when a shard never expires (u64::MAX). */
export const SHARD_NO_EXPIRY = 2n ** 64n - 1n;

/** One term of a file: chunks [chunkStart, chunkEnd) of a xorb, unpacking to `unpackedBytes`. */
export interface ShardTerm {
  xorbHash: Uint8Array;
  /** cas_flags of the entry (reserved, 0). */
  flags: number;
  unpackedBytes: number;
  chunkStart: number;
  chunkEnd: number;
}

/** One file block of the file info section. */
export interface ShardFile {
  fileHash: Uint8Array;
  terms: ShardTerm[];
  /** Per-term range hashes (FileVerificationEntry), or null when the block has none. */
  verification: Uint8Array[] | null;
  /** SHA-256 of the file's bytes (FileMetadataExt), or null when the block has none. */
  sha256: Uint8Array | null;
}

/** One chunk of a xorb description. */
export interface ShardChunk {
  hash: Uint8Array;
  /** Offset of the chunk in the xorb's uncompressed bytes (chunk_byte_range_start). */
  unpackedStart: number;
  unpackedBytes: number;
  /** Chunk flags (xet-core; the spec calls these bytes reserved). */
  flags: number;
}

/** One xorb description of the CAS info section. */
export interface ShardXorb {
  xorbHash: Uint8Array;
  /** cas_flags (reserved, 0). */
  flags: number;
  chunks: ShardChunk[];
  /** Sum of the chunks' uncompressed lengths (num_bytes_in_cas). */
  unpackedBytes: number;
  /** Length of the serialized xorb as uploaded (num_bytes_on_disk). */
  storedBytes: number;
}

/** The footer's own fields (offsets and lookup tables are derived by the writer and checked by the reader). */
export interface ShardFooterInfo {
  /** HMAC key of the chunk hashes; all zeros when they are plain hashes. */
  hmacKey: Uint8Array;
  /** Seconds since the epoch. */
  createdAt: bigint;
  /** Seconds since the epoch after which a dedup answer is stale; SHARD_NO_EXPIRY when never. */
  keyExpiry: bigint;
}

/** A footer as read: its fields plus the byte totals the writer derived (not checked: see docs/formats.md §6). */
export interface ParsedShardFooter extends ShardFooterInfo {
  /** Whether the footer points at lookup tables (xet-core) or has none (all zero, as the JS client writes). */
  lookupTables: boolean;
  storedBytesOnDisk: bigint;
  materializedBytes: bigint;
  storedBytes: bigint;
}

/** A decoded shard. `footer` is null for an upload body (which must omit it). */
export interface Shard {
  files: ShardFile[];
  xorbs: ShardXorb[];
  footer: ShardFooterInfo | null;
}
