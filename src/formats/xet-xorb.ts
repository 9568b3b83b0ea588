/**
 * Xorbs as the Xet protocol writes them (docs/formats.md §3.2-3.4): chunk records of any
 * compression scheme, optionally followed by the footer (xorb-footer.ts). The store's own reader
 * (xorb.ts) still accepts uncompressed records only; this module is what a Xet upload or a Xet
 * CAS download goes through.
 *
 * Reading is in two steps so that a server can refuse garbage cheaply: parseXetXorb walks the
 * headers and checks every length and the footer's offsets against them (no decompression);
 * decodeXetXorb then decompresses every record (each bounded by its declared length) and
 * verifyXetXorb compares chunk hashes and the xorb hash with what the footer (or the caller)
 * claims. Writing a whole xorb in memory is xet-xorb-write.ts (it loads the LZ4 encoder).
 */
import { FormatError, IntegrityError } from '../errors.js';
import type { XetHashers } from '../hash/hashers.js';
import { xorbHash } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import { CHUNK_SCHEME_NAMES, decompressChunk, isChunkScheme } from './chunk-compression.js';
import { parseXorbFooter, startsXorbFooter, type XorbFooter } from './xorb-footer.js';
import { CHUNK_HEADER_BYTES, CHUNK_RECORD_VERSION, MAX_CHUNK_BYTES, XORB_MAX_CHUNKS, XORB_READ_MAX_BYTES } from './xorb.js';

/** Largest stored length of a compressed record (xet-core accepts twice the largest chunk). */
export const MAX_COMPRESSED_CHUNK_BYTES = 2 * MAX_CHUNK_BYTES;

/** One record of a Xet xorb. `storedLength` bytes at `dataOffset` decode to `length` bytes. */
export interface XetChunkRecord {
  index: number;
  offset: number;
  dataOffset: number;
  scheme: number;
  storedLength: number;
  length: number;
}

/** A parsed xorb: its records, and its footer when it has one. */
export interface ParsedXetXorb {
  records: XetChunkRecord[];
  /** Where the records end (the footer's start, or the end of the xorb). */
  recordsEnd: number;
  footer: XorbFooter | null;
}

function bad(message: string): FormatError {
  return new FormatError(message, {}, 'bad_xorb');
}

function u24(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16);
}

/** Decodes and validates the record header at `buf[at]` for any Xet scheme. */
export function decodeXetChunkHeader(buf: Uint8Array, at: number, where = `chunk header at byte ${at}`): {
  scheme: number;
  storedLength: number;
  length: number;
} {
  if (buf.length - at < CHUNK_HEADER_BYTES) {
    throw bad(`truncated ${where}: a header needs ${CHUNK_HEADER_BYTES} bytes, ${Math.max(0, buf.length - at)} available`);
  }
  const version = buf[at];
  const storedLength = u24(buf, at + 1);
  const scheme = buf[at + 4];
  const length = u24(buf, at + 5);
  if (version !== CHUNK_RECORD_VERSION) throw bad(`${where}: unsupported record version ${version} (expected ${CHUNK_RECORD_VERSION})`);
  if (!isChunkScheme(scheme)) throw bad(`${where}: unknown compression scheme ${scheme}`);
  if (length === 0) throw bad(`${where}: empty chunk (length 0)`);
  if (length > MAX_CHUNK_BYTES) throw bad(`${where}: chunk length ${length} exceeds the ${MAX_CHUNK_BYTES}-byte limit`);
  if (scheme === 0 && storedLength !== length) {
    throw bad(`${where}: uncompressed record has compressed length ${storedLength} but uncompressed length ${length}`);
  }
  if (storedLength === 0) throw bad(`${where}: ${CHUNK_SCHEME_NAMES[scheme]} record stores 0 bytes`);
  if (storedLength > MAX_COMPRESSED_CHUNK_BYTES) {
    throw bad(`${where}: compressed length ${storedLength} exceeds the ${MAX_COMPRESSED_CHUNK_BYTES}-byte limit`);
  }
  return { scheme, storedLength, length };
}

/**
 * Walks the records of `xorb` and reads its footer if one follows them (a record walk that meets
 * "XETBLOB" where a header should be). With a footer, its chunk count, boundary offsets and
 * unpacked offsets must equal what the records say. Nothing is decompressed.
 */
export function parseXetXorb(xorb: Uint8Array): ParsedXetXorb {
  if (xorb.length === 0) throw bad('empty xorb: no chunk records');
  const records: XetChunkRecord[] = [];
  let at = 0;
  let unpacked = 0;
  while (at < xorb.length && !startsXorbFooter(xorb, at)) {
    const index = records.length;
    const where = `chunk record ${index} at byte ${at}`;
    if (index >= XORB_MAX_CHUNKS) throw bad(`${where}: a xorb holds at most ${XORB_MAX_CHUNKS} chunk records`);
    const { scheme, storedLength, length } = decodeXetChunkHeader(xorb, at, where);
    const remaining = xorb.length - at - CHUNK_HEADER_BYTES;
    if (storedLength > remaining) throw bad(`truncated ${where}: header says ${storedLength} bytes, ${remaining} remain`);
    unpacked += length;
    if (unpacked > XORB_READ_MAX_BYTES) throw bad(`${where}: chunk data exceeds the ${XORB_READ_MAX_BYTES}-byte xorb limit`);
    records.push({ index, offset: at, dataOffset: at + CHUNK_HEADER_BYTES, scheme, storedLength, length });
    at += CHUNK_HEADER_BYTES + storedLength;
  }
  if (records.length === 0) throw bad('xorb has a footer but no chunk records');
  if (at === xorb.length) return { records, recordsEnd: at, footer: null };
  const { footer, start } = parseXorbFooter(xorb);
  if (start !== at) throw bad(`xorb footer starts at byte ${start} but the records end at byte ${at}`);
  if (footer.chunkHashes.length !== records.length) {
    throw bad(`xorb footer lists ${footer.chunkHashes.length} chunks, the xorb holds ${records.length}`);
  }
  let total = 0;
  for (const r of records) {
    total += r.length;
    const end = r.dataOffset + r.storedLength;
    if (footer.boundaryOffsets[r.index] !== end) {
      throw bad(`xorb footer: chunk ${r.index} ends at byte ${footer.boundaryOffsets[r.index]}, its record at byte ${end}`);
    }
    if (footer.unpackedOffsets[r.index] !== total) {
      throw bad(`xorb footer: chunk ${r.index} unpacks to offset ${footer.unpackedOffsets[r.index]}, its record to ${total}`);
    }
  }
  return { records, recordsEnd: at, footer };
}

/** Decompresses every record of a parsed xorb (each bounded by its declared length). */
export function decodeXetXorb(xorb: Uint8Array, parsed: ParsedXetXorb): Uint8Array[] {
  return parsed.records.map((r) =>
    decompressChunk(r.scheme, xorb.subarray(r.dataOffset, r.dataOffset + r.storedLength), r.length, `chunk record ${r.index} at byte ${r.offset}`),
  );
}

/**
 * Hashes decoded `chunks` and checks them against the footer's chunk hashes and xorb hash, and
 * against `expectedXorbHash` (the name the xorb was uploaded under) when given. Returns the
 * chunk hashes and the xorb hash computed.
 */
export function verifyXetXorb(
  chunks: readonly Uint8Array[],
  footer: XorbFooter | null,
  hashers: XetHashers,
  expectedXorbHash?: Uint8Array,
): { chunkHashes: Uint8Array[]; xorbHash: Uint8Array } {
  const chunkHashes = chunks.map((c) => hashers.chunk.hash(c));
  const computed = xorbHash(chunkHashes.map((hash, i) => ({ hash, size: chunks[i].length })), hashers);
  if (footer) {
    chunkHashes.forEach((h, i) => {
      if (!equal(h, footer.chunkHashes[i])) {
        throw new IntegrityError(`xorb footer: chunk ${i} hash ${xetHex(footer.chunkHashes[i])} does not match its data (${xetHex(h)})`, {}, 'xorb_mismatch');
      }
    });
    if (!equal(computed, footer.xorbHash)) {
      throw new IntegrityError(`xorb footer: xorb hash ${xetHex(footer.xorbHash)} does not match its chunks (${xetHex(computed)})`, {}, 'xorb_mismatch');
    }
  }
  if (expectedXorbHash && !equal(computed, expectedXorbHash)) {
    throw new IntegrityError(`xorb ${xetHex(expectedXorbHash)}: its chunks hash to ${xetHex(computed)}`, {}, 'xorb_mismatch');
  }
  return { chunkHashes, xorbHash: computed };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
