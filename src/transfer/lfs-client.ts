/**
 * Client of the Git LFS Batch API and of the `hub-chunks` transfer (docs/protocol.md). Moves
 * bytes only, one attempt per call: the transfer queue (queue.ts) retries and schedules, and
 * deciding what to send is the caller's job. Every status becomes a HubError in errorForStatus
 * (through errorForBody); a 2xx answer is checked before use (remote-answer.ts).
 */
import { Readable } from 'node:stream';
import { request } from './undici-request.js';
import { HubError, NetworkError } from '../errors.js';
import { sendWithAuth, type LfsTarget } from './lfs-auth.js';
import { ChunkHashList } from '../hash/chunk-hash-list.js';
import { errorForBody, requestJson } from './http-client.js';
import { describeAnswer, isHtml, isRecord, parseJsonAnswer, unexpectedAnswer } from './remote-answer.js';

const LFS = 'application/vnd.git-lfs+json';

import { DEFAULT_TRANSFERS } from './transfer-choice.js';
export { DEFAULT_TRANSFERS, transfersFrom } from './transfer-choice.js';

/** An action of a batch response. */
export interface LfsAction {
  href: string;
  header?: Record<string, string>;
}

/** One object of a batch response. */
export interface BatchObject {
  oid: string;
  size: number;
  actions?: { upload?: LfsAction; download?: LfsAction; verify?: LfsAction };
  error?: { code: number; message: string };
}

/**
 * POST …/objects/batch, one attempt (a 401 may be followed by a retry with credentials, as
 * lfs-auth.ts says); `signal` cancels the request.
 */
export async function lfsBatch(target: LfsTarget, operation: 'upload' | 'download', objects: ReadonlyArray<{ oid: string; size: number }>, signal?: AbortSignal): Promise<{ transfer: string; objects: BatchObject[] }> {
  const lfsUrl = target.url;
  let res;
  try {
    res = await sendWithAuth(target.auth, `${lfsUrl}/objects/batch`, (auth) =>
      request(`${lfsUrl}/objects/batch`, {
        method: 'POST',
        headers: { accept: LFS, 'content-type': LFS, ...auth },
        body: JSON.stringify({ operation, transfers: target.transfers ?? DEFAULT_TRANSFERS, objects, hash_algo: 'sha256' }),
        signal,
      }),
    );
  } catch (err) {
    if (err instanceof HubError) throw err;
    signal?.throwIfAborted();
    throw new NetworkError(`LFS batch: cannot reach ${new URL(lfsUrl).origin} (${(err as Error).message})`, { cause: err });
  }
  const text = await res.body.text();
  if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `LFS ${operation}`, res.headers['retry-after']);
  return batchAnswer(`${lfsUrl}/objects/batch`, parseJsonAnswer(`${lfsUrl}/objects/batch`, text, res.headers['content-type'], 'a Git LFS batch response'));
}

/** A batch response checked for the fields hub uses (`transfer` defaults to `basic`, as the API says). */
function batchAnswer(url: string, doc: unknown): { transfer: string; objects: BatchObject[] } {
  const bad = (what: string) => unexpectedAnswer(url, 'a Git LFS batch response', `JSON ${what}`);
  if (!isRecord(doc) || !Array.isArray(doc.objects)) throw bad('without an objects list');
  if (doc.transfer !== undefined && typeof doc.transfer !== 'string') throw bad('with a transfer that is not a string');
  for (const o of doc.objects as unknown[]) {
    if (!isRecord(o) || typeof o.oid !== 'string' || typeof o.size !== 'number') throw bad('with an object lacking oid or size');
    for (const a of Object.values(isRecord(o.actions) ? o.actions : {})) if (!isRecord(a) || typeof a.href !== 'string') throw bad(`with an action of ${o.oid} lacking href`);
    if (o.error !== undefined && (!isRecord(o.error) || typeof o.error.code !== 'number')) throw bad(`with an error of ${o.oid} lacking a code`);
  }
  return { transfer: (doc.transfer as string | undefined) ?? 'basic', objects: doc.objects as BatchObject[] };
}

/** A reconstruction answer checked for the fields hub uses: every term names its xorb, chunks, byte range and URL. */
function reconstructionAnswer(url: string, doc: unknown): Reconstruction {
  const bad = (what: string) => unexpectedAnswer(url, 'a chunk reconstruction', `JSON ${what}`);
  if (!isRecord(doc) || typeof doc.size !== 'number' || !Array.isArray(doc.terms)) throw bad('without size and terms');
  if (doc.offset !== undefined && !(Number.isSafeInteger(doc.offset) && (doc.offset as number) >= 0)) throw bad('whose offset is not a byte offset');
  for (const t of doc.terms as unknown[]) {
    const ok =
      isRecord(t) &&
      typeof t.xorb === 'string' &&
      Number.isInteger(t.chunkStart) &&
      Number.isInteger(t.chunkEnd) &&
      (t.chunkEnd as number) > (t.chunkStart as number) &&
      typeof t.bytes === 'number' &&
      isRecord(t.range) &&
      Number.isInteger(t.range.start) &&
      Number.isInteger(t.range.end) &&
      typeof t.url === 'string';
    if (!ok) throw bad('with a term lacking xorb, chunks, range or url');
    const n = (t.chunkEnd as number) - (t.chunkStart as number);
    if (t.hashes !== undefined && !(t.hashes instanceof ChunkHashList)) throw bad(`with a term of xorb ${t.xorb} whose chunk hashes are not all 64 hex digits`);
    for (const list of [t.hashes, t.lengths]) if (list !== undefined && ((!Array.isArray(list) && !(list instanceof ChunkHashList)) || list.length !== n)) throw bad(`with a term of xorb ${t.xorb} whose chunk list does not match its ${n} chunks`);
  }
  return { ...(doc as Omit<Reconstruction, 'offset'>), offset: (doc.offset as number | undefined) ?? 0 };
}

/** A reconstruction answer (docs/protocol.md): `terms` start at file byte `offset` (0 unless a range was asked). */
export interface Reconstruction {
  size: number;
  xetHash?: string;
  offset: number;
  terms: ReconstructionTerm[];
}

/**
 * JSON.parse's reviver for a reconstruction: each term's `hashes` becomes a ChunkHashList as soon
 * as it is parsed, so the hex strings of one term die young instead of all of the file's living
 * until the answer is checked (14 MiB of heap for a 10 GiB model). A list with anything but 64
 * hex digits stays an array, and reconstructionAnswer refuses it.
 */
function packHashes(key: string, value: unknown): unknown {
  return key === 'hashes' && Array.isArray(value) ? (ChunkHashList.fromHex(value) ?? value) : value;
}

/** One term of a reconstruction response (docs/protocol.md): chunks [chunkStart, chunkEnd) of a xorb. */
export interface ReconstructionTerm {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  bytes: number;
  /** Byte range [start, end) of the term's records in the xorb. */
  range: { start: number; end: number };
  /** Where to fetch that range. */
  url: string;
  /** The chunk hashes of the term, in order (Xet hex on the wire, packed as they are parsed). */
  hashes?: ChunkHashList;
  /** The data length of each chunk of the term, in order. */
  lengths?: number[];
}

/** Chunk hashes per `chunks/missing` request (about 3.4 MB of JSON). */
export const MISSING_PER_REQUEST = 50_000;

/**
 * The chunk-API calls of the hub-chunks transfer, against one repository's base URL, one attempt
 * each (the queue retries). Every request carries `signal`: aborting it cancels it.
 */
export class ChunkApi {
  constructor(private readonly base: string, private readonly header: Record<string, string> = {}, readonly signal?: AbortSignal) {}

  /**
   * Which of `hashes` the server lacks, asked MISSING_PER_REQUEST at a time: hub serve takes at
   * most 100,000 hashes and 8 MiB per request (docs/protocol.md), and a 10 GiB file has ~160,000.
   */
  async missing(hashes: string[]): Promise<string[]> {
    const { signal } = this;
    const url = `${this.base}/chunks/missing`;
    const missing: string[] = [];
    for (let at = 0; at < hashes.length || at === 0; at += MISSING_PER_REQUEST) {
      const chunks = hashes.slice(at, at + MISSING_PER_REQUEST);
      const r = await requestJson<unknown>({ method: 'POST', url, body: { chunks }, what: 'asking for missing chunks', headers: this.header, expected: 'a list of missing chunks', signal });
      if (!isRecord(r) || !Array.isArray(r.missing) || !r.missing.every((h) => typeof h === 'string')) throw unexpectedAnswer(url, 'a list of missing chunks', 'JSON without a missing list');
      missing.push(...(r.missing as string[]));
    }
    return missing;
  }

  /**
   * Which of `xorbs` the server holds whole, every chunk of them ones the caller may name; or
   * undefined from a server that does not answer that (it ignores the question: hub serve before
   * it was asked), when every chunk must be asked about.
   */
  async heldXorbs(xorbs: readonly string[]): Promise<Set<string> | undefined> {
    const { signal } = this;
    const url = `${this.base}/chunks/missing`;
    const held = new Set<string>();
    for (let at = 0; at < xorbs.length; at += MISSING_PER_REQUEST) {
      const body = { chunks: [], xorbs: xorbs.slice(at, at + MISSING_PER_REQUEST) };
      const asked = new Set(body.xorbs);
      const r = await requestJson<unknown>({ method: 'POST', url, body, what: 'asking which xorbs the server holds', headers: this.header, expected: 'a list of missing chunks', signal });
      if (!isRecord(r) || r.held === undefined) return undefined;
      if (!Array.isArray(r.held) || !r.held.every((h) => typeof h === 'string' && asked.has(h))) throw unexpectedAnswer(url, 'a list of held xorbs', 'a "held" list that is not one of the xorbs asked');
      for (const h of r.held as string[]) held.add(h);
    }
    return held;
  }

  /** Uploads one xorb of `size` bytes, streamed from `body` (the server verifies it). */
  async putXorb(xorb: string, size: number, body: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    // a byte stream (not object mode): pieces are read as the socket takes them, one ahead at most, so progress follows the wire
    const res = await send(`${this.base}/xorbs/${xorb}`, { method: 'PUT', headers: { ...this.header, 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 }), signal: this.signal });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `uploading xorb ${xorb.slice(0, 12)}`, res.headers['retry-after']);
  }

  /**
   * Registers a file manifest (the server checks it). `onRegistering` is called once the server
   * says the check runs under a mark the pre-receive hook waits for (its NDJSON answer's first
   * line, docs/protocol.md "Upload"): the history may be sent from then on. A server that answers
   * in one piece (plain JSON) never calls it.
   */
  async putReconstruction(oid: string, manifest: unknown, onRegistering?: () => void): Promise<void> {
    const what = `registering ${oid.slice(0, 12)}`;
    const url = `${this.base}/reconstructions/${oid}`;
    const res = await send(url, { method: 'POST', headers: { ...this.header, accept: 'application/x-ndjson, application/json', 'content-type': 'application/json' }, body: JSON.stringify(manifest), signal: this.signal });
    if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').startsWith('application/x-ndjson')) {
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode > 299) throw errorForBody(res.statusCode, text, what, res.headers['retry-after']);
      if (text !== '') parseJsonAnswer(url, text, res.headers['content-type'], 'a registration answer'); // not a portal's page
      return;
    }
    let text = '';
    let told = false;
    try {
      for await (const piece of res.body) {
        text += (piece as Buffer).toString('utf8');
        const nl = text.indexOf('\n');
        if (!told && nl >= 0) {
          told = true;
          const first = parseOrUndefined(text.slice(0, nl)) as { registering?: unknown } | null | undefined;
          if (typeof first?.registering === 'string') onRegistering?.(); // not for an outcome alone
        }
      }
    } catch (err) {
      this.signal?.throwIfAborted();
      throw new NetworkError(`${what}: the answer was cut short (${(err as Error).message})`, { cause: err }, 'connection_failed');
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const last = parseOrUndefined(lines[lines.length - 1] ?? '') as { status?: unknown; oid?: unknown; retryAfter?: unknown } | null | undefined;
    if (lines.length < 2 || typeof last !== 'object' || last === null) throw new NetworkError(`${what}: the answer ended before the outcome`, {}, 'connection_failed');
    if (typeof last.status === 'number') throw errorForBody(last.status, lines[lines.length - 1], what, typeof last.retryAfter === 'number' ? String(last.retryAfter) : undefined);
    if (last.oid !== oid) throw new NetworkError(`${what}: the answer names ${String(last.oid)}`, { retriable: false }, 'bad_response');
  }

  /**
   * A file's terms with their xorb byte ranges: all of them, or with `range` (file bytes [start,
   * end)) those holding any of its bytes, `offset` being where the first of them starts in the
   * file. A server that does not read ranges answers the whole file, from offset 0.
   */
  async reconstruction(oid: string, range?: { start: number; end: number }): Promise<Reconstruction> {
    const { signal } = this;
    const url = `${this.base}/reconstructions/${oid}`;
    const headers = range ? { ...this.header, range: `bytes=${range.start}-${range.end - 1}` } : this.header;
    return reconstructionAnswer(url, await requestJson<unknown>({ method: 'GET', url, what: `reading ${oid.slice(0, 12)}`, headers, expected: 'a chunk reconstruction', signal, reviver: packHashes }));
  }

  /** Bytes [start, end) of a xorb, received straight into one buffer of that length (`alloc`'s, when given). */
  async range(url: string, start: number, end: number, alloc: (length: number) => Buffer = Buffer.allocUnsafe): Promise<Buffer> {
    const res = await send(url, { headers: { ...this.header, range: `bytes=${start}-${end - 1}` }, signal: this.signal });
    if (res.statusCode !== 206 && res.statusCode !== 200) throw errorForBody(res.statusCode, await res.body.text(), 'fetching chunks', res.headers['retry-after']);
    const want = end - start;
    const bytes = alloc(want);
    let at = 0;
    let extra = 0;
    try {
      for await (const part of res.body as AsyncIterable<Buffer>) {
        const n = Math.min(part.length, want - at);
        part.copy(bytes, at, 0, n);
        at += n;
        extra += part.length - n;
      }
    } catch (err) {
      this.signal?.throwIfAborted();
      throw new NetworkError(`connection lost while fetching chunks (${(err as Error).message})`, { cause: err }, 'connection_lost');
    }
    if (at + extra !== want) {
      // a complete answer of the wrong length (a dropped connection throws above): not the range asked for
      const head = bytes.subarray(0, Math.min(at, 100));
      if (res.statusCode === 200 || isHtml(res.headers['content-type'], head.toString('latin1'))) throw unexpectedAnswer(url, `bytes ${start}-${end - 1} of a xorb`, `${describeAnswer(res.headers['content-type'], head)} of ${at + extra} bytes (HTTP ${res.statusCode})`);
      throw new NetworkError(`short read of ${url}: ${at + extra} of ${want} bytes`, { retriable: true }, 'truncated');
    }
    return bytes;
  }
}

/**
 * undici request with connection failures as retriable NetworkErrors; a request cancelled by
 * its `signal` rejects with the signal's reason instead.
 */
export async function send(url: string, opts: Parameters<typeof request>[1]): Promise<Awaited<ReturnType<typeof request>>> {
  try {
    return await request(url, opts);
  } catch (err) {
    if (opts?.signal instanceof AbortSignal) opts.signal.throwIfAborted();
    throw new NetworkError(`cannot reach ${new URL(url).origin} (${(err as Error).message})`, { cause: err }, 'connection_failed');
  }
}

/** `text` parsed as JSON, or undefined when it is not JSON. */
function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
