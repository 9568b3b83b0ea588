/**
 * The one HTTP client of hub (undici). Every HTTP status becomes a HubError kind in exactly one
 * function, `errorForStatus`; connection failures become NetworkError.
 */
import { request, type Dispatcher } from 'undici';
import { retryAfterMs } from './retry.js';
import { HubError, ExitCode, NetworkError, NotFoundError, PermissionError, ConflictError, UsageError } from '../errors.js';

/** Maps an HTTP error status (and the server's message) to the HubError a user should see. */
export function errorForStatus(status: number, message: string, what: string, retryAfter?: string): HubError {
  const text = `${what}: ${message || `HTTP ${status}`}`;
  if (status === 401) return new PermissionError(text, { hint: 'pass --token or set HUB_TOKEN', data: { status } }, 'unauthorized');
  if (status === 403) return new PermissionError(text, { data: { status } }, 'forbidden');
  if (status === 404) return new NotFoundError(text, { data: { status } }, 'not_found');
  if (status === 409) return new ConflictError(text, { data: { status } }, 'conflict');
  if (status === 400 || status === 413 || status === 422) return new UsageError(text, { data: { status } }, 'bad_request');
  if (status === 429 || status >= 500) return new NetworkError(text, { data: { status, retryAfterMs: retryAfterMs(retryAfter) }, retriable: true }, 'server_error');
  return new HubError('http_error', text, ExitCode.error, { data: { status } });
}

/**
 * The HubError for a non-2xx answer whose body is `text`: the server's own message (`error` or
 * `message` of a JSON body, as hub serve, Git LFS servers and the HF Hub send it), else the start
 * of the body.
 */
export function errorForBody(status: number, text: string, what: string, retryAfter?: string | string[]): HubError {
  let msg = text.slice(0, 200);
  try {
    const doc = JSON.parse(text) as { error?: unknown; message?: unknown };
    const said = typeof doc?.error === 'string' ? doc.error : typeof doc?.message === 'string' ? doc.message : undefined;
    if (said) msg = said;
  } catch {
    /* not JSON */
  }
  return errorForStatus(status, msg, what, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
}

/** Options of a JSON request. */
export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  token?: string;
  body?: unknown;
  what: string;
  /** Extra headers (e.g. an LFS action's `header`). */
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

/** Sends a JSON request and returns the parsed JSON response; non-2xx statuses throw. */
export async function requestJson<T>(opts: JsonRequest): Promise<T> {
  let res;
  try {
    res = await request(opts.url, {
      method: opts.method,
      headers: {
        accept: 'application/json',
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      dispatcher: opts.dispatcher,
      signal: opts.signal,
    });
  } catch (err) {
    opts.signal?.throwIfAborted(); // cancelled, not unreachable
    throw new NetworkError(`${opts.what}: cannot reach ${new URL(opts.url).origin} (${(err as Error).message})`, { cause: err });
  }
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode > 299) throw errorForBody(res.statusCode, text, opts.what, res.headers['retry-after']);
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    return undefined as T;
  }
}
