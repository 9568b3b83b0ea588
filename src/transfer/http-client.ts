/**
 * The one HTTP client of hub (undici). Every HTTP status becomes a HubError kind in exactly one
 * function, `errorForStatus`; connection failures become NetworkError.
 */
import type { Dispatcher } from 'undici';
import { request } from './undici-request.js';
import { retryAfterMs } from './retry.js';
import { HubError, ExitCode, NetworkError, NotFoundError, PermissionError, ConflictError, ProtocolError, UsageError } from '../errors.js';
import { isHtml, parseJsonAnswer } from './remote-answer.js';

/** Maps an HTTP error status (and the server's message) to the HubError a user should see. */
export function errorForStatus(status: number, message: string, what: string, retryAfter?: string, serverCode?: string): HubError {
  const text = `${what}: ${message || `HTTP ${status}`}`;
  if (status === 422 || status === 400) return new UsageError(text, { data: { status, ...(serverCode ? { serverCode } : {}) } }, 'bad_request');
  if (status === 401) return new PermissionError(text, { hint: 'pass --token or set HUB_TOKEN', data: { status } }, 'unauthorized');
  if (status === 403) return new PermissionError(text, { data: { status } }, 'forbidden');
  if (status === 404) return new NotFoundError(text, { data: { status } }, 'not_found');
  if (status === 409) return new ConflictError(text, { data: { status } }, 'conflict');
  if (status === 400 || status === 413 || status === 422) return new UsageError(text, { data: { status } }, 'bad_request');
  if (status === 511) return new NetworkError(`${what}: the network asks to log in first (HTTP 511, a captive portal)`, { retriable: false, hint: 'log in to the network (open any web page in a browser), then retry', data: { status } }, 'network_login');
  if (status >= 300 && status < 400) return new ProtocolError(`${what}: the server redirected (HTTP ${status}) instead of answering`, { data: { status } }, 'bad_response');
  if (status === 429 || status >= 500) return new NetworkError(text, { data: { status, retryAfterMs: retryAfterMs(retryAfter) }, retriable: true }, 'server_error');
  return new HubError('http_error', text, ExitCode.error, { data: { status } });
}

/**
 * The HubError for a non-2xx answer whose body is `text`: the server's own message (`error` or
 * `message` of a JSON body, as hub serve, Git LFS servers and the HF Hub send it), else the start
 * of the body (or "an HTML page" for one: a proxy's or captive portal's page is not a message).
 * hub serve's machine-readable `code` of a 400/422 is kept as `data.serverCode`.
 */
export function errorForBody(status: number, text: string, what: string, retryAfter?: string | string[]): HubError {
  let msg = isHtml(undefined, text) ? 'an HTML page' : text.slice(0, 200);
  let code: string | undefined;
  try {
    const doc = JSON.parse(text) as { error?: unknown; message?: unknown; code?: unknown };
    const said = typeof doc?.error === 'string' ? doc.error : typeof doc?.message === 'string' ? doc.message : undefined;
    if (said) msg = said;
    if (typeof doc?.code === 'string') code = doc.code;
  } catch {
    /* not JSON */
  }
  return errorForStatus(status, msg, what, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, code);
}

/** Options of a JSON request. */
export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  token?: string;
  body?: unknown;
  what: string;
  /** What a 2xx answer must be (for the error when it is not JSON), e.g. `a whoami answer`; default `JSON`. */
  expected?: string;
  /** Extra headers (e.g. an LFS action's `header`). */
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** JSON.parse's reviver for the answer (converts large lists as they are parsed). */
  reviver?: (key: string, value: unknown) => unknown;
}

/**
 * Sends a JSON request and returns the parsed JSON response (undefined for an empty one);
 * non-2xx statuses throw errorForBody, a 2xx answer that is not JSON a ProtocolError naming the
 * URL. The caller checks the shape of what it gets.
 */
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
  if (text === '') return undefined as T;
  return parseJsonAnswer(opts.url, text, res.headers['content-type'], opts.expected ?? 'JSON', opts.reviver) as T;
}
