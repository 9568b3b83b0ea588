/**
 * The chunks of one Xet fetch as its body streams in: each piece of each part (range) is parsed
 * into records (formats/xet-record-stream.ts) and each record decoded (none, LZ4, byte-grouped
 * LZ4; bounded by its declared length), numbered from its range's first chunk. The server's
 * bytes that do not decode (a corrupted byte, a record whose length lies, a range that ends
 * inside a record or before its last chunk) are an IntegrityError `corrupt_xorb` naming the xorb
 * and range (exit 5): the reconstruction promised those chunks.
 */
import { FormatError, IntegrityError } from '../errors.js';
import { decompressChunk } from '../formats/chunk-compression.js';
import type { XetFetch } from '../formats/xet-reconstruction.js';
import { XetRecordStream } from '../formats/xet-record-stream.js';
import { CHUNK_HEADER_BYTES } from '../formats/xorb.js';
import type { FetchBody } from './xet-cas.js';

/** One decoded chunk of a fetch: chunk `index` of the xorb; `wire` bytes of its record. */
export interface FetchedChunk {
  index: number;
  data: Uint8Array;
  wire: number;
}

/** The server's bytes of `fetch` are not the chunks it promised (exit 5). */
export function corruptRange(fetch: XetFetch, why: string, cause?: unknown): IntegrityError {
  const where = fetch.ranges.map((r) => `${r.byteStart}-${r.byteEnd - 1}`).join(',');
  return new IntegrityError(`xorb ${fetch.xorb.slice(0, 12)} bytes ${where} from ${new URL(fetch.url).origin}: ${why}`, { data: { url: fetch.url, xorb: fetch.xorb }, ...(cause ? { cause } : {}) }, 'corrupt_xorb');
}

/** The chunks decoded from one piece of a body; `release` once nothing references their data (scheme-0 chunks are views of the piece's buffer). */
export interface FetchedBatch {
  chunks: FetchedChunk[];
  release: () => void;
}

/**
 * The chunks of `body` in order, a batch per piece; `wanted(index)` says which to decode (the
 * others are only parsed). Ends after the last chunk of the last range (the body must end there).
 */
export async function* fetchChunks(body: FetchBody, fetch: XetFetch, wanted: (index: number) => boolean = () => true): AsyncGenerator<FetchedBatch> {
  let part = -1;
  let stream = new XetRecordStream();
  let index = 0;
  const closePart = (): void => {
    if (part < 0) return;
    const r = fetch.ranges[part];
    if (stream.pending) throw corruptRange(fetch, `the range ends inside a record (${stream.pending} bytes of it)`);
    if (index !== r.chunkEnd) throw corruptRange(fetch, `the range ${r.byteStart}-${r.byteEnd - 1} holds chunks ${r.chunkStart}-${index}, not ${r.chunkStart}-${r.chunkEnd}`);
  };
  for (let piece = await body.next(); piece !== undefined; piece = await body.next()) {
    if (piece.part !== part) {
      closePart();
      part = piece.part;
      stream = new XetRecordStream();
      index = fetch.ranges[part].chunkStart;
    }
    const end = fetch.ranges[part].chunkEnd;
    const out: FetchedChunk[] = [];
    try {
      for (const r of stream.push(piece.data)) {
        const i = index++;
        if (i >= end) throw corruptRange(fetch, `the range holds more than its ${end - fetch.ranges[part].chunkStart} chunks`);
        if (wanted(i)) out.push({ index: i, data: decompressChunk(r.scheme, r.stored, r.length, `chunk ${i}`), wire: CHUNK_HEADER_BYTES + r.stored.length });
      }
    } catch (err) {
      throw err instanceof FormatError ? corruptRange(fetch, err.message, err) : err;
    }
    // the record stream keeps no view of the piece (xet-record-stream.ts): only `out` may hold its buffer
    if (out.length) yield { chunks: out, release: piece.release };
    else piece.release();
  }
  closePart();
  if (part !== fetch.ranges.length - 1) throw corruptRange(fetch, `the body holds ${part + 1} of ${fetch.ranges.length} ranges`);
}
