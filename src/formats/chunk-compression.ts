/**
 * Compression of Xet chunk records (docs/formats.md §3.2; Xet spec xorb.md "Chunk Compression
 * Schemes"): scheme 0 stores the bytes, 1 stores one LZ4 frame of them, 2 one LZ4 frame of their
 * 4-byte grouping (byte-grouping.ts).
 *
 * Encoding uses lz4js (pure JS, the LZ4 that @huggingface/hub itself vendors, so it runs
 * wherever hub runs). Measured on BF16/F16 N(0, 0.02) weights (README "Dependencies"), the
 * native lz4-napi (lz4_flex, as in xet-core) gave the same ratios and was faster only on data LZ4
 * cannot compress, which the writer may skip anyway; a caller that wants a faster encoder passes
 * its own `compressFrame`. Decoding is always lz4-frame.ts, which bounds the output.
 */
import { compress as lz4jsCompress } from 'lz4js';
import { FormatError } from '../errors.js';
import { bg4Join, bg4Split } from './byte-grouping.js';
import { decodeLz4Frame } from './lz4-frame.js';

/** Compression schemes of a chunk record (Xet CompressionScheme). */
export const ChunkScheme = { none: 0, lz4: 1, byteGrouping4Lz4: 2 } as const;
/** A scheme number a record may carry. */
export type ChunkSchemeId = (typeof ChunkScheme)[keyof typeof ChunkScheme];

/** Names of the schemes for messages and measurements. */
export const CHUNK_SCHEME_NAMES: Readonly<Record<number, string>> = { 0: 'none', 1: 'LZ4', 2: 'ByteGrouping4LZ4' };

/** Compresses `data` into one complete LZ4 frame. */
export type Lz4FrameCompressor = (data: Uint8Array) => Uint8Array;

/** The default frame compressor (lz4js). */
export const lz4jsFrame: Lz4FrameCompressor = (data) => lz4jsCompress(data);

/** Which scheme(s) the encoder tries; `best` tries LZ4 and ByteGrouping4LZ4 and keeps the smallest. */
export type ChunkSchemeChoice = 'none' | 'lz4' | 'bg4-lz4' | 'best';

/** Whether `n` is a scheme this codec knows. */
export function isChunkScheme(n: number): n is ChunkSchemeId {
  return n === 0 || n === 1 || n === 2;
}

/**
 * Decodes the stored bytes of one record into exactly `uncompressedLength` bytes; `where` names
 * the record in the one-line FormatError `bad_xorb` thrown on anything malformed.
 */
export function decompressChunk(scheme: number, stored: Uint8Array, uncompressedLength: number, where: string): Uint8Array {
  switch (scheme) {
    case ChunkScheme.none:
      if (stored.length !== uncompressedLength) {
        throw new FormatError(`${where}: stored ${stored.length} bytes, declared ${uncompressedLength}`, {}, 'bad_xorb');
      }
      return stored;
    case ChunkScheme.lz4:
      return decodeLz4Frame(stored, uncompressedLength, where);
    case ChunkScheme.byteGrouping4Lz4:
      return bg4Join(decodeLz4Frame(stored, uncompressedLength, where));
    default:
      throw new FormatError(`${where}: unknown compression scheme ${scheme}`, {}, 'bad_xorb');
  }
}

/** One encoded record body: the scheme written in its header and the stored bytes. */
export interface CompressedChunk {
  scheme: ChunkSchemeId;
  bytes: Uint8Array;
}

/**
 * Encodes `data` for a record. As in xet-core, a compressed form that is not strictly smaller
 * than the data is dropped and the chunk is stored with scheme 0.
 */
export function compressChunk(
  data: Uint8Array,
  choice: ChunkSchemeChoice = 'best',
  compressFrame: Lz4FrameCompressor = lz4jsFrame,
): CompressedChunk {
  let best: CompressedChunk = { scheme: ChunkScheme.none, bytes: data };
  const consider = (scheme: ChunkSchemeId, bytes: Uint8Array): void => {
    if (bytes.length < best.bytes.length) best = { scheme, bytes };
  };
  if (choice === 'lz4' || choice === 'best') consider(ChunkScheme.lz4, compressFrame(data));
  if (choice === 'bg4-lz4' || choice === 'best') consider(ChunkScheme.byteGrouping4Lz4, compressFrame(bg4Split(data)));
  return best;
}
