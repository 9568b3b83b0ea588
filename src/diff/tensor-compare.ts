/**
 * Compares the bytes of one tensor in two versions, reading as little as it can: equal
 * fingerprints of the whole range (or, without stats, of a piece) mean equal bytes and nothing
 * is read; otherwise both ranges are read in pieces of at most {@link PIECE_BYTES}, so memory
 * does not grow with the tensor. With stats the same pass decodes the pieces and accumulates
 * {@link TensorStats}.
 */
import { Buffer } from 'node:buffer';
import { decodeFloats, FLOAT_BYTES, isFloatDtype, type FloatDtype } from '../formats/float-decode.js';
import type { TensorStats } from './tensor-diff-types.js';
import { readRange, type ListedTensor } from './tensor-listing.js';
import { StatsAccumulator } from './tensor-stats.js';

/** Largest single read of tensor data. */
export const PIECE_BYTES = 8 * 1024 * 1024;

/**
 * Piece size when pieces are settled by fingerprints (no stats): small, so that an unchanged
 * tensor whose first chunks differ in layout from the other version (content-defined chunk
 * boundaries resynchronise a chunk or two after a changed neighbour) costs one small read.
 */
export const FINGERPRINT_PIECE_BYTES = 1024 * 1024;

/** What comparing one tensor found; `bytesChanged` only for the same dtype and shape. */
export interface TensorComparison {
  bytesChanged?: number;
  stats?: TensorStats;
}

function sameShape(x: number[], y: number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** Positions in [0, max(len)) where x and y differ (a missing byte differs). */
function countDifferences(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  let diff = Math.max(x.length, y.length) - n;
  if (Buffer.compare(Buffer.from(x.buffer, x.byteOffset, n), Buffer.from(y.buffer, y.byteOffset, n)) === 0) return diff;
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) diff++;
  return diff;
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
  if (layoutSame && (await sameFingerprint(a, a.begin, a.end, b, b.begin, b.end))) return { bytesChanged: 0 };
  if (!layoutSame && !floats) return {};
  // Piece sizes in each file: a whole number of elements of both dtypes when decoding.
  const widthA = floats ? FLOAT_BYTES[a.dtype as FloatDtype] : 1;
  const widthB = floats ? FLOAT_BYTES[b.dtype as FloatDtype] : 1;
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
  for (let i = 0; i < pieces; i++) {
    const aStart = a.begin + Math.min(lengthA, i * stepA);
    const aEnd = a.begin + Math.min(lengthA, (i + 1) * stepA);
    const bStart = b.begin + Math.min(lengthB, i * stepB);
    const bEnd = b.begin + Math.min(lengthB, (i + 1) * stepB);
    // Piece fingerprints only pay off without stats (stats need every value).
    if (!floats && (await sameFingerprint(a, aStart, aEnd, b, bStart, bEnd))) continue;
    const [x, y] = await Promise.all([readRange(a.source, aStart, aEnd), readRange(b.source, bStart, bEnd)]);
    if (layoutSame) bytesChanged += countDifferences(x, y);
    if (acc && scratchA && scratchB) {
      acc.add(decodeFloats(a.dtype as FloatDtype, x, scratchA), decodeFloats(b.dtype as FloatDtype, y, scratchB));
    }
  }
  const result: TensorComparison = {};
  if (layoutSame) result.bytesChanged = bytesChanged;
  if (acc && (!layoutSame || bytesChanged > 0)) result.stats = acc.result();
  return result;
}

/** A reusable decode target for `n` values of `dtype`. */
function floatScratch(dtype: FloatDtype, n: number): Float32Array | Float64Array {
  return dtype === 'F64' ? new Float64Array(n) : new Float32Array(n);
}
