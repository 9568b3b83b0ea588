/**
 * The http plugin isomorphic-git uses for smart HTTP (clone, fetch, push), built on undici so
 * git traffic shares hub's client: keep-alive, the token as Basic credentials (as `git clone
 * http://user:TOKEN@host/...` would send them), AbortSignal, and one status -> error map for the
 * failures isomorphic-git would otherwise report vaguely.
 */
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { NetworkError } from '../errors.js';
import { errorForStatus } from './http-client.js';

/** isomorphic-git's GitHttpRequest, as far as hub uses it. */
export interface GitHttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: AsyncIterableIterator<Uint8Array>;
  signal?: AbortSignal;
}

/** isomorphic-git's GitHttpResponse. */
export interface GitHttpResponse {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: AsyncIterableIterator<Uint8Array>;
  statusCode: number;
  statusMessage: string;
}

/** The plugin object isomorphic-git takes as `http`. */
export interface GitHttpPlugin {
  request(req: GitHttpRequest): Promise<GitHttpResponse>;
}

/**
 * Creates the plugin; `token` (if any) goes as Basic credentials on every request, and `signal`
 * cancels every request (isomorphic-git passes none of its own), in flight or not yet sent.
 */
export function createGitHttp(opts: { token?: string; dispatcher?: Dispatcher; signal?: AbortSignal } = {}): GitHttpPlugin {
  const auth = opts.token ? `Basic ${Buffer.from(`hub:${opts.token}`).toString('base64')}` : undefined;
  return {
    async request(req) {
      let res;
      try {
        res = await request(req.url, {
          method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
          headers: { ...req.headers, ...(auth ? { authorization: auth } : {}) },
          body: req.body ? Readable.from(req.body) : undefined,
          dispatcher: opts.dispatcher,
          signal: req.signal ?? opts.signal,
        });
      } catch (err) {
        (req.signal ?? opts.signal)?.throwIfAborted(); // cancelled, not unreachable
        throw new NetworkError(`cannot reach ${new URL(req.url).origin} (${(err as Error).message})`, { cause: err });
      }
      if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404) {
        const text = await res.body.text();
        let message = text.slice(0, 200);
        try {
          message = (JSON.parse(text) as { error?: string }).error ?? message;
        } catch {
          /* not JSON */
        }
        throw errorForStatus(res.statusCode, message, `git ${new URL(req.url).pathname}`);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      return {
        url: req.url,
        method: req.method,
        headers,
        statusCode: res.statusCode,
        statusMessage: String(res.statusCode),
        body: (res.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array>,
      };
    },
  };
}
