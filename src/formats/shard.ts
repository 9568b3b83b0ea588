/**
 * Reads and validates a Xet MDB shard (docs/formats.md §6; writer: shard-writer.ts). Every
 * problem is one FormatError `bad_shard` naming the byte offset and what was wrong: a wrong tag
 * or version, a footer size other than 0 or 200, a section running past the end or into the
 * footer, a missing bookend, verification entries on some files only, an empty term or xorb,
 * chunk offsets that do not add up, a footer whose offsets, counts or lookup tables disagree
 * with the sections. Whether the hashes are true (verification hashes against xorbs, SHA-256
 * against content) needs the xorbs and is the caller's check.
 */
import { FormatError } from '../errors.js';
import { shardLookupTables } from './shard-writer.js';
import {
  FILE_FLAG_WITH_METADATA_EXT,
  FILE_FLAG_WITH_VERIFICATION,
  SHARD_ENTRY_BYTES,
  SHARD_FOOTER_BYTES,
  SHARD_FOOTER_VERSION,
  SHARD_HEADER_BYTES,
  SHARD_HEADER_TAG,
  SHARD_HEADER_VERSION,
  type ParsedShardFooter,
  type Shard,
  type ShardFile,
  type ShardXorb,
} from './shard-types.js';

function bad(message: string): FormatError {
  return new FormatError(`shard: ${message}`, {}, 'bad_shard');
}

function isBookend(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 32; i++) if (b[at + i] !== 0xff) return false;
  return true;
}

/** What parseShard expects of the footer: `required` (a dedup answer), `forbidden` (an upload body) or `optional`. */
export type ShardFooterRule = 'required' | 'forbidden' | 'optional';

/** Decodes and validates `bytes` as one shard. */
export function parseShard(bytes: Uint8Array, footerRule: ShardFooterRule = 'optional'): Shard {
  const size = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  if (size < SHARD_HEADER_BYTES) throw bad(`${size} bytes is shorter than the ${SHARD_HEADER_BYTES}-byte header`);
  for (let i = 0; i < 32; i++) if (bytes[i] !== SHARD_HEADER_TAG[i]) throw bad('not an MDB shard (wrong header tag)');
  const version = view.getBigUint64(32, true);
  if (version !== BigInt(SHARD_HEADER_VERSION)) throw bad(`unsupported header version ${version} (expected ${SHARD_HEADER_VERSION})`);
  const footerSize = view.getBigUint64(40, true);
  if (footerSize !== 0n && footerSize !== BigInt(SHARD_FOOTER_BYTES)) throw bad(`footer size ${footerSize} is neither 0 nor ${SHARD_FOOTER_BYTES}`);
  const hasFooter = footerSize !== 0n;
  if (hasFooter && footerRule === 'forbidden') throw bad('an upload body must omit the footer (header footer size is 200)');
  if (!hasFooter && footerRule === 'required') throw bad('the footer is missing (header footer size is 0)');
  const footerStart = hasFooter ? size - SHARD_FOOTER_BYTES : size;
  if (footerStart < SHARD_HEADER_BYTES) throw bad(`${size} bytes cannot hold a header and a ${SHARD_FOOTER_BYTES}-byte footer`);

  let at = SHARD_HEADER_BYTES;
  const need = (entries: number, what: string): void => {
    if (entries * SHARD_ENTRY_BYTES > footerStart - at) {
      throw bad(`truncated: ${what} at byte ${at} needs ${entries * SHARD_ENTRY_BYTES} bytes, ${footerStart - at} remain before ${hasFooter ? 'the footer' : 'the end'}`);
    }
  };
  const hash = (o: number): Uint8Array => bytes.slice(o, o + 32);
  const u32 = (o: number): number => view.getUint32(o, true);

  const files: ShardFile[] = [];
  let withVerification: boolean | null = null;
  for (;;) {
    need(1, `file block ${files.length}`);
    if (isBookend(bytes, at)) {
      at += SHARD_ENTRY_BYTES;
      break;
    }
    const where = `file block ${files.length} at byte ${at}`;
    const flags = u32(at + 32);
    const count = u32(at + 36);
    const verified = (flags & FILE_FLAG_WITH_VERIFICATION) !== 0;
    const withSha = (flags & FILE_FLAG_WITH_METADATA_EXT) !== 0;
    if (count === 0) throw bad(`${where} has no terms`);
    if (withVerification !== null && verified !== withVerification) {
      throw bad(`${where} ${verified ? 'has' : 'lacks'} verification entries, unlike the file blocks before it`);
    }
    withVerification = verified;
    need(1 + count * (verified ? 2 : 1) + (withSha ? 1 : 0), `file block ${files.length}`);
    const fileHash = hash(at);
    at += SHARD_ENTRY_BYTES;
    const terms = [];
    for (let t = 0; t < count; t++, at += SHARD_ENTRY_BYTES) {
      const term = { xorbHash: hash(at), flags: u32(at + 32), unpackedBytes: u32(at + 36), chunkStart: u32(at + 40), chunkEnd: u32(at + 44) };
      if (term.chunkEnd <= term.chunkStart) throw bad(`${where}: term ${t} has the empty chunk range [${term.chunkStart}, ${term.chunkEnd})`);
      if (term.unpackedBytes === 0) throw bad(`${where}: term ${t} unpacks to 0 bytes`);
      terms.push(term);
    }
    let verification: Uint8Array[] | null = null;
    if (verified) {
      verification = [];
      for (let t = 0; t < count; t++, at += SHARD_ENTRY_BYTES) verification.push(hash(at));
    }
    let sha256: Uint8Array | null = null;
    if (withSha) {
      sha256 = hash(at);
      at += SHARD_ENTRY_BYTES;
    }
    files.push({ fileHash, terms, verification, sha256 });
  }

  const xorbInfoOffset = at;
  const xorbs: ShardXorb[] = [];
  for (;;) {
    need(1, `xorb block ${xorbs.length}`);
    if (isBookend(bytes, at)) {
      at += SHARD_ENTRY_BYTES;
      break;
    }
    const where = `xorb block ${xorbs.length} at byte ${at}`;
    const count = u32(at + 36);
    if (count === 0) throw bad(`${where} has no chunks`);
    need(1 + count, `xorb block ${xorbs.length}`);
    const xorb: ShardXorb = { xorbHash: hash(at), flags: u32(at + 32), chunks: [], unpackedBytes: u32(at + 40), storedBytes: u32(at + 44) };
    at += SHARD_ENTRY_BYTES;
    let total = 0;
    for (let c = 0; c < count; c++, at += SHARD_ENTRY_BYTES) {
      const chunk = { hash: hash(at), unpackedStart: u32(at + 32), unpackedBytes: u32(at + 36), flags: u32(at + 40) };
      if (chunk.unpackedStart !== total) throw bad(`${where}: chunk ${c} starts at ${chunk.unpackedStart}, the chunks before it end at ${total}`);
      if (chunk.unpackedBytes === 0) throw bad(`${where}: chunk ${c} is empty`);
      total += chunk.unpackedBytes;
      xorb.chunks.push(chunk);
    }
    if (total !== xorb.unpackedBytes) throw bad(`${where} says ${xorb.unpackedBytes} unpacked bytes, its chunks add up to ${total}`);
    xorbs.push(xorb);
  }

  if (!hasFooter) {
    if (at !== size) throw bad(`${size - at} bytes follow the xorb info section`);
    return { files, xorbs, footer: null };
  }
  return { files, xorbs, footer: readFooter(bytes, view, footerStart, at, xorbInfoOffset, files, xorbs) };
}

function readFooter(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  sectionsEnd: number,
  xorbInfoOffset: number,
  files: ShardFile[],
  xorbs: ShardXorb[],
): ParsedShardFooter {
  const u64 = (o: number): bigint => view.getBigUint64(start + o, true);
  const where = `footer at byte ${start}`;
  const version = u64(0);
  if (version !== BigInt(SHARD_FOOTER_VERSION)) throw bad(`${where}: unsupported footer version ${version} (expected ${SHARD_FOOTER_VERSION})`);
  const expect = (o: number, value: number | bigint, what: string): void => {
    if (u64(o) !== BigInt(value)) throw bad(`${where}: ${what} is ${u64(o)}, the shard says ${value}`);
  };
  expect(8, SHARD_HEADER_BYTES, 'file_info_offset');
  expect(16, xorbInfoOffset, 'cas_info_offset');
  expect(192, start, 'footer_offset');
  const lookupFields = [24, 32, 40, 48, 56, 64].map((o) => u64(o));
  if (lookupFields.every((v) => v === 0n)) {
    // No lookup tables (what @huggingface/hub writes): the footer follows the sections directly.
    if (sectionsEnd !== start) throw bad(`${where}: ${start - sectionsEnd} bytes lie between the xorb info section and the footer`);
  } else {
    const tables = shardLookupTables(files, xorbs);
    expect(24, sectionsEnd, 'file_lookup_offset');
    expect(32, tables.files.length, 'file_lookup_num_entry');
    const xorbLookup = sectionsEnd + 12 * tables.files.length;
    expect(40, xorbLookup, 'xorb_lookup_offset');
    expect(48, tables.xorbs.length, 'xorb_lookup_num_entry');
    const chunkLookup = xorbLookup + 12 * tables.xorbs.length;
    expect(56, chunkLookup, 'chunk_lookup_offset');
    expect(64, tables.chunks.length, 'chunk_lookup_num_entry');
    if (chunkLookup + 16 * tables.chunks.length !== start) {
      throw bad(`${where}: the lookup tables end at byte ${chunkLookup + 16 * tables.chunks.length}, not where the footer starts`);
    }
    checkTable(view, sectionsEnd, tables.files, 'file');
    checkTable(view, xorbLookup, tables.xorbs, 'xorb');
    checkChunkTable(view, chunkLookup, tables.chunks);
  }
  return {
    hmacKey: bytes.slice(start + 72, start + 104),
    createdAt: u64(104),
    keyExpiry: u64(112),
    lookupTables: !lookupFields.every((v) => v === 0n),
    storedBytesOnDisk: u64(168),
    materializedBytes: u64(176),
    storedBytes: u64(184),
  };
}

/** The file and xorb tables must be exactly what the sections give (their order is the sections'). */
function checkTable(view: DataView, at: number, want: [bigint, number][], what: string): void {
  want.forEach(([key, index], n) => {
    const o = at + 12 * n;
    if (view.getBigUint64(o, true) !== key || view.getUint32(o + 8, true) !== index) {
      throw bad(`${what} lookup entry ${n} at byte ${o} does not match the ${what} info section`);
    }
  });
}

/** The chunk table must be sorted by key and hold the same (key, xorb entry, chunk) triples as the sections. */
function checkChunkTable(view: DataView, at: number, want: [bigint, number, number][]): void {
  const seen = new Set(want.map(([k, i, j]) => `${k}:${i}:${j}`));
  let previous = -1n;
  want.forEach((_, n) => {
    const o = at + 16 * n;
    const key = view.getBigUint64(o, true);
    const id = `${key}:${view.getUint32(o + 8, true)}:${view.getUint32(o + 12, true)}`;
    if (key < previous) throw bad(`chunk lookup entry ${n} at byte ${o} is out of order`);
    if (!seen.delete(id)) throw bad(`chunk lookup entry ${n} at byte ${o} does not match the xorb info section`);
    previous = key;
  });
}
