/**
 * The http plugin isomorphic-git uses for smart HTTP (clone, fetch, push), built on undici so
 * git traffic shares hub's client: keep-alive, the token as Basic credentials (as `git clone
 * http://user:TOKEN@host/...` would send them), AbortSignal, and one status -> error map for the
 * failures isomorphic-git would otherwise report vaguely. A 2xx answer that is not git smart HTTP
 * (an HTML login page from a captive portal or proxy, a web page at a wrong URL) is a
 * ProtocolError naming the URL before isomorphic-git tries to parse it.
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { request } from './undici-request.js';
import { HubError, NetworkError } from '../errors.js';
import { anonymous, sendWithAuth, type Authenticator } from './lfs-auth.js';
import { errorForBody } from './http-client.js';
import { describeAnswer, mediaType, unexpectedAnswer } from './remote-answer.js';

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
 * Creates the plugin. Requests carry `auth`'s credentials (or `token` as Basic credentials); a
 * 401 to a request without a body (the ref advertisement, which comes first) is tried again when
 * `auth` finds credentials, as git asks its credential helper; a request with a body cannot be
 * replayed, so its 401 is final. `signal` cancels every request (isomorphic-git passes none of
 * its own), in flight or not yet sent.
 */
export function createGitHttp(opts: { token?: string; auth?: Authenticator; dispatcher?: Dispatcher; signal?: AbortSignal } = {}): GitHttpPlugin {
  const token = opts.token;
  const auth: Authenticator = opts.auth ?? (token ? { ...anonymous, headers: async () => ({ authorization: `Basic ${Buffer.from(`hub:${token}`).toString('base64')}` }) } : anonymous);
  return {
    async request(req) {
      let res;
      try {
        // a body cannot be sent twice: the authenticator hears of the 401 (and may explain it), but there is no retry
        const once: Authenticator = req.body ? { headers: (u) => auth.headers(u), unauthorized: async (u, sent) => (await auth.unauthorized(u, sent)) && false, succeeded: (u, sent) => auth.succeeded(u, sent) } : auth;
        res = await sendWithAuth(once, req.url, (headers) =>
          request(req.url, {
            method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
            headers: { ...req.headers, ...headers },
            body: req.body ? Readable.from(req.body) : undefined,
            dispatcher: opts.dispatcher,
            signal: req.signal ?? opts.signal,
          }),
        );
      } catch (err) {
        if (err instanceof HubError) throw err;
        (req.signal ?? opts.signal)?.throwIfAborted(); // cancelled, not unreachable
        throw new NetworkError(`cannot reach ${new URL(req.url).origin} (${(err as Error).message})`, { cause: err });
      }
      if (res.statusCode < 200 || res.statusCode > 299) throw errorForBody(res.statusCode, await res.body.text(), `git ${new URL(req.url).pathname}`, res.headers['retry-after']);
      const body = await checkedGitBody(req.url, res.headers['content-type'], res.body as AsyncIterable<Uint8Array>);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      return {
        url: req.url,
        method: req.method,
        headers,
        statusCode: res.statusCode,
        statusMessage: String(res.statusCode),
        body,
      };
    },
  };
}

/**
 * `plugin`, whose requests with a body (a push's pack, sent once isomorphic-git has read the
 * remote's refs and built it) wait for `ready` first: `hub push` reads the refs and packs the
 * history while its large-file content is still uploading, and sends the history only once the
 * content is on the server or being proven there under marks its pre-receive check waits for
 * (DESIGN §4: no ref moves before the content is held; core/sync/push.ts). When `ready` fails the
 * request is never sent, and fails with that error.
 */
export function sendsBodiesAfter(plugin: GitHttpPlugin, ready: Promise<unknown>): GitHttpPlugin {
  return {
    async request(req) {
      if (req.body) await ready;
      return plugin.request(req);
    },
  };
}

/**
 * The body of a git smart HTTP answer from `url`, after checking it is one: the media type git
 * http-backend, GitHub, GitLab and the HF Hub send (`application/x-git-upload-pack-advertisement`
 * and so on), or else a body that starts as git's does (a pkt-line, whose first one in a ref
 * advertisement is `# service=...`). The bytes read to check are given back in front.
 */
async function checkedGitBody(url: string, contentType: string | string[] | undefined, body: AsyncIterable<Uint8Array>): Promise<AsyncIterableIterator<Uint8Array>> {
  const path = new URL(url).pathname;
  const service = path.endsWith('/info/refs') ? new URL(url).searchParams.get('service') : /\/(git-upload-pack|git-receive-pack)$/.exec(path)?.[1];
  const it = body[Symbol.asyncIterator]();
  if (!service) return it as AsyncIterableIterator<Uint8Array>;
  const advertisement = path.endsWith('/info/refs');
  if (mediaType(contentType) === `application/x-${service}-${advertisement ? 'advertisement' : 'result'}`) return it as AsyncIterableIterator<Uint8Array>;
  const head: Uint8Array[] = [];
  let seen = 0;
  let done = false;
  while (seen < 16 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else {
      head.push(r.value);
      seen += r.value.length;
    }
  }
  const start = Buffer.concat(head).toString('latin1');
  const pktLine = advertisement ? /^[0-9a-f]{4}# service=/.test(start) : /^[0-9a-f]{4}/.test(start);
  if (!pktLine) {
    await it.return?.(); // frees the connection
    throw unexpectedAnswer(url, 'git smart HTTP', describeAnswer(contentType, start), { contentType: mediaType(contentType) });
  }
  return (async function* () {
    yield* head;
    if (!done) for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
}
