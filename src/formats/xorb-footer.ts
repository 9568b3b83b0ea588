/**
 * The Xet xorb footer (`XorbObjectInfo` v1 followed by its u32 length; docs/formats.md §3.3,
 * xet-core xorb_object_format.rs). All integers little-endian, hashes 32 raw bytes:
 *
 *   "XETBLOB" u8 version=1  xorb_hash
 *   "XBLBHSH" u8 0  u32 n  chunk_hash × n
 *   "XBLBBND" u8 1  u32 n  u32 chunk_boundary_offsets × n  u32 unpacked_chunk_offsets × n
 *   u32 n  u32 hashes_section_offset_from_end  u32 boundary_section_offset_from_end
 *   16-byte buffer (u8[4] uniqueness nonce, 12 reserved zero bytes)
 *   u32 info_length (bytes of everything above, from "XETBLOB"; not counting itself)
 *
 * Boundary offsets are the end of each record (header included) from the start of the xorb;
 * unpacked offsets the running total of uncompressed chunk lengths. The "offset from end"
 * fields count from the end of the info (the 16-byte buffer's end) back to each section's ident.
 * So the footer of n chunks is 96 + 40n bytes with its length word.
 */
import { FormatError } from '../errors.js';

/** The footer ident, also what a reader walking records meets instead of a chunk header. */
export const XORB_FOOTER_IDENT = Uint8Array.from([0x58, 0x45, 0x54, 0x42, 0x4c, 0x4f, 0x42]); // XETBLOB
const HASHES_IDENT = Uint8Array.from([0x58, 0x42, 0x4c, 0x42, 0x48, 0x53, 0x48]); // XBLBHSH
const BOUNDARIES_IDENT = Uint8Array.from([0x58, 0x42, 0x4c, 0x42, 0x42, 0x4e, 0x44]); // XBLBBND
const FOOTER_VERSION = 1;
const HASHES_VERSION = 0;
const BOUNDARIES_VERSION = 1;
const BUFFER_BYTES = 16;
/** Bytes of the nonce at the start of the trailing buffer. */
export const XORB_NONCE_BYTES = 4;
const TAIL_BYTES = 12 + BUFFER_BYTES; // n, two offsets, buffer
const HASH_BYTES = 32;

/** The decoded footer of a xorb. */
export interface XorbFooter {
  xorbHash: Uint8Array;
  chunkHashes: Uint8Array[];
  /** End of record k (header included), from the start of the xorb. */
  boundaryOffsets: number[];
  /** Sum of the uncompressed lengths of records 0..k. */
  unpackedOffsets: number[];
  /** The per-upload uniqueness nonce (4 bytes; zeros when unused). Not part of the xorb hash. */
  nonce: Uint8Array;
}

function bad(message: string): FormatError {
  return new FormatError(message, {}, 'bad_xorb');
}

/** Bytes of the serialized footer of `chunks` chunks, its final length word included. */
export function xorbFooterBytes(chunks: number): number {
  return 7 + 1 + HASH_BYTES + (7 + 1 + 4 + HASH_BYTES * chunks) + (7 + 1 + 4 + 8 * chunks) + TAIL_BYTES + 4;
}

function identAt(buf: Uint8Array, at: number, ident: Uint8Array): boolean {
  for (let i = 0; i < ident.length; i++) if (buf[at + i] !== ident[i]) return false;
  return true;
}

/** Whether `buf[at]` starts the footer ident (what a record walk meets after the last record). */
export function startsXorbFooter(buf: Uint8Array, at: number): boolean {
  return buf.length - at >= XORB_FOOTER_IDENT.length && identAt(buf, at, XORB_FOOTER_IDENT);
}

/** Serializes `footer` with its trailing length word. */
export function encodeXorbFooter(footer: XorbFooter): Uint8Array {
  const n = footer.chunkHashes.length;
  if (footer.boundaryOffsets.length !== n || footer.unpackedOffsets.length !== n) {
    throw new RangeError(`xorb footer of ${n} hashes needs ${n} boundary and unpacked offsets`);
  }
  if (footer.xorbHash.length !== HASH_BYTES || footer.chunkHashes.some((h) => h.length !== HASH_BYTES)) {
    throw new RangeError('xorb footer hashes must be 32 bytes');
  }
  if (footer.nonce.length !== XORB_NONCE_BYTES) throw new RangeError(`xorb nonce must be ${XORB_NONCE_BYTES} bytes`);
  const out = new Uint8Array(xorbFooterBytes(n));
  const view = new DataView(out.buffer);
  let at = 0;
  const ident = (id: Uint8Array, version: number): void => {
    out.set(id, at);
    out[at + 7] = version;
    at += 8;
  };
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  ident(XORB_FOOTER_IDENT, FOOTER_VERSION);
  out.set(footer.xorbHash, at);
  at += HASH_BYTES;
  const hashesStart = at;
  ident(HASHES_IDENT, HASHES_VERSION);
  u32(n);
  for (const h of footer.chunkHashes) {
    out.set(h, at);
    at += HASH_BYTES;
  }
  const boundariesStart = at;
  ident(BOUNDARIES_IDENT, BOUNDARIES_VERSION);
  u32(n);
  for (const o of footer.boundaryOffsets) u32(o);
  for (const o of footer.unpackedOffsets) u32(o);
  const infoEnd = at + TAIL_BYTES;
  u32(n);
  u32(infoEnd - hashesStart);
  u32(infoEnd - boundariesStart);
  out.set(footer.nonce, at);
  at += BUFFER_BYTES;
  u32(infoEnd);
  return out;
}

/**
 * Reads the footer at the end of `xorb` and returns it with `start`, the offset of its ident
 * (where the records end). Checks the footer's own consistency only: its length word, idents,
 * versions, the three chunk counts, the section offsets, and that boundary and unpacked offsets
 * increase. Whether they match the records is xet-xorb.ts's business. `base`: where `xorb[0]`
 * lies in the xorb, when `xorb` holds only its tail (a reader streaming the records); offsets in
 * messages, `start` and the boundary check are then the xorb's own.
 */
export function parseXorbFooter(xorb: Uint8Array, base = 0): { footer: XorbFooter; start: number } {
  const size = xorb.length;
  if (size < 4) throw bad(`xorb footer: ${size} bytes cannot hold its length word`);
  const view = new DataView(xorb.buffer, xorb.byteOffset, size);
  const infoLength = view.getUint32(size - 4, true);
  if (infoLength + 4 > size) throw bad(`xorb footer: info length ${infoLength} runs past the start of the ${size}-byte xorb`);
  const start = size - 4 - infoLength;
  const infoEnd = size - 4;
  if (infoLength < xorbFooterBytes(0) - 4) throw bad(`xorb footer: info length ${infoLength} is shorter than an empty footer`);
  if (!identAt(xorb, start, XORB_FOOTER_IDENT)) throw bad(`xorb footer at byte ${base + start}: no XETBLOB ident`);
  if (xorb[start + 7] !== FOOTER_VERSION) {
    throw bad(`xorb footer at byte ${base + start}: unsupported footer version ${xorb[start + 7]} (expected ${FOOTER_VERSION})`);
  }
  const n = view.getUint32(infoEnd - TAIL_BYTES, true);
  if (xorbFooterBytes(n) !== infoLength + 4) {
    throw bad(`xorb footer at byte ${base + start}: info length ${infoLength} does not fit ${n} chunks (expected ${xorbFooterBytes(n) - 4})`);
  }
  const hashesStart = start + 8 + HASH_BYTES;
  const boundariesStart = hashesStart + 12 + HASH_BYTES * n;
  if (!identAt(xorb, hashesStart, HASHES_IDENT) || xorb[hashesStart + 7] !== HASHES_VERSION) {
    throw bad(`xorb footer at byte ${base + start}: bad hash section header`);
  }
  if (!identAt(xorb, boundariesStart, BOUNDARIES_IDENT) || xorb[boundariesStart + 7] !== BOUNDARIES_VERSION) {
    throw bad(`xorb footer at byte ${base + start}: bad boundary section header`);
  }
  const n2 = view.getUint32(hashesStart + 8, true);
  const n3 = view.getUint32(boundariesStart + 8, true);
  if (n2 !== n || n3 !== n) throw bad(`xorb footer at byte ${base + start}: chunk counts disagree (${n}, ${n2}, ${n3})`);
  const hashesFromEnd = view.getUint32(infoEnd - TAIL_BYTES + 4, true);
  const boundariesFromEnd = view.getUint32(infoEnd - TAIL_BYTES + 8, true);
  if (hashesFromEnd !== infoEnd - hashesStart || boundariesFromEnd !== infoEnd - boundariesStart) {
    throw bad(`xorb footer at byte ${base + start}: section offsets ${hashesFromEnd}/${boundariesFromEnd} do not match its layout`);
  }
  const chunkHashes: Uint8Array[] = [];
  for (let k = 0; k < n; k++) chunkHashes.push(xorb.slice(hashesStart + 12 + k * HASH_BYTES, hashesStart + 12 + (k + 1) * HASH_BYTES));
  const boundaryOffsets: number[] = [];
  const unpackedOffsets: number[] = [];
  for (let k = 0; k < n; k++) {
    boundaryOffsets.push(view.getUint32(boundariesStart + 12 + 4 * k, true));
    unpackedOffsets.push(view.getUint32(boundariesStart + 12 + 4 * (n + k), true));
  }
  for (let k = 0; k < n; k++) {
    if (boundaryOffsets[k] <= (k > 0 ? boundaryOffsets[k - 1] : 0) || unpackedOffsets[k] <= (k > 0 ? unpackedOffsets[k - 1] : 0)) {
      throw bad(`xorb footer at byte ${base + start}: chunk ${k} offsets do not increase`);
    }
  }
  if (n > 0 && boundaryOffsets[n - 1] > base + start) {
    throw bad(`xorb footer at byte ${base + start}: boundary offset ${boundaryOffsets[n - 1]} lies past the end of the records`);
  }
  return {
    footer: {
      xorbHash: xorb.slice(start + 8, start + 8 + HASH_BYTES),
      chunkHashes,
      boundaryOffsets,
      unpackedOffsets,
      nonce: xorb.slice(infoEnd - BUFFER_BYTES, infoEnd - BUFFER_BYTES + XORB_NONCE_BYTES),
    },
    start: base + start,
  };
}
