/**
 * The `hub-chunks` download adapter: turns a file's reconstruction terms into the chunks of the
 * file in order. Terms whose chunks the caller already has are passed through untouched (the
 * caller reads them locally); the others are fetched as xorb byte ranges, neighbours in the same
 * xorb coalesced into one span, spans cut into pieces of at most PIECE_BYTES fetched in parallel
 * (through the queue's slots), and the records parsed back into chunks, each paired with the hash
 * the server named for it so the caller can verify it. Moves bytes only.
 */
import { ProtocolError } from '../errors.js';
import { CHUNK_HEADER_BYTES, decodeChunkHeader } from '../formats/xorb.js';
import { fromXetHex } from '../hash/xet-hex.js';
import type { ChunkApi, ReconstructionTerm } from './lfs-client.js';
import { inOrder, type Slots } from './transfer-queue.js';

/** Largest byte range fetched by one request. */
export const PIECE_BYTES = 4 << 20;

/** What the adapter yields, in file order. */
export type TermPart =
  | { kind: 'local'; term: ReconstructionTerm }
  | { kind: 'chunks'; chunks: Array<{ hash: Uint8Array; data: Uint8Array }>; received: number };

/** A run of terms fetched as one contiguous byte range of one xorb. */
interface Span {
  url: string;
  start: number;
  end: number;
  hashes: string[];
}

type Step = { local: ReconstructionTerm } | { span: Span; from: number; to: number; last: boolean };

/** The steps of a download: local terms, and pieces of coalesced spans. */
function plan(terms: readonly ReconstructionTerm[], isLocal: (t: ReconstructionTerm) => boolean, pieceBytes: number): Step[] {
  const steps: Step[] = [];
  let span: Span | undefined;
  const flush = (): void => {
    if (!span) return;
    for (let from = span.start; from < span.end; from += pieceBytes) {
      const to = Math.min(span.end, from + pieceBytes);
      steps.push({ span, from, to, last: to === span.end });
    }
    span = undefined;
  };
  for (const t of terms) {
    if (!t.hashes || t.hashes.length !== t.chunkEnd - t.chunkStart) throw new ProtocolError(`${t.url}: the reconstruction names chunks of xorb ${t.xorb} without their hashes`, { data: { url: t.url } }, 'bad_reconstruction');
    if (isLocal(t)) {
      flush();
      steps.push({ local: t });
    } else if (span && span.url === t.url && span.end === t.range.start) {
      span.end = t.range.end;
      span.hashes.push(...t.hashes);
    } else {
      flush();
      span = { url: t.url, start: t.range.start, end: t.range.end, hashes: [...t.hashes] };
    }
  }
  flush();
  return steps;
}

/** Parses chunk records across piece boundaries and pairs each chunk with the span's next hash. */
class SpanParser {
  private carry: Uint8Array = new Uint8Array(0);
  private next = 0;

  constructor(private readonly span: Span) {}

  push(piece: Uint8Array, last: boolean): Array<{ hash: Uint8Array; data: Uint8Array }> {
    const buf = this.carry.length ? Buffer.concat([this.carry, piece]) : piece;
    const out: Array<{ hash: Uint8Array; data: Uint8Array }> = [];
    let at = 0;
    while (buf.length - at >= CHUNK_HEADER_BYTES) {
      const { uncompressedLength: length } = this.header(buf, at);
      if (buf.length - at - CHUNK_HEADER_BYTES < length) break;
      const hash = this.span.hashes[this.next++];
      if (hash === undefined) throw new ProtocolError(`xorb range ${this.span.url} holds more chunks than the reconstruction names`, { data: { url: this.span.url } }, 'bad_reconstruction');
      out.push({ hash: fromXetHex(hash), data: buf.subarray(at + CHUNK_HEADER_BYTES, at + CHUNK_HEADER_BYTES + length) });
      at += CHUNK_HEADER_BYTES + length;
    }
    this.carry = buf.subarray(at);
    if (last && (this.carry.length || this.next !== this.span.hashes.length)) {
      throw new ProtocolError(`xorb range ${this.span.url} bytes ${this.span.start}-${this.span.end} does not hold the ${this.span.hashes.length} chunks the reconstruction names`, { data: { url: this.span.url } }, 'bad_reconstruction');
    }
    return out;
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

/** The parts of a file, in order; see the module comment. Stops scheduling once `api.signal` is aborted. */
export async function* downloadTerms(api: ChunkApi, terms: readonly ReconstructionTerm[], isLocal: (t: ReconstructionTerm) => boolean, slots: Slots, pieceBytes = PIECE_BYTES): AsyncGenerator<TermPart> {
  const steps = plan(terms, isLocal, pieceBytes);
  const jobs = steps.map((s) => async (): Promise<Uint8Array | undefined> => ('local' in s ? undefined : api.range(s.span.url, s.from, s.to)));
  const parsers = new Map<Span, SpanParser>();
  let i = 0;
  for await (const bytes of inOrder(jobs, slots, api.signal)) {
    const step = steps[i++];
    if ('local' in step) {
      yield { kind: 'local', term: step.local };
      continue;
    }
    let parser = parsers.get(step.span);
    if (!parser) parsers.set(step.span, (parser = new SpanParser(step.span)));
    const chunks = parser.push(bytes!, step.last);
    if (step.last) parsers.delete(step.span);
    yield { kind: 'chunks', chunks, received: bytes!.length };
  }
}
