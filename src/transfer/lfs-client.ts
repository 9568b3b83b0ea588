/**
 * Client of the Git LFS Batch API and of the `hub-chunks` transfer (docs/protocol.md). Moves
 * bytes only; deciding what to send is the caller's job. Every status becomes a HubError in
 * errorForStatus.
 */
import { Readable } from 'node:stream';
import { request } from 'undici';
import { NetworkError } from '../errors.js';
import { errorForStatus, requestJson } from './http-client.js';

const LFS = 'application/vnd.git-lfs+json';

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

/** `<remote>.git/info/lfs` for a remote URL (git-lfs's rule). */
export function lfsEndpoint(remoteUrl: string): string {
  const u = remoteUrl.replace(/\/$/, '');
  return u.endsWith('.git') ? `${u}/info/lfs` : `${u}.git/info/lfs`;
}

/** POST …/objects/batch. */
export async function lfsBatch(lfsUrl: string, operation: 'upload' | 'download', objects: Array<{ oid: string; size: number }>, token?: string): Promise<{ transfer: string; objects: BatchObject[] }> {
  let res;
  try {
    res = await request(`${lfsUrl}/objects/batch`, {
      method: 'POST',
      headers: { accept: LFS, 'content-type': LFS, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ operation, transfers: ['hub-chunks', 'basic'], objects, hash_algo: 'sha256' }),
    });
  } catch (err) {
    throw new NetworkError(`LFS batch: cannot reach ${new URL(lfsUrl).origin} (${(err as Error).message})`, { cause: err });
  }
  const text = await res.body.text();
  if (res.statusCode !== 200) {
    let msg = text.slice(0, 200);
    try {
      msg = (JSON.parse(text) as { message?: string }).message ?? msg;
    } catch {
      /* not JSON */
    }
    throw errorForStatus(res.statusCode, msg, `LFS ${operation}`);
  }
  return JSON.parse(text);
}

/** The chunk-API calls of the hub-chunks transfer, against one repository's base URL. */
export class ChunkApi {
  constructor(private readonly base: string, private readonly header: Record<string, string> = {}) {}

  /** Which of `hashes` the server lacks. */
  async missing(hashes: string[]): Promise<string[]> {
    const r = await requestJson<{ missing: string[] }>({ method: 'POST', url: `${this.base}/chunks/missing`, body: { chunks: hashes }, what: 'asking for missing chunks', headers: this.header });
    return r.missing;
  }

  /** Uploads one xorb (the server verifies it). */
  async putXorb(xorb: string, bytes: Uint8Array): Promise<void> {
    const res = await request(`${this.base}/xorbs/${xorb}`, { method: 'PUT', headers: { ...this.header, 'content-type': 'application/octet-stream' }, body: bytes });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForStatus(res.statusCode, text.slice(0, 200), `uploading xorb ${xorb.slice(0, 12)}`);
  }

  /** Registers a file manifest (the server reassembles and checks it). */
  async putReconstruction(oid: string, manifest: unknown): Promise<void> {
    await requestJson({ method: 'POST', url: `${this.base}/reconstructions/${oid}`, body: manifest, what: `registering ${oid.slice(0, 12)}`, headers: this.header });
  }

  /** A file's terms with their xorb byte ranges. */
  async reconstruction(oid: string): Promise<{ size: number; terms: Array<{ xorb: string; bytes: number; range: { start: number; end: number }; url: string; hashes?: string[] }> }> {
    return requestJson({ method: 'GET', url: `${this.base}/reconstructions/${oid}`, what: `reading ${oid.slice(0, 12)}`, headers: this.header });
  }

  /** Bytes [start, end) of a xorb. */
  async range(url: string, start: number, end: number): Promise<Buffer> {
    const res = await request(url, { headers: { ...this.header, range: `bytes=${start}-${end - 1}` } });
    if (res.statusCode !== 206 && res.statusCode !== 200) throw errorForStatus(res.statusCode, (await res.body.text()).slice(0, 200), 'fetching chunks');
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (bytes.length !== end - start) throw new NetworkError(`short read of ${url}: ${bytes.length} of ${end - start} bytes`, { retriable: true }, 'truncated');
    return bytes;
  }
}

/** `basic` upload: PUT the whole object from `body` (`size` bytes), then the verify action if any. */
export async function basicUpload(oid: string, size: number, upload: LfsAction, verify: LfsAction | undefined, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  const res = await request(upload.href, { method: 'PUT', headers: { ...upload.header, 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: Readable.from(body) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw errorForStatus(res.statusCode, text.slice(0, 200), `uploading ${oid.slice(0, 12)}`);
  if (verify) {
    const v = await request(verify.href, { method: 'POST', headers: { ...verify.header, 'content-type': LFS }, body: JSON.stringify({ oid, size }) });
    await v.body.dump();
    if (v.statusCode !== 200) throw errorForStatus(v.statusCode, '', `verifying ${oid.slice(0, 12)}`);
  }
}

/** `basic` download: the object's bytes, streamed to `sink`; returns how many arrived. */
export async function basicDownload(oid: string, download: LfsAction, sink: (bytes: Uint8Array) => Promise<void>): Promise<number> {
  const res = await request(download.href, { headers: download.header });
  if (res.statusCode !== 200) throw errorForStatus(res.statusCode, (await res.body.text()).slice(0, 200), `downloading ${oid.slice(0, 12)}`);
  let received = 0;
  for await (const part of res.body as AsyncIterable<Buffer>) {
    received += part.length;
    await sink(part);
  }
  return received;
}
