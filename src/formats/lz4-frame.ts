/**
 * Bounded decoding of one LZ4 frame (the LZ4 Frame Format, v1.6.x; blocks in the LZ4 Block
 * Format), the payload of Xet chunk records of scheme 1 and 2 (docs/formats.md §3.2).
 *
 * Xet compresses with LZ4 *frames*, not raw blocks: xet-core writes with lz4_flex's
 * FrameEncoder and reads with its FrameDecoder, and the JS client (@huggingface/hub) with
 * lz4js's compress/decompress, which check the frame magic.
 *
 * The decoder is ours rather than a library's because the untrusted input needs a hard bound
 * that no LZ4 library here offers: the record header declares the uncompressed length, so the
 * output is one buffer of exactly that size, every literal run and match is checked against it
 * before a byte is written (an LZ4 bomb fails at the first sequence that would overflow, after
 * at most `expected` bytes of work), and a frame that ends short, carries trailing bytes, points
 * a match before the start of the output or fails a checksum is refused. Every refusal is one
 * FormatError naming what was wrong, prefixed with `where`.
 */
import { FormatError } from '../errors.js';
import { xxh32 } from './xxh32.js';

/** The LZ4 frame magic number (little-endian on the wire: 04 22 4D 18). */
export const LZ4_FRAME_MAGIC = 0x184d2204;
const MIN_MATCH = 4;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

function fail(where: string, what: string): FormatError {
  return new FormatError(`${where}: ${what}`, {}, 'bad_xorb');
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/**
 * Decodes one LZ4 block `src[start, end)` into `out` from `outAt`; returns the new output
 * position. Matches may reach back into earlier output (linked blocks) but never before 0.
 */
function decodeBlock(src: Uint8Array, start: number, end: number, out: Uint8Array, outAt: number, where: string): number {
  let s = start;
  let d = outAt;
  const cap = out.length;
  while (s < end) {
    const token = src[s++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= end) throw fail(where, 'LZ4 block ends inside a literal length');
        b = src[s++];
        literals += b;
      } while (b === 255);
    }
    if (literals > end - s) throw fail(where, `LZ4 block ends inside a run of ${literals} literals`);
    if (literals > cap - d) throw fail(where, `LZ4 data expands past the declared uncompressed length ${cap}`);
    if (literals > 32) {
      out.set(src.subarray(s, s + literals), d);
      s += literals;
      d += literals;
    } else {
      for (const stop = s + literals; s < stop; ) out[d++] = src[s++];
    }
    if (s === end) break; // the last sequence of a block holds literals only
    if (end - s < 2) throw fail(where, 'LZ4 block ends inside a match offset');
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw fail(where, `LZ4 match offset ${offset} points before the start of the output`);
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s >= end) throw fail(where, 'LZ4 block ends inside a match length');
        b = src[s++];
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (length > cap - d) throw fail(where, `LZ4 data expands past the declared uncompressed length ${cap}`);
    let from = d - offset;
    if (offset >= length && length > 32) {
      out.copyWithin(d, from, from + length);
      d += length;
    } else {
      for (const stop = d + length; d < stop; ) out[d++] = out[from++];
    }
  }
  return d;
}

/**
 * Decodes the single LZ4 frame `src` (all of it) into a new buffer of exactly `expected` bytes.
 * Throws FormatError `bad_xorb` (message prefixed with `where`) on anything else.
 */
export function decodeLz4Frame(src: Uint8Array, expected: number, where: string): Uint8Array {
  if (src.length < 7) throw fail(where, `LZ4 frame of ${src.length} bytes is shorter than a frame header`);
  const magic = u32le(src, 0);
  if (magic !== LZ4_FRAME_MAGIC) {
    throw fail(where, `not an LZ4 frame (magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x184d2204)`);
  }
  const flg = src[4];
  const bd = src[5];
  if (flg >>> 6 !== 1) throw fail(where, `unsupported LZ4 frame version ${flg >>> 6}`);
  if (flg & 0x02 || bd & 0x8f) throw fail(where, 'LZ4 frame descriptor has reserved bits set');
  if (flg & 0x01) throw fail(where, 'LZ4 frame needs a dictionary, which Xet does not use');
  const blockChecksums = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blockMax = BLOCK_MAX_SIZES[(bd >>> 4) & 7];
  if (blockMax === undefined) throw fail(where, `LZ4 frame has an invalid block size code ${(bd >>> 4) & 7}`);
  let at = 6;
  if (hasContentSize) {
    if (src.length < at + 9) throw fail(where, 'LZ4 frame ends inside its header');
    const low = u32le(src, at);
    const high = u32le(src, at + 4);
    if (high !== 0 || low !== expected) {
      throw fail(where, `LZ4 frame declares ${high * 2 ** 32 + low} content bytes, the record ${expected}`);
    }
    at += 8;
  }
  const checksum = (xxh32(src, 0, 4, at) >>> 8) & 0xff;
  if (src[at] !== checksum) throw fail(where, 'LZ4 frame header checksum mismatch');
  at += 1;

  const out = new Uint8Array(expected);
  let d = 0;
  for (;;) {
    if (src.length - at < 4) throw fail(where, 'LZ4 frame ends without its end mark');
    const word = u32le(src, at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const stored = word !== size;
    if (size > blockMax) throw fail(where, `LZ4 block of ${size} bytes exceeds the frame's ${blockMax}-byte block size`);
    if (size > src.length - at) throw fail(where, `LZ4 block of ${size} bytes runs past the end of the record`);
    if (stored) {
      if (size > expected - d) throw fail(where, `LZ4 data expands past the declared uncompressed length ${expected}`);
      out.set(src.subarray(at, at + size), d);
      d += size;
    } else {
      d = decodeBlock(src, at, at + size, out, d, where);
    }
    if (blockChecksums) {
      if (src.length - at - size < 4) throw fail(where, 'LZ4 frame ends inside a block checksum');
      if (u32le(src, at + size) !== xxh32(src, 0, at, at + size)) throw fail(where, 'LZ4 block checksum mismatch');
      at += 4;
    }
    at += size;
  }
  if (contentChecksum) {
    if (src.length - at < 4) throw fail(where, 'LZ4 frame ends inside its content checksum');
    if (u32le(src, at) !== xxh32(out, 0, 0, d)) throw fail(where, 'LZ4 content checksum mismatch');
    at += 4;
  }
  if (d !== expected) throw fail(where, `LZ4 data decodes to ${d} bytes, the record declares ${expected}`);
  if (at !== src.length) throw fail(where, `${src.length - at} bytes follow the LZ4 frame inside the record`);
  return out;
}
