/**
 * Xet CAS credentials (Xet spec auth.md): a CAS URL and a bearer token that expires. The LFS batch
 * answer of the `xet` transfer carries the first one in its action's `header` (`X-Xet-Cas-Url`,
 * `X-Xet-Access-Token`, `X-Xet-Token-Expiration` in unix seconds, `X-Xet-Session-Id`), and its
 * `href` is the token route (`/api/{models|datasets}/OWNER/NAME/xet-{read|write}-token/REV`), which
 * a GET with the hub credentials answers with `{accessToken, exp, casUrl}`. A token is refreshed a
 * minute before it expires (the JS client's margin), or at once after the CAS refused it (401);
 * concurrent callers share one refresh.
 */
import { ProtocolError } from '../errors.js';
import { errorForBody } from './http-client.js';
import { sendWithAuth, type Authenticator } from './lfs-auth.js';
import { send, type LfsAction } from './lfs-client.js';
import { isRecord, parseJsonAnswer, unexpectedAnswer } from './remote-answer.js';

/** A CAS endpoint and a token for it. */
export interface XetAccess {
  casUrl: string;
  accessToken: string;
  /** Unix seconds. */
  exp: number;
}

/** Refresh this long before a token expires. */
const MARGIN_MS = 60_000;

/** Header names of a `xet` batch action (as Hugging Face sends them; compared case-insensitively). */
export const XET_HEADERS = { casUrl: 'x-xet-cas-url', token: 'x-xet-access-token', expiry: 'x-xet-token-expiration', session: 'x-xet-session-id', hash: 'x-xet-hash' } as const;

/** The value of header `name` (lower case) of an action, whatever its case there. */
export function actionHeader(action: LfsAction, name: string): string | undefined {
  for (const [k, v] of Object.entries(action.header ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** The CAS credentials for one token route; see the module comment. */
export class XetTokenSource {
  private current: XetAccess | undefined;
  private refreshing: Promise<XetAccess> | undefined;
  /** The session id the batch named, sent with every refresh. */
  readonly sessionId: string | undefined;

  /**
   * `action`: the batch action (its `href` is the token route, its header the first token, if
   * any); `auth` authenticates the refresh as it does the batch request.
   */
  constructor(private readonly action: LfsAction, private readonly auth: Authenticator, private readonly signal?: AbortSignal, private readonly now: () => number = Date.now) {
    this.sessionId = actionHeader(action, XET_HEADERS.session);
    const casUrl = actionHeader(action, XET_HEADERS.casUrl);
    const accessToken = actionHeader(action, XET_HEADERS.token);
    const exp = Number(actionHeader(action, XET_HEADERS.expiry));
    if (casUrl && accessToken && Number.isFinite(exp)) this.current = { casUrl: casUrl.replace(/\/+$/, ''), accessToken, exp };
  }

  /** A token valid for at least another minute (refreshed when needed). */
  async get(): Promise<XetAccess> {
    const c = this.current;
    if (c && c.exp * 1000 - this.now() > MARGIN_MS) return c;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The CAS refused `token` (401): the next `get` asks for a new one. */
  invalidate(token: string): void {
    if (this.current?.accessToken === token) this.current = undefined;
  }

  private async refresh(): Promise<XetAccess> {
    const url = this.action.href;
    // the route wants the hub credentials (the batch's), not the action's Xet headers
    const res = await sendWithAuth(this.auth, url, (headers) => send(url, { headers: { ...headers, accept: 'application/json', ...(this.sessionId ? { 'x-xet-session-id': this.sessionId } : {}) }, signal: this.signal }));
    const text = await res.body.text();
    if (res.statusCode !== 200) throw errorForBody(res.statusCode, text, 'asking for a Xet token', res.headers['retry-after']);
    const doc = parseJsonAnswer(url, text, res.headers['content-type'], 'a Xet token');
    if (!isRecord(doc) || typeof doc.accessToken !== 'string' || !doc.accessToken || typeof doc.casUrl !== 'string' || typeof doc.exp !== 'number') {
      throw unexpectedAnswer(url, 'a Xet token', 'JSON without accessToken, exp and casUrl');
    }
    try {
      new URL(doc.casUrl);
    } catch {
      throw new ProtocolError(`${url} answered a Xet token whose casUrl is not a URL`, { data: { url } });
    }
    this.current = { casUrl: doc.casUrl.replace(/\/+$/, ''), accessToken: doc.accessToken, exp: doc.exp };
    return this.current;
  }
}
