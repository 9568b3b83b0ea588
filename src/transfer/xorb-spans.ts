/**
 * The one span planner of hub-chunks downloads: runs of chunk records the caller lacks, each a
 * byte range of a remote xorb with the hashes of its chunks, are coalesced with their neighbours
 * in the same xorb into spans, and spans are cut into pieces of at most PIECE_BYTES (each one
 * request). Items the caller has locally break spans and pass through in order. SpanParser turns
 * the pieces of a span back into chunk records across piece boundaries, each chunk paired with
 * the hash the server named for it, so the receiver can verify it.
 */
import { ProtocolError } from '../errors.js';
import { CHUNK_HEADER_BYTES, decodeChunkHeader } from '../formats/xorb.js';
import { ChunkHashList } from '../hash/chunk-hash-list.js';

/**
 * Largest byte range fetched by one request. With 8 slots, the pieces in flight are most of a
 * download's memory: 2 MiB took 20-25 MiB off a clone's peak RSS against 4 MiB (2 GiB model:
 * 213-220 against 238-239 MiB), in the same time (512 MiB clone: 1.49-1.88 s against 1.69-2.67 s,
 * alternated; docs/performance.md, "Memory at 10 GiB").
 */
export const PIECE_BYTES = 2 << 20;

/** Chunk records [start, end) of the xorb at `url`, holding the chunks `hashes` in order. */
export interface RemoteRun {
  url: string;
  start: number;
  end: number;
  hashes: ChunkHashList;
}

/** A run of neighbouring records fetched as one contiguous byte range. */
export type Span = RemoteRun;

/** One step of a download: an item the caller has, or one piece [from, to) of a span. */
export type SpanStep<L> = { local: L } | { span: Span; from: number; to: number; last: boolean };

/** A chunk parsed from a span, with the hash the server named for it. */
export interface NamedChunk {
  hash: Uint8Array;
  data: Uint8Array;
}

/** The steps for `items` in order: local items as they are, remote runs coalesced and cut into pieces. */
export function planSpans<L>(items: ReadonlyArray<{ local: L } | { run: RemoteRun }>, pieceBytes = PIECE_BYTES): Array<SpanStep<L>> {
  const steps: Array<SpanStep<L>> = [];
  let open: { url: string; start: number; end: number; hashes: ChunkHashList[] } | undefined;
  const flush = (): void => {
    if (!open) return;
    const span: Span = { url: open.url, start: open.start, end: open.end, hashes: ChunkHashList.concat(open.hashes) };
    for (let from = span.start; from < span.end; from += pieceBytes) {
      const to = Math.min(span.end, from + pieceBytes);
      steps.push({ span, from, to, last: to === span.end });
    }
    open = undefined;
  };
  for (const item of items) {
    if ('local' in item) {
      flush();
      steps.push(item);
      continue;
    }
    const r = item.run;
    if (open && open.url === r.url && open.end === r.start) {
      open.end = r.end;
      open.hashes.push(r.hashes);
    } else {
      flush();
      open = { url: r.url, start: r.start, end: r.end, hashes: [r.hashes] };
    }
  }
  flush();
  return steps;
}

/** Parses chunk records across piece boundaries and pairs each chunk with the span's next hash. */
export class SpanParser {
  private carry: Uint8Array = new Uint8Array(0);
  private next = 0;

  constructor(private readonly span: Span) {}

  /**
   * The whole records in `piece` (with what was left of the previous one); `last` checks that the
   * span ends exactly. Only the record that straddles two pieces is copied (joined with the
   * previous piece's tail); the others are views into `piece`.
   */
  push(piece: Uint8Array, last: boolean): NamedChunk[] {
    const out: NamedChunk[] = [];
    let at = 0;
    if (this.carry.length) {
      const need = this.straddleNeeds(piece);
      if (need === undefined || need > piece.length) {
        this.carry = Buffer.concat([this.carry, piece]); // still not one whole record (small pieces)
        at = piece.length;
      } else {
        const joined = Buffer.concat([this.carry, piece.subarray(0, need)]);
        this.carry = new Uint8Array(0);
        if (this.records(joined, out) !== joined.length) throw new Error('SpanParser: a joined record did not parse whole'); // cannot happen: `need` completes it
        at = need;
      }
    }
    if (at < piece.length) {
      const end = this.records(piece, out, at);
      this.carry = piece.subarray(end);
    }
    if (last && (this.carry.length || this.next !== this.span.hashes.length)) {
      throw new ProtocolError(`xorb range ${this.span.url} bytes ${this.span.start}-${this.span.end} does not hold the ${this.span.hashes.length} chunks the reconstruction names`, { data: { url: this.span.url } }, 'bad_reconstruction');
    }
    return out;
  }

  /** Bytes of `piece` that complete the record begun in the carry, or undefined while its header is incomplete even with them. */
  private straddleNeeds(piece: Uint8Array): number | undefined {
    const headerFromPiece = Math.max(0, CHUNK_HEADER_BYTES - this.carry.length);
    if (headerFromPiece > piece.length) return undefined;
    const head = headerFromPiece ? Buffer.concat([this.carry, piece.subarray(0, headerFromPiece)]) : this.carry;
    const { uncompressedLength } = this.header(head, 0);
    return CHUNK_HEADER_BYTES + uncompressedLength - this.carry.length;
  }

  /** Parses whole records of `buf` from `at` into `out`; returns where the first incomplete one starts. */
  private records(buf: Uint8Array, out: NamedChunk[], at = 0): number {
    while (buf.length - at >= CHUNK_HEADER_BYTES) {
      const { uncompressedLength: length } = this.header(buf, at);
      if (buf.length - at - CHUNK_HEADER_BYTES < length) break;
      const hash = this.span.hashes.at(this.next++);
      if (hash === undefined) throw new ProtocolError(`xorb range ${this.span.url} holds more chunks than the reconstruction names`, { data: { url: this.span.url } }, 'bad_reconstruction');
      out.push({ hash, data: buf.subarray(at + CHUNK_HEADER_BYTES, at + CHUNK_HEADER_BYTES + length) });
      at += CHUNK_HEADER_BYTES + length;
    }
    return at;
  }

  /** A record header of the server's bytes; a malformed one is the server's garbage (exit 6), not a damaged local file. */
  private header(buf: Uint8Array, at: number): ReturnType<typeof decodeChunkHeader> {
    try {
      return decodeChunkHeader(buf, at);
    } catch (err) {
      throw new ProtocolError(`xorb range ${this.span.url}: ${(err as Error).message}`, { cause: err, data: { url: this.span.url } });
    }
  }
}
