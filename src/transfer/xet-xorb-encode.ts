/**
 * A local xorb (uncompressed records, no footer: the store's format) as the Xet xorb a CAS upload
 * sends (Xet spec xorb.md): the same chunks in the same order (so the same xorb hash), each record
 * stored with the compression chosen for the xorb, then the footer (chunk hashes, record
 * boundaries, unpacked offsets). The choice is measured per xorb on a sample of its chunks:
 * byte-grouped LZ4 or LZ4 when it makes the sample at least 11% smaller (BF16 weights, text),
 * no compression otherwise (F32 and F16 weights and already-compressed data shrink less, and
 * encoding costs about 5 ms per MiB here, docs/performance.md). Without compression the body
 * streams from the file in 1 MiB pieces; a compressed one is encoded into memory first (its
 * length must be known before it is sent), yielding to the event loop as it goes (other uploads
 * keep moving), so the caller bounds how many are held at once.
 */
import { IntegrityError } from '../errors.js';
import { ChunkCompressor, compressChunk } from '../formats/chunk-compress.js';
import { encodeXorbFooter, XORB_NONCE_BYTES, xorbFooterBytes } from '../formats/xorb-footer.js';
import { CHUNK_HEADER_BYTES, CHUNK_RECORD_VERSION, MAX_CHUNK_BYTES, XorbRecordScanner, type XorbRecord } from '../formats/xorb.js';
import type { XetHashers } from '../hash/hashers.js';
import { xorbHash } from '../hash/merkle.js';
import { fromXetHex, xetHex } from '../hash/xet-hex.js';
import type { UploadSource, XorbReader } from './store-interfaces.js';

/** Bytes read from disk per piece of an uncompressed body. */
const PIECE = 1 << 20;
/** Longest stretch of encoding between two yields to the event loop. */
const YIELD_MS = 20;
/** Chunks of a xorb tried when choosing its compression (spread over it: a model's small layer-norm tensors compress far better than its weights). */
const SAMPLE_CHUNKS = 32;
/**
 * A scheme is used when it makes the sample at most this fraction of its size: BF16 weights of
 * N(0, 0.02) come to 0.83-0.875 with byte-grouped LZ4, F32 ones to 0.905-0.95 and F16 ones to
 * 0.98 (the project's generated models, and test/bench/chunk-compression.mjs), and encoding runs
 * at about 200 MB/s here, so 12-17% less to send pays on links slower than about 25 MB/s, while
 * F32's 5-9% costs more time than it saves on most links.
 */
const WORTH = 0.89;

import type { XetCompression } from './xet-compression.js';
export { xetCompressionFrom, type XetCompression } from './xet-compression.js';

/** One chunk of an encoded xorb, for the shard's xorb block. */
export interface EncodedChunk {
  hash: Uint8Array;
  length: number;
}

/** A local xorb ready to send. */
export interface EncodedXorb {
  xorb: string;
  /** Bytes of the serialized Xet xorb (the request's Content-Length). */
  size: number;
  /** Bytes of chunk data (uncompressed). */
  unpacked: number;
  scheme: 'none' | 'lz4' | 'bg4-lz4';
  chunks: EncodedChunk[];
  /** The body, from its first byte (called again for a retry); `sent` hears of each piece. */
  body(sent?: (n: number) => void): Iterable<Uint8Array>;
}

function readAll(h: XorbReader, into: Uint8Array, at: number, xorb: string): void {
  for (let filled = 0; filled < into.length; ) {
    const n = h.read(into.subarray(filled), at + filled);
    if (n === 0) throw new IntegrityError(`xorb ${xorb} of the local store is shorter than its records say`, { data: { xorb } }, 'corrupt_xorb');
    filled += n;
  }
}

/** The records of an open local xorb, read header by header. */
function recordsOf(h: XorbReader, xorb: string): XorbRecord[] {
  const scanner = new XorbRecordScanner(h.size);
  const header = new Uint8Array(CHUNK_HEADER_BYTES);
  const out: XorbRecord[] = [];
  try {
    while (!scanner.done) {
      readAll(h, header.subarray(0, Math.min(CHUNK_HEADER_BYTES, h.size - scanner.offset)), scanner.offset, xorb);
      out.push(scanner.next(header));
    }
  } catch (err) {
    if (err instanceof IntegrityError) throw err;
    throw new IntegrityError(`xorb ${xorb} of the local store is damaged: ${(err as Error).message}`, { cause: err, data: { xorb } }, 'corrupt_xorb');
  }
  return out;
}

/** Samples compressed before the choice may stop early. */
const EARLY_SAMPLES = 8;
/** How far above WORTH the ratio of the early samples must be to stop there with "none". */
const EARLY_MARGIN = 0.02;

/** Indices 0..n-1 in an order that spreads each prefix over the whole range (0, n/2, n/4, 3n/4, ...). */
function spreadOrder(n: number): number[] {
  const out: number[] = [];
  const taken = new Uint8Array(n);
  let step = 1;
  while (step * 2 <= n) step *= 2;
  for (; step >= 1; step >>= 1) {
    for (let i = 0; i < n; i += step) {
      if (!taken[i]) {
        taken[i] = 1;
        out.push(i);
      }
    }
  }
  return out;
}

/**
 * Which scheme pays for `data` samples: the smaller of LZ4 and BG4-LZ4 when it saves at least
 * 11% (WORTH), else none. The samples are compressed in an order spread over them, and the
 * choice stops with "none" after EARLY_SAMPLES when those clearly do not compress (F32 weights,
 * most of a push's bytes, compress to 0.905-0.95: the full sample cost 0.18 s of CPU per 512 MiB
 * push to say "none"); compressing is chosen only on the whole sample (a xorb whose first samples
 * were small layer-norm tensors must not be compressed whole for them: encoding costs 5 ms per
 * MiB). `stats.compressed` counts the samples compressed with byte grouping.
 */
export function chooseScheme(samples: readonly Uint8Array[], stats: { compressed: number } = { compressed: 0 }): 'none' | 'lz4' | 'bg4-lz4' {
  // byte grouping first: weights (most of a model repository's bytes) shrink with it or not at
  // all, so plain LZ4 is tried only when it did (data that shrinks, text, may do better with it)
  const used: Uint8Array[] = [];
  let raw = 0;
  let bg4 = 0;
  for (const i of spreadOrder(samples.length)) {
    used.push(samples[i]);
    raw += samples[i].length;
    bg4 += compressChunk(samples[i], 'bg4-lz4').bytes.length;
    stats.compressed++;
    if (used.length >= EARLY_SAMPLES && used.length < samples.length && bg4 / raw > WORTH + EARLY_MARGIN) break; // clearly not worth it (compressing is decided on the whole sample: it costs)
  }
  if (!raw || bg4 > raw * WORTH) return 'none';
  const lz4 = used.reduce((n, s) => n + compressChunk(s, 'lz4').bytes.length, 0);
  return lz4 < bg4 ? 'lz4' : 'bg4-lz4';
}

/**
 * Encodes the local xorb `xorb` of `source` with `compression`. Its chunk hashes come from the
 * store's index when it has them all, else from its bytes; either way the xorb hash they give
 * must be its name (a damaged local xorb is never sent). `release` gives back the slot
 * `compressing` gave and drops a compressed xorb's bytes (its body is spent after it).
 */
export async function encodeLocalXorb(source: UploadSource, xorb: string, hashers: XetHashers, compression: XetCompression, compressing: () => Promise<() => void> = async () => () => {}): Promise<EncodedXorb & { release: () => void }> {
  const h = source.openXorb(xorb);
  try {
    const records = recordsOf(h, xorb);
    const indexed = source.xorbs.chunks(xorb, 0, records.length);
    const buf = new Uint8Array(MAX_CHUNK_BYTES);
    const chunks: EncodedChunk[] = records.map((r, i) => {
      const known = indexed?.[i];
      if (known && known.length === r.length) return { hash: known.hash, length: r.length };
      const data = buf.subarray(0, r.length);
      readAll(h, data, r.dataOffset, xorb);
      return { hash: hashers.chunk.hash(data), length: r.length };
    });
    const actual = xetHex(xorbHash(chunks.map((c) => ({ hash: c.hash, size: c.length })), hashers));
    if (actual !== xorb) throw new IntegrityError(`xorb ${xorb} of the local store is corrupt: its chunks hash to ${actual}`, { data: { xorb } }, 'corrupt_xorb');
    const unpacked = chunks.reduce((n, c) => n + c.length, 0);
    let scheme: 'none' | 'lz4' | 'bg4-lz4' = compression === 'auto' ? 'none' : compression;
    if (compression === 'auto') {
      const step = Math.max(1, Math.floor(records.length / SAMPLE_CHUNKS));
      const samples: Uint8Array[] = [];
      for (let i = 0; i < records.length && samples.length < SAMPLE_CHUNKS; i += step) {
        const data = new Uint8Array(records[i].length);
        readAll(h, data, records[i].dataOffset, xorb);
        samples.push(data);
      }
      scheme = chooseScheme(samples);
    }
    const footer = (boundaries: number[]): Uint8Array => {
      let total = 0;
      return encodeXorbFooter({ xorbHash: fromXetHex(xorb), chunkHashes: chunks.map((c) => c.hash), boundaryOffsets: boundaries, unpackedOffsets: chunks.map((c) => (total += c.length)), nonce: new Uint8Array(XORB_NONCE_BYTES) });
    };
    if (scheme === 'none') {
      const boundaries = records.map((r) => r.dataOffset + r.length);
      const size = h.size + xorbFooterBytes(records.length);
      return {
        release: () => {},
        xorb,
        size,
        unpacked,
        scheme,
        chunks,
        *body(sent) {
          const r = source.openXorb(xorb);
          try {
            for (let at = 0; at < r.size; ) {
              const piece = Buffer.allocUnsafe(Math.min(PIECE, r.size - at));
              readAll(r, piece, at, xorb);
              at += piece.length;
              sent?.(piece.length);
              yield piece;
            }
          } finally {
            r.close();
          }
          const tail = footer(boundaries);
          sent?.(tail.length);
          yield tail;
        },
      };
    }
    // compressed: every record encoded now (its length must be known before it is sent), once the caller lets this one be held in memory
    const release = await compressing();
    const parts: Uint8Array[] = [];
    const compressor = new ChunkCompressor();
    try {
      const boundaries: number[] = [];
      let at = 0;
      let since = performance.now();
      for (const r of records) {
        if (performance.now() - since > YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve)); // the other uploads' sockets are served meanwhile
          since = performance.now();
        }
        const data = buf.subarray(0, r.length); // the compressor returns bytes of its own
        readAll(h, data, r.dataOffset, xorb);
        const c = compressor.compress(data, scheme);
        const head = new Uint8Array(CHUNK_HEADER_BYTES);
        const n = c.bytes.length;
        head.set([CHUNK_RECORD_VERSION, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, c.scheme, r.length & 0xff, (r.length >>> 8) & 0xff, (r.length >>> 16) & 0xff]);
        parts.push(head, c.bytes);
        at += CHUNK_HEADER_BYTES + n;
        boundaries.push(at);
      }
      parts.push(footer(boundaries));
    } catch (err) {
      release();
      throw err;
    }
    const size = parts.reduce((n, p) => n + p.length, 0);
    return {
      // the encoded bytes go with the slot: whatever still holds this object holds no xorb
      release: () => {
        parts.length = 0;
        release();
      },
      xorb,
      size,
      unpacked,
      scheme,
      chunks,
      *body(sent) {
        for (let i = 0; i < parts.length; ) {
          // about 1 MiB per piece handed to the socket
          let j = i;
          let n = 0;
          while (j < parts.length && (n === 0 || n + parts[j].length <= PIECE)) n += parts[j++].length;
          const piece = j - i === 1 ? parts[i] : Buffer.concat(parts.slice(i, j));
          i = j;
          sent?.(piece.length);
          yield piece;
        }
      },
    };
  } finally {
    h.close();
  }
}
