/**
 * Client of the Git LFS Batch API and of the `hub-chunks` transfer (docs/protocol.md). Moves
 * bytes only; deciding what to send is the caller's job. Every status becomes a HubError in
 * errorForStatus.
 */
import { request } from 'undici';
import { NetworkError } from '../errors.js';
import { errorForBody, errorForStatus, requestJson } from './http-client.js';
import { withRetries } from './retry.js';

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

/** POST …/objects/batch; `signal` cancels the request (and any retry). */
export function lfsBatch(lfsUrl: string, operation: 'upload' | 'download', objects: Array<{ oid: string; size: number }>, token?: string, signal?: AbortSignal): Promise<{ transfer: string; objects: BatchObject[] }> {
  return withRetries(() => lfsBatchOnce(lfsUrl, operation, objects, token, signal), { signal });
}

async function lfsBatchOnce(lfsUrl: string, operation: 'upload' | 'download', objects: Array<{ oid: string; size: number }>, token: string | undefined, signal: AbortSignal | undefined): Promise<{ transfer: string; objects: BatchObject[] }> {
  let res;
  try {
    res = await request(`${lfsUrl}/objects/batch`, {
      method: 'POST',
      headers: { accept: LFS, 'content-type': LFS, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ operation, transfers: ['hub-chunks', 'basic'], objects, hash_algo: 'sha256' }),
      signal,
    });
  } catch (err) {
    signal?.throwIfAborted();
    throw new NetworkError(`LFS batch: cannot reach ${new URL(lfsUrl).origin} (${(err as Error).message})`, { cause: err });
  }
  const text = await res.body.text();
  if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, `LFS ${operation}`, res.headers['retry-after']);
  return JSON.parse(text);
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
  /** The chunk hashes (Xet hex) of the term, in order. */
  hashes?: string[];
  /** The data length of each chunk of the term, in order. */
  lengths?: number[];
}

/**
 * The chunk-API calls of the hub-chunks transfer, against one repository's base URL. Every
 * request carries `signal`: aborting it cancels requests in flight and stops retries.
 */
export class ChunkApi {
  constructor(private readonly base: string, private readonly header: Record<string, string> = {}, readonly signal?: AbortSignal) {}

  /** Which of `hashes` the server lacks. */
  async missing(hashes: string[]): Promise<string[]> {
    const { signal } = this;
    const r = await withRetries(() => requestJson<{ missing: string[] }>({ method: 'POST', url: `${this.base}/chunks/missing`, body: { chunks: hashes }, what: 'asking for missing chunks', headers: this.header, signal }), { signal });
    return r.missing;
  }

  /** Uploads one xorb (the server verifies it). */
  async putXorb(xorb: string, bytes: Uint8Array): Promise<void> {
    const { signal } = this;
    await withRetries(async () => {
      const res = await send(`${this.base}/xorbs/${xorb}`, { method: 'PUT', headers: { ...this.header, 'content-type': 'application/octet-stream' }, body: bytes, signal });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw errorForStatus(res.statusCode, text.slice(0, 200), `uploading xorb ${xorb.slice(0, 12)}`, res.headers['retry-after'] as string | undefined);
    }, { signal });
  }

  /** Registers a file manifest (the server reassembles and checks it). */
  async putReconstruction(oid: string, manifest: unknown): Promise<void> {
    const { signal } = this;
    await withRetries(() => requestJson({ method: 'POST', url: `${this.base}/reconstructions/${oid}`, body: manifest, what: `registering ${oid.slice(0, 12)}`, headers: this.header, signal }), { signal });
  }

  /** A file's terms with their xorb byte ranges. */
  async reconstruction(oid: string): Promise<{ size: number; xetHash?: string; terms: ReconstructionTerm[] }> {
    const { signal } = this;
    return withRetries(() => requestJson({ method: 'GET', url: `${this.base}/reconstructions/${oid}`, what: `reading ${oid.slice(0, 12)}`, headers: this.header, signal }), { signal });
  }

  /** Bytes [start, end) of a xorb. */
  async range(url: string, start: number, end: number): Promise<Buffer> {
    const { signal } = this;
    return withRetries(async () => {
      const res = await send(url, { headers: { ...this.header, range: `bytes=${start}-${end - 1}` }, signal });
      if (res.statusCode !== 206 && res.statusCode !== 200) throw errorForStatus(res.statusCode, (await res.body.text()).slice(0, 200), 'fetching chunks', res.headers['retry-after'] as string | undefined);
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await res.body.arrayBuffer());
      } catch (err) {
        throw new NetworkError(`connection lost while fetching chunks (${(err as Error).message})`, { cause: err }, 'connection_lost');
      }
      if (bytes.length !== end - start) throw new NetworkError(`short read of ${url}: ${bytes.length} of ${end - start} bytes`, { retriable: true }, 'truncated');
      return bytes;
    }, { signal });
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
