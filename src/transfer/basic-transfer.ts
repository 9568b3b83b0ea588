/**
 * The `basic` adapter of the Git LFS API (any LFS server): whole objects by PUT and GET, one
 * attempt per call (the transfer queue retries). A download resumes where a dropped connection
 * left it with `Range: bytes=N-`; a server that answers a range request with the whole object
 * (200) makes the sink start over. `signal` cancels the request in flight.
 */
import { Readable } from 'node:stream';
import { HubError, NetworkError } from '../errors.js';
import { errorForBody } from './http-client.js';
import { send, type LfsAction } from './lfs-client.js';
import { anonymous, forAction, sendWithAuth, type Authenticator } from './lfs-auth.js';
import { describeAnswer, unexpectedAnswer } from './remote-answer.js';

const LFS = 'application/vnd.git-lfs+json';

/** `basic` upload: PUT the whole object from `body` (`size` bytes). */
export async function basicPut(oid: string, size: number, upload: LfsAction, body: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal?: AbortSignal, auth: Authenticator = anonymous): Promise<void> {
  const res = await sendWithAuth(forAction(auth, upload.header), upload.href, (headers) => send(upload.href, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 }), signal })); // read as the socket takes it: progress follows the wire
  const text = await res.body.text();
  if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `uploading ${oid.slice(0, 12)}`, res.headers['retry-after']);
}

/** The verify action after a `basic` upload. */
export async function basicVerify(oid: string, size: number, verify: LfsAction, signal?: AbortSignal, auth: Authenticator = anonymous): Promise<void> {
  const v = await sendWithAuth(forAction(auth, verify.header), verify.href, (headers) => send(verify.href, { method: 'POST', headers: { ...headers, 'content-type': LFS }, body: JSON.stringify({ oid, size }), signal }));
  const text = await v.body.text();
  if (v.statusCode !== 200) throw errorForBody(v.statusCode, text, `verifying ${oid.slice(0, 12)}`, v.headers['retry-after']);
}

/** Where a basic download's bytes go. */
export interface DownloadSink {
  /** The next bytes of the object. */
  write(bytes: Uint8Array): void | Promise<void>;
  /** Forget everything written: the object is sent again from its first byte. */
  restart(): void | Promise<void>;
}

/** A `basic` download of `size` bytes to `sink`; each `attempt` resumes where the last one stopped. */
export class BasicDownload {
  /** Bytes the sink holds. */
  private have = 0;
  /** Bytes that arrived over the network (more than `size` when a restart was needed). */
  received = 0;

  constructor(private readonly oid: string, private readonly size: number, private readonly download: LfsAction, private readonly sink: DownloadSink, private readonly signal?: AbortSignal, private readonly auth: Authenticator = anonymous) {}

  /** One request for the bytes the sink lacks. */
  async attempt(): Promise<void> {
    const { oid, size, download, sink, signal } = this;
    const res = await sendWithAuth(forAction(this.auth, download.header), download.href, (headers) => send(download.href, { headers: { ...headers, ...(this.have > 0 ? { range: `bytes=${this.have}-` } : {}) }, signal }));
    if (res.statusCode !== 200 && res.statusCode !== 206) throw errorForBody(res.statusCode, await res.body.text(), `downloading ${oid.slice(0, 12)}`, res.headers['retry-after']);
    const from = res.statusCode === 206 ? rangeStart(res.headers['content-range']) : 0;
    if (from !== this.have) {
      if (from !== 0) {
        await res.body.dump();
        throw new NetworkError(`the server resumed ${oid.slice(0, 12)} at byte ${from}, not ${this.have}`, { retriable: true }, 'bad_range');
      }
      await sink.restart();
      this.have = 0;
    }
    const length = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
    if (length !== undefined && length !== size - this.have) {
      // a whole answer that cannot be (the rest of) the object: a login page, an error page sent with 200
      const body = length <= 1 << 20 ? await res.body.text() : (await res.body.dump(), '');
      throw unexpectedAnswer(download.href, `the ${size}-byte object ${oid.slice(0, 12)}`, `${describeAnswer(res.headers['content-type'], body)} of ${length} bytes`);
    }
    try {
      for await (const part of res.body as AsyncIterable<Buffer>) {
        this.received += part.length;
        this.have += part.length;
        await sink.write(part);
      }
    } catch (err) {
      signal?.throwIfAborted();
      if (err instanceof HubError || !(err instanceof Error)) throw err;
      throw new NetworkError(`connection lost while downloading ${oid.slice(0, 12)} after ${this.have} of ${size} bytes (${err.message})`, { cause: err }, 'connection_lost');
    }
    if (this.have < size) throw new NetworkError(`short read of ${oid.slice(0, 12)}: ${this.have} of ${size} bytes`, { retriable: true }, 'truncated');
  }
}

/** The first byte of a `Content-Range: bytes a-b/n` header (NaN when absent or malformed). */
function rangeStart(header: string | string[] | undefined): number {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(header ?? ''));
  return m ? Number(m[1]) : NaN;
}
