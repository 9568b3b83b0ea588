/**
 * Compression of Xet chunk records (docs/formats.md §3.2; Xet spec xorb.md "Chunk Compression
 * Schemes"): scheme 0 stores the bytes, 1 stores one LZ4 frame of them, 2 one LZ4 frame of their
 * 4-byte grouping (byte-grouping.ts).
 *
 * Decoding is lz4-frame.ts, which bounds the output; encoding is chunk-compress.ts, a module of
 * its own so that readers never load lz4js (which allocates a 5 MiB block buffer when imported:
 * 5 MiB of every clone's and pull's memory, measured in a heap snapshot).
 */
import { FormatError } from '../errors.js';
import { bg4Join } from './byte-grouping.js';
import { decodeLz4Frame } from './lz4-frame.js';

/** Compression schemes of a chunk record (Xet CompressionScheme). */
export const ChunkScheme = { none: 0, lz4: 1, byteGrouping4Lz4: 2 } as const;
/** A scheme number a record may carry. */
export type ChunkSchemeId = (typeof ChunkScheme)[keyof typeof ChunkScheme];

/** Names of the schemes for messages and measurements. */
export const CHUNK_SCHEME_NAMES: Readonly<Record<number, string>> = { 0: 'none', 1: 'LZ4', 2: 'ByteGrouping4LZ4' };

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
