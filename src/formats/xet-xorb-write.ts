/**
 * A whole Xet xorb written in memory (docs/formats.md §3.2-3.4): compressed records and, by
 * default, the footer. Uploads stream theirs (transfer/xet-xorb-encode.ts); this form serves
 * tests and fixtures. Apart from xet-xorb.ts so that readers of xorbs never load lz4js
 * (formats/chunk-compress.ts).
 */
import { FormatError } from '../errors.js';
import type { XetHashers } from '../hash/hashers.js';
import { xorbHash } from '../hash/merkle.js';
import { compressChunk, lz4jsFrame, type ChunkSchemeChoice, type Lz4FrameCompressor } from './chunk-compress.js';
import { encodeXorbFooter, XORB_NONCE_BYTES } from './xorb-footer.js';
import { CHUNK_HEADER_BYTES, CHUNK_RECORD_VERSION, MAX_CHUNK_BYTES, XORB_MAX_BYTES, XORB_MAX_CHUNKS } from './xorb.js';

function bad(message: string): FormatError {
  return new FormatError(message, {}, 'bad_xorb');
}

/** How encodeXetXorb writes. */
export interface XetXorbEncodeOptions {
  /** Which compression to try per chunk (default `best`). */
  scheme?: ChunkSchemeChoice;
  /** Append the footer (default true). */
  footer?: boolean;
  /** The footer's uniqueness nonce (default four zero bytes). */
  nonce?: Uint8Array;
  /** LZ4 frame encoder (default lz4js). */
  compressFrame?: Lz4FrameCompressor;
}

/**
 * Serializes `chunks` as a Xet xorb: compressed records and, by default, the footer carrying the
 * chunk hashes and xorb hash computed with `hashers`. Returns the bytes and the xorb hash.
 */
export function encodeXetXorb(
  chunks: readonly Uint8Array[],
  hashers: XetHashers,
  options: XetXorbEncodeOptions = {},
): { bytes: Uint8Array; xorbHash: Uint8Array; chunkHashes: Uint8Array[] } {
  if (chunks.length === 0) throw bad('cannot encode an empty xorb');
  if (chunks.length > XORB_MAX_CHUNKS) throw bad(`cannot encode ${chunks.length} chunks; a xorb holds at most ${XORB_MAX_CHUNKS}`);
  let unpacked = 0;
  chunks.forEach((c, i) => {
    if (c.length === 0 || c.length > MAX_CHUNK_BYTES) throw bad(`cannot encode chunk ${i} of ${c.length} bytes (1 to ${MAX_CHUNK_BYTES} allowed)`);
    unpacked += c.length;
  });
  if (unpacked > XORB_MAX_BYTES) throw bad(`cannot encode ${unpacked} bytes of chunks; a xorb holds at most ${XORB_MAX_BYTES}`);
  const compress = options.compressFrame ?? lz4jsFrame;
  const bodies = chunks.map((c) => compressChunk(c, options.scheme ?? 'best', compress));
  const chunkHashes = chunks.map((c) => hashers.chunk.hash(c));
  const hash = xorbHash(chunkHashes.map((h, i) => ({ hash: h, size: chunks[i].length })), hashers);
  const boundaryOffsets: number[] = [];
  const unpackedOffsets: number[] = [];
  let at = 0;
  let total = 0;
  bodies.forEach((b, i) => {
    at += CHUNK_HEADER_BYTES + b.bytes.length;
    total += chunks[i].length;
    boundaryOffsets.push(at);
    unpackedOffsets.push(total);
  });
  const nonce = options.nonce ?? new Uint8Array(XORB_NONCE_BYTES);
  const tail = options.footer === false ? new Uint8Array(0) : encodeXorbFooter({ xorbHash: hash, chunkHashes, boundaryOffsets, unpackedOffsets, nonce });
  const out = new Uint8Array(at + tail.length);
  let w = 0;
  bodies.forEach((b, i) => {
    const n = b.bytes.length;
    const len = chunks[i].length;
    out.set([CHUNK_RECORD_VERSION, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, b.scheme, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff], w);
    out.set(b.bytes, w + CHUNK_HEADER_BYTES);
    w += CHUNK_HEADER_BYTES + n;
  });
  out.set(tail, w);
  return { bytes: out, xorbHash: hash, chunkHashes };
}
