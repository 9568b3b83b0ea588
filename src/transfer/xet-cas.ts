/**
 * Client of a Xet CAS (Xet spec api.md), one attempt per call: the transfer queue retries and
 * schedules. Every call carries the token of an XetTokenSource; a 401 gets a fresh token and one
 * more try inside the call. Reconstructions are asked of `/v2/reconstructions` first and of
 * `/v1/reconstructions` when the CAS answers 404 or 501 there (remembered for the other calls of
 * this client), as xet-core does. Xorb ranges are fetched from the URLs the reconstruction hands
 * out, with exactly the byte range it names and no Authorization (they are presigned).
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { HubError, ProtocolError } from '../errors.js';
import { ByteRangesParser, byteRangesBoundary, type RangePiece } from '../formats/multipart-byteranges.js';
import { parseXetReconstruction, rangeHeader, type XetFetch, type XetReconstruction } from '../formats/xet-reconstruction.js';
import type { BufferPool } from '../fs/buffer-pool.js';
import { BodyPrefetch } from './body-prefetch.js';
import { errorForBody } from './http-client.js';
import { send } from './lfs-client.js';
import { describeAnswer, isRecord, parseJsonAnswer, unexpectedAnswer } from './remote-answer.js';
import type { XetAccess, XetTokenSource } from './xet-token.js';

type Response = Dispatcher.ResponseData<unknown>;

/** What one CAS client did, for tests and `--verbose`. */
export interface XetCasCounts {
  reconstructions: number;
  ranges: number;
  xorbsSent: number;
  shardsSent: number;
  dedupQueries: number;
}

/** The CAS calls hub makes; see the module comment. */
export class XetCas {
  /** Which reconstruction route answers: unknown until the first call. */
  private version: 1 | 2 | undefined;
  readonly counts: XetCasCounts = { reconstructions: 0, ranges: 0, xorbsSent: 0, shardsSent: 0, dedupQueries: 0 };

  constructor(readonly tokens: XetTokenSource, readonly signal?: AbortSignal) {}

  /** Sends `request(access)`; after a 401, once more with a fresh token. The body of a 401 is dropped. */
  private async authorized(request: (access: XetAccess) => Promise<Response>): Promise<Response> {
    const access = await this.tokens.get();
    const res = await request(access);
    if (res.statusCode !== 401) return res;
    await res.body.dump();
    this.tokens.invalidate(access.accessToken);
    return request(await this.tokens.get());
  }

  private headers(access: XetAccess, extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${access.accessToken}`, ...(this.tokens.sessionId ? { 'x-xet-session-id': this.tokens.sessionId } : {}), ...extra };
  }

  /**
   * The reconstruction of the file with Xet hash `fileHash`, or of bytes [start, end) of it; with
   * `chunkHashes`, asking for hub serve's extension (each term's chunk hashes and lengths, which
   * other servers leave out: docs/protocol.md "Chunk hashes in a reconstruction").
   */
  async reconstruction(fileHash: string, bytes?: { start: number; end: number }, opts: { chunkHashes?: boolean } = {}): Promise<XetReconstruction> {
    const range: Record<string, string> = { ...(bytes ? { range: `bytes=${bytes.start}-${bytes.end - 1}` } : {}), ...(opts.chunkHashes ? { 'x-hub-chunk-hashes': '1' } : {}) };
    const get = (version: 1 | 2): Promise<{ url: string; res: Response }> => {
      let url = '';
      return this.authorized((access) => send((url = `${access.casUrl}/v${version}/reconstructions/${fileHash}`), { headers: this.headers(access, { accept: 'application/json', ...range }), signal: this.signal })).then((res) => ({ url, res }));
    };
    this.counts.reconstructions++;
    let { url, res } = await get(this.version ?? 2);
    if (this.version === undefined) {
      if (res.statusCode === 404 || res.statusCode === 501) {
        await res.body.dump();
        ({ url, res } = await get(1));
        if (res.statusCode === 200) this.version = 1;
      } else if (res.statusCode === 200) this.version = 2;
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `reading the reconstruction of Xet file ${fileHash.slice(0, 12)}`, res.headers['retry-after']);
    const doc = parseJsonAnswer(url, text, res.headers['content-type'], 'a Xet reconstruction');
    try {
      return parseXetReconstruction(doc);
    } catch (err) {
      throw unexpectedAnswer(url, 'a Xet reconstruction', `JSON with ${(err as Error).message}`);
    }
  }

  /**
   * Starts `fetch` (exactly its signed Range value; several ranges come back as
   * multipart/byteranges); the body is read ahead up to `prefetch` bytes, into `pool`'s buffers
   * when given. An answer that is not 206 with exactly those ranges is refused before any byte
   * is used.
   */
  async openFetch(fetch: XetFetch, prefetch: number, pool?: BufferPool): Promise<FetchBody> {
    this.counts.ranges++;
    const value = rangeHeader(fetch);
    const what = `${value} of xorb ${fetch.xorb.slice(0, 12)}`;
    const res = await send(fetch.url, { headers: { range: value }, signal: this.signal });
    if (res.statusCode !== 206) {
      const text = await res.body.text();
      if (res.statusCode === 200) throw unexpectedAnswer(fetch.url, what, `the whole resource (HTTP 200, ${describeAnswer(res.headers['content-type'], text)})`);
      throw errorForBody(res.statusCode, text, `fetching ${what}`, res.headers['retry-after']);
    }
    const ranges = fetch.ranges.map((r) => ({ start: r.byteStart, end: r.byteEnd }));
    let parser: ByteRangesParser | undefined;
    if (ranges.length > 1) {
      const boundary = byteRangesBoundary(String(res.headers['content-type'] ?? ''));
      if (!boundary) {
        await res.body.dump();
        throw unexpectedAnswer(fetch.url, `multipart/byteranges of ${what}`, `${String(res.headers['content-type'] ?? 'no content type')}`);
      }
      parser = new ByteRangesParser(boundary, ranges);
    } else {
      const cr = res.headers['content-range'];
      const want = `bytes ${ranges[0].start}-${ranges[0].end - 1}/`;
      if (typeof cr !== 'string' || !cr.startsWith(want)) {
        await res.body.dump();
        throw new ProtocolError(`${fetch.url} answered range ${String(cr)}, not ${want}…`, { data: { url: fetch.url } }, 'bad_range');
      }
    }
    return new FetchBody(new BodyPrefetch(res.body as unknown as AsyncIterable<Buffer> & { destroy(): unknown }, prefetch, what, this.signal, pool), fetch, parser, pool);
  }

  /** Uploads a serialized xorb (`POST /v1/xorbs/default/HASH`); true when the CAS did not have it. */
  async putXorb(hash: string, size: number, body: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<boolean> {
    this.counts.xorbsSent++;
    let url = '';
    const res = await this.authorized((access) =>
      send((url = `${access.casUrl}/v1/xorbs/default/${hash}`), {
        method: 'POST',
        headers: this.headers(access, { 'content-type': 'application/octet-stream', 'content-length': String(size) }),
        body: Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 }),
        signal: this.signal,
      }),
    );
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `uploading xorb ${hash.slice(0, 12)}`, res.headers['retry-after']);
    const doc = parseJsonAnswer(url, text, res.headers['content-type'], 'a xorb upload answer');
    if (!isRecord(doc) || typeof doc.was_inserted !== 'boolean') throw unexpectedAnswer(url, 'a xorb upload answer', 'JSON without was_inserted');
    return doc.was_inserted;
  }

  /** Uploads a shard without footer (`POST /v1/shards`), registering its files. */
  async putShard(shard: Uint8Array): Promise<void> {
    this.counts.shardsSent++;
    const res = await this.authorized((access) =>
      send(`${access.casUrl}/v1/shards`, { method: 'POST', headers: this.headers(access, { 'content-type': 'application/octet-stream', 'content-length': String(shard.length) }), body: Buffer.from(shard.buffer, shard.byteOffset, shard.byteLength), signal: this.signal }),
    );
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, 'uploading the shard of the pushed files', res.headers['retry-after']);
  }

  /** The global dedup answer for a chunk (`GET /v1/chunks/default-merkledb/HASH`): a shard, or undefined when the CAS knows no xorb for it (404). */
  async dedup(chunkHash: string): Promise<Uint8Array | undefined> {
    this.counts.dedupQueries++;
    const res = await this.authorized((access) => send(`${access.casUrl}/v1/chunks/default-merkledb/${chunkHash}`, { headers: this.headers(access), signal: this.signal }));
    if (res.statusCode === 404) {
      await res.body.dump();
      return undefined;
    }
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, await res.body.text(), `asking the CAS about chunk ${chunkHash.slice(0, 12)}`, res.headers['retry-after']);
    return new Uint8Array(await res.body.arrayBuffer());
  }
}

/** True for the CAS's refusal of a signed URL (expired): the reconstruction is asked again for fresh ones. */
export function isExpiredUrl(err: unknown): boolean {
  return err instanceof HubError && err.data?.status === 403;
}

/** A piece of a fetch's body: bytes of range `part`; `release` once nothing references `data` (its buffer is reused then; never calling it leaves it to the garbage collector). */
export interface FetchPiece extends RangePiece {
  release: () => void;
}

/**
 * The body of one fetch as pieces tagged with the range they belong to. Framing the server gets
 * wrong (a multipart part of another range, a body that ends early) is a ProtocolError.
 */
export class FetchBody {
  private queued: FetchPiece[] = [];
  private ended = false;
  /** Body bytes received (multipart framing included). */
  received = 0;

  constructor(private readonly body: BodyPrefetch, private readonly fetch: XetFetch, private readonly parser?: ByteRangesParser, private readonly pool?: BufferPool) {}

  /** The next piece, or undefined at the end of the body. */
  async next(): Promise<FetchPiece | undefined> {
    for (;;) {
      const q = this.queued.shift();
      if (q) return q;
      if (this.ended) return undefined;
      const buf = await this.body.next();
      if (buf === undefined) {
        this.ended = true;
        try {
          this.parser?.end();
        } catch (err) {
          throw new ProtocolError(`${this.fetch.url}: ${(err as Error).message}`, { data: { url: this.fetch.url } }, 'bad_range');
        }
        return undefined;
      }
      this.received += buf.length;
      let pieces: RangePiece[];
      try {
        pieces = this.parser ? this.parser.push(buf) : [{ part: 0, data: buf }];
      } catch (err) {
        throw new ProtocolError(`${this.fetch.url}: ${(err as Error).message}`, { data: { url: this.fetch.url } }, 'bad_range');
      }
      // the buffer goes back to the pool once every piece cut from it is released
      let holds = pieces.length;
      const pool = this.pool;
      if (!holds) pool?.give(buf);
      this.queued = pieces.map((p) => {
        let released = false;
        return {
          ...p,
          release: () => {
            if (released) return;
            released = true;
            if (--holds === 0) pool?.give(buf);
          },
        };
      });
    }
  }

  /** Stops reading (the connection is closed). */
  cancel(): void {
    this.body.cancel();
  }
}
