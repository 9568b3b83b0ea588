/**
 * Encoding of Xet chunk records (chunk-compression.ts has the schemes and the decoder). Uses
 * lz4js (pure JS, the LZ4 that @huggingface/hub itself vendors, so it runs wherever hub runs).
 * Measured on BF16/F16 N(0, 0.02) weights (README "Dependencies"), the native lz4-napi (lz4_flex,
 * as in xet-core) gave the same ratios and was faster only on data LZ4 cannot compress, which the
 * writer may skip anyway; a caller that wants a faster encoder passes its own `compressFrame`.
 * lz4js allocates a 5 MiB block buffer when it is imported: only writers of xorbs load this.
 */
import { compress as lz4jsCompress, compressBound, compressFrame } from 'lz4js';
import { bg4Split } from './byte-grouping.js';
import { ChunkScheme, type ChunkSchemeId } from './chunk-compression.js';
import { MAX_CHUNK_BYTES } from './xorb.js';

/** Compresses `data` into one complete LZ4 frame. */
export type Lz4FrameCompressor = (data: Uint8Array) => Uint8Array;

/** The default frame compressor (lz4js). */
export const lz4jsFrame: Lz4FrameCompressor = (data) => lz4jsCompress(data);

/** Which scheme(s) the encoder tries; `best` tries LZ4 and ByteGrouping4LZ4 and keeps the smallest. */
export type ChunkSchemeChoice = 'none' | 'lz4' | 'bg4-lz4' | 'best';

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

/**
 * compressChunk for a writer that encodes chunk after chunk and keeps each record (a compressed
 * Xet upload holds a whole xorb's): the grouping and the LZ4 frame go into scratch buffers this
 * reuses, so each chunk costs one allocation, its stored bytes, where compressChunk makes four
 * (about 250 KiB of garbage per 64 KiB chunk). The bytes returned are always the caller's own,
 * never `data` nor a scratch buffer (a chunk stored uncompressed is copied).
 */
export class ChunkCompressor {
  private grouped = new Uint8Array(MAX_CHUNK_BYTES);
  private frame = new Uint8Array(compressBound(MAX_CHUNK_BYTES));

  compress(data: Uint8Array, choice: ChunkSchemeChoice): CompressedChunk {
    if (data.length > this.grouped.length) {
      this.grouped = new Uint8Array(data.length);
      this.frame = new Uint8Array(compressBound(data.length));
    }
    let scheme: ChunkSchemeId = ChunkScheme.none;
    let bytes: Uint8Array | undefined;
    let best = data.length;
    const consider = (id: ChunkSchemeId, src: Uint8Array): void => {
      const n = compressFrame(src, this.frame);
      if (n >= best) return;
      [scheme, best, bytes] = [id, n, this.frame.slice(0, n)];
    };
    if (choice === 'lz4' || choice === 'best') consider(ChunkScheme.lz4, data);
    if (choice === 'bg4-lz4' || choice === 'best') consider(ChunkScheme.byteGrouping4Lz4, bg4Split(data, this.grouped));
    return { scheme, bytes: bytes ?? data.slice() };
  }
}
