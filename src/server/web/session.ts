/**
 * Browser sessions of the web pages. Logging in with a token sets `hub_session`, an HttpOnly,
 * SameSite=Lax cookie holding the token sealed with AES-256-GCM under a key of the server root
 * (`<root>/web-session.key`, 0600, made on first start and shared by every server on that root):
 * the browser cannot read it, a copy of the cookie is useless elsewhere without the key, and
 * each request resolves the token again, so revoking it logs the session out. The session gives
 * read access on GET/HEAD web pages (and `resolve` downloads) only, never write access and never
 * on the API, git or LFS routes: a forged cross-site request can therefore change nothing, and
 * the only forms (log in, log out) carry a CSRF token bound to a `hub_csrf` cookie and are
 * refused from another origin.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Identity } from '../access.js';
import type { Metadata } from '../metadata.js';
import { serverKey } from '../server-key.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'hub_session';
/** Name of the CSRF nonce cookie. */
export const CSRF_COOKIE = 'hub_csrf';
/** How long a session lasts (seconds). */
export const SESSION_SECONDS = 7 * 24 * 3600;
const AAD = Buffer.from('hub_session v1');

/** The cookies of a request by name (the first of each). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '' && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** The key of `<root>/web-session.key`, created when missing (server-key.ts: shared by every server on the root). */
export function sessionKey(root: string): Buffer {
  return serverKey(root, 'web-session.key');
}

/** Seals and opens session cookies and CSRF tokens with one key. */
export class Sessions {
  constructor(private readonly key: Buffer, private readonly now: () => number = Date.now) {}

  /** The cookie value for a session of `token` (expiry inside, sealed). */
  seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const expires = Math.floor(this.now() / 1000) + SESSION_SECONDS;
    const body = Buffer.concat([cipher.update(`${expires}\n${token}`, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The token inside a cookie value, or undefined when it was not sealed here, was altered, or expired. */
  open(value: string): string | undefined {
    const raw = Buffer.from(value, 'base64url');
    if (raw.length < 29 || raw.length > 2048) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0 || Number(text.slice(0, nl)) * 1000 < this.now()) return undefined;
      return text.slice(nl + 1);
    } catch {
      return undefined;
    }
  }

  /** The read-only identity of a request's session cookie, if it holds a live token. */
  async identity(meta: Metadata, req: IncomingMessage): Promise<Identity | undefined> {
    const value = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const token = value === undefined ? undefined : this.open(value);
    const grant = token === undefined ? undefined : await meta.resolveToken(token);
    // write: false whatever the token allows: a cookie authorises reading pages, nothing else
    return grant ? { user: grant.user, write: false, invalidToken: false } : undefined;
  }

  /** The CSRF token that forms carry for the nonce of the `hub_csrf` cookie. */
  csrfToken(nonce: string): string {
    return createHmac('sha256', this.key).update(`csrf\n${nonce}`).digest('base64url');
  }

  /** True when `token` is the CSRF token of `nonce`. */
  checkCsrf(nonce: string | undefined, token: string | undefined): boolean {
    if (!nonce || !token) return false;
    const want = Buffer.from(this.csrfToken(nonce));
    const got = Buffer.from(token);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

/** A fresh CSRF nonce. */
export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** `Set-Cookie` values: a session, its removal, a CSRF nonce. */
export const cookies = {
  session: (value: string) => `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_SECONDS}`,
  clearSession: () => `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
  csrf: (nonce: string) => `${CSRF_COOKIE}=${nonce}; Path=/; HttpOnly; SameSite=Strict`,
};
