/**
 * The `basic` transfer of the Git LFS API (any LFS server): whole objects by PUT and GET.
 * Downloads resume where a dropped connection left them with `Range: bytes=N-`; a server that
 * answers a range request with the whole object (200) makes the sink start over. `signal`
 * cancels the request in flight and any retry.
 */
import { Readable } from 'node:stream';
import { HubError, NetworkError } from '../errors.js';
import { errorForBody } from './http-client.js';
import { send, type LfsAction } from './lfs-client.js';
import { describeAnswer, unexpectedAnswer } from './remote-answer.js';
import { withRetries } from './retry.js';

const LFS = 'application/vnd.git-lfs+json';

/** `basic` upload: PUT the whole object from `body` (`size` bytes), then the verify action if any. */
export async function basicUpload(oid: string, size: number, upload: LfsAction, verify: LfsAction | undefined, body: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
  await withRetries(async () => {
    const res = await send(upload.href, { method: 'PUT', headers: { ...upload.header, 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: Readable.from(body()), signal });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `uploading ${oid.slice(0, 12)}`, res.headers['retry-after']);
  }, { signal });
  if (verify) {
    await withRetries(async () => {
      const v = await send(verify.href, { method: 'POST', headers: { ...verify.header, 'content-type': LFS }, body: JSON.stringify({ oid, size }), signal });
      const text = await v.body.text();
      if (v.statusCode !== 200) throw errorForBody(v.statusCode, text, `verifying ${oid.slice(0, 12)}`, v.headers['retry-after']);
    }, { signal });
  }
}

/** Where a basic download's bytes go. */
export interface DownloadSink {
  /** The next bytes of the object. */
  write(bytes: Uint8Array): void | Promise<void>;
  /** Forget everything written: the object is sent again from its first byte. */
  restart(): void | Promise<void>;
}

/**
 * `basic` download of `size` bytes to `sink`, retried and resumed (see the module comment);
 * returns the bytes that arrived over the network (more than `size` when a restart was needed).
 */
export async function basicDownload(oid: string, size: number, download: LfsAction, sink: DownloadSink, signal?: AbortSignal): Promise<number> {
  let have = 0; // bytes the sink holds
  let received = 0;
  await withRetries(async () => {
    const res = await send(download.href, { headers: { ...download.header, ...(have > 0 ? { range: `bytes=${have}-` } : {}) }, signal });
    if (res.statusCode !== 200 && res.statusCode !== 206) throw errorForBody(res.statusCode, await res.body.text(), `downloading ${oid.slice(0, 12)}`, res.headers['retry-after']);
    const from = res.statusCode === 206 ? rangeStart(res.headers['content-range']) : 0;
    if (from !== have) {
      if (from !== 0) {
        await res.body.dump();
        throw new NetworkError(`the server resumed ${oid.slice(0, 12)} at byte ${from}, not ${have}`, { retriable: true }, 'bad_range');
      }
      await sink.restart();
      have = 0;
    }
    const length = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
    if (length !== undefined && length !== size - have) {
      // a whole answer that cannot be (the rest of) the object: a login page, an error page sent with 200
      const body = length <= 1 << 20 ? await res.body.text() : (await res.body.dump(), '');
      throw unexpectedAnswer(download.href, `the ${size}-byte object ${oid.slice(0, 12)}`, `${describeAnswer(res.headers['content-type'], body)} of ${length} bytes`);
    }
    try {
      for await (const part of res.body as AsyncIterable<Buffer>) {
        received += part.length;
        have += part.length;
        await sink.write(part);
      }
    } catch (err) {
      signal?.throwIfAborted();
      if (err instanceof HubError || !(err instanceof Error)) throw err;
      throw new NetworkError(`connection lost while downloading ${oid.slice(0, 12)} after ${have} of ${size} bytes (${err.message})`, { cause: err }, 'connection_lost');
    }
    if (have < size) throw new NetworkError(`short read of ${oid.slice(0, 12)}: ${have} of ${size} bytes`, { retriable: true }, 'truncated');
  }, { signal });
  return received;
}

/** The first byte of a `Content-Range: bytes a-b/n` header (NaN when absent or malformed). */
function rangeStart(header: string | string[] | undefined): number {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(header ?? ''));
  return m ? Number(m[1]) : NaN;
}
