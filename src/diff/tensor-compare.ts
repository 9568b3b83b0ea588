/**
 * Compares the bytes of one tensor in two versions, reading as little as it can: equal
 * fingerprints of the whole range (or, without stats, of a piece) mean equal bytes and nothing
 * is read; otherwise both ranges are read in pieces of at most {@link PIECE_BYTES}, so memory
 * does not grow with the tensor. Pieces hold whole elements, so the same byte comparison counts
 * the elements that differ (an element differs when any of its bytes does). With stats the same
 * pass decodes the pieces and accumulates {@link TensorStats}.
 */
import { Buffer } from 'node:buffer';
import { decodeFloats, FLOAT_BYTES, isFloatDtype, type FloatDtype } from '../formats/float-decode.js';
import { SAFETENSORS_DTYPE_BYTES } from '../formats/safetensors.js';
import type { TensorStats } from './tensor-diff-types.js';
import { readRange, type ListedTensor } from './tensor-listing.js';
import { StatsAccumulator } from './tensor-stats.js';

/**
 * Largest single read of tensor data. Each piece is read on both sides, copied out of its chunks
 * and, with stats, decoded to floats: 8 MiB pieces made `hub diff --stats` of two 2 GiB
 * checkpoints peak at 300 MiB; 2 MiB ones are as fast.
 */
export const PIECE_BYTES = 2 * 1024 * 1024;

/**
 * Piece size when pieces are settled by fingerprints (no stats): small, so that an unchanged
 * tensor whose first chunks differ in layout from the other version (content-defined chunk
 * boundaries resynchronise a chunk or two after a changed neighbour) costs one small read.
 */
export const FINGERPRINT_PIECE_BYTES = 1024 * 1024;

/**
 * What comparing one tensor found: `bytesChanged` only for the same dtype and shape;
 * `elementsChanged` (and the tensor's `elements`) also only when the dtype has a fixed element
 * width (not a block-quantised GGML type) and both ranges hold exactly shape x width bytes.
 */
export interface TensorComparison {
  bytesChanged?: number;
  elements?: number;
  elementsChanged?: number;
  stats?: TensorStats;
}

/** Bytes compared with one memcmp before looking at single elements; a multiple of every element width. */
const COMPARE_BLOCK = 4096;

function sameShape(x: number[], y: number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** Bytes per element of `dtype` when every element has the same width (safetensors and GGUF's plain types). */
function elementWidth(dtype: string): number | undefined {
  return Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype) ? SAFETENSORS_DTYPE_BYTES[dtype] : undefined;
}

/**
 * Byte positions in [0, max(len)) where x and y differ (a missing byte differs), and elements of
 * `width` bytes with at least one differing byte (x and y start at an element boundary). Blocks
 * that memcmp finds equal, usually most of a fine-tune's tensor, are never looked at byte by byte.
 */
export function countDifferences(x: Uint8Array, y: Uint8Array, width: number): { bytes: number; elements: number } {
  const n = Math.min(x.length, y.length);
  const tail = Math.max(x.length, y.length) - n;
  let bytes = tail;
  let elements = Math.ceil(tail / width);
  const bx = Buffer.from(x.buffer, x.byteOffset, n);
  const by = Buffer.from(y.buffer, y.byteOffset, n);
  const block = COMPARE_BLOCK - (COMPARE_BLOCK % width);
  for (let at = 0; at < n; at += block) {
    const end = Math.min(n, at + block);
    if (bx.compare(by, at, end, at, end) === 0) continue;
    for (let i = at; i < end; i += width) {
      let differs = 0;
      const stop = Math.min(end, i + width);
      for (let k = i; k < stop; k++) if (x[k] !== y[k]) differs++;
      if (differs > 0) {
        bytes += differs;
        elements++;
      }
    }
  }
  return { bytes, elements };
}

/** Equal fingerprints of [aStart, aEnd) in A and [bStart, bEnd) in B: true means equal bytes. */
async function sameFingerprint(a: ListedTensor, aStart: number, aEnd: number, b: ListedTensor, bStart: number, bEnd: number): Promise<boolean> {
  if (!a.source.fingerprint || !b.source.fingerprint || aEnd - aStart !== bEnd - bStart) return false;
  // first from chunk hashes alone; when those differ, with the edge chunks' bytes
  for (const exact of [false, true]) {
    const [fa, fb] = await Promise.all([a.source.fingerprint(aStart, aEnd, exact), b.source.fingerprint(bStart, bEnd, exact)]);
    if (fa !== undefined && fa === fb) return true;
  }
  return false;
}

/** Compares tensor `a` (in A) with `b` (in B), both present; `wantStats` asks for TensorStats. */
export async function compareTensor(a: ListedTensor, b: ListedTensor, wantStats: boolean): Promise<TensorComparison> {
  const shapeSame = sameShape(a.shape, b.shape);
  const layoutSame = shapeSame && a.dtype === b.dtype;
  const elements = a.shape.reduce((acc, d) => acc * d, 1);
  const floats = wantStats && shapeSame && isFloatDtype(a.dtype) && isFloatDtype(b.dtype)
    && a.end - a.begin === elements * FLOAT_BYTES[a.dtype] && b.end - b.begin === elements * FLOAT_BYTES[b.dtype];
  const width = layoutSame ? elementWidth(a.dtype) : undefined;
  const counted = width !== undefined && a.end - a.begin === elements * width && b.end - b.begin === elements * width;
  const unchanged: TensorComparison = counted ? { bytesChanged: 0, elements, elementsChanged: 0 } : { bytesChanged: 0 };
  if (layoutSame && (await sameFingerprint(a, a.begin, a.end, b, b.begin, b.end))) return unchanged;
  if (!layoutSame && !floats) return {};
  // Piece sizes in each file: a whole number of elements of both dtypes (when decoding or counting elements).
  const widthA = floats ? FLOAT_BYTES[a.dtype as FloatDtype] : counted ? width : 1;
  const widthB = floats ? FLOAT_BYTES[b.dtype as FloatDtype] : counted ? width : 1;
  const fingerprinted = !floats && !!a.source.fingerprint && !!b.source.fingerprint;
  const perPiece = Math.floor((fingerprinted ? FINGERPRINT_PIECE_BYTES : PIECE_BYTES) / Math.max(widthA, widthB));
  const stepA = perPiece * widthA;
  const stepB = perPiece * widthB;
  const lengthA = a.end - a.begin;
  const lengthB = b.end - b.begin;
  const pieces = Math.max(Math.ceil(lengthA / stepA), Math.ceil(lengthB / stepB));
  const acc = floats ? new StatsAccumulator() : undefined;
  const scratchA = floats ? floatScratch(a.dtype as FloatDtype, Math.min(perPiece, elements)) : undefined;
  const scratchB = floats ? floatScratch(b.dtype as FloatDtype, Math.min(perPiece, elements)) : undefined;
  let bytesChanged = 0;
  let elementsChanged = 0;
  for (let i = 0; i < pieces; i++) {
    const aStart = a.begin + Math.min(lengthA, i * stepA);
    const aEnd = a.begin + Math.min(lengthA, (i + 1) * stepA);
    const bStart = b.begin + Math.min(lengthB, i * stepB);
    const bEnd = b.begin + Math.min(lengthB, (i + 1) * stepB);
    // Piece fingerprints only pay off without stats (stats need every value).
    if (!floats && (await sameFingerprint(a, aStart, aEnd, b, bStart, bEnd))) continue;
    const [x, y] = await Promise.all([readRange(a.source, aStart, aEnd), readRange(b.source, bStart, bEnd)]);
    if (layoutSame) {
      const found = countDifferences(x, y, counted ? widthA : 1);
      bytesChanged += found.bytes;
      elementsChanged += found.elements;
    }
    if (acc && scratchA && scratchB) {
      acc.add(decodeFloats(a.dtype as FloatDtype, x, scratchA), decodeFloats(b.dtype as FloatDtype, y, scratchB));
    }
  }
  const result: TensorComparison = {};
  if (layoutSame) result.bytesChanged = bytesChanged;
  if (counted) Object.assign(result, { elements, elementsChanged });
  if (acc && (!layoutSame || bytesChanged > 0)) result.stats = acc.result();
  return result;
}

/** A reusable decode target for `n` values of `dtype`. */
function floatScratch(dtype: FloatDtype, n: number): Float32Array | Float64Array {
  return dtype === 'F64' ? new Float64Array(n) : new Float32Array(n);
}
