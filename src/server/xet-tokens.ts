/**
 * The credentials of hub serve's Xet CAS (docs/protocol.md "Xet"): CAS access tokens and signed
 * fetch URLs, both HMAC-SHA256 with a secret kept in the server root (`xet-secret`, 32 random
 * bytes written 0600 on first start: server-key.ts), so they survive a restart, every server on
 * the root accepts the others' tokens, and nobody without the root can forge one. Nothing is
 * stored per token.
 *
 * - A CAS token (`xet1.<payload>.<mac>`, base64url) names one repository (type, owner, name and
 *   id: a repository deleted and created again under the same name is another one), a scope
 *   (`read` or `write`), the hub token it was issued for (none for an anonymous reader) and its
 *   expiry. The CAS re-checks the repository's access rule with that hub token's user on every
 *   request (xet-cas-access.ts), so a revoked hub token or a lost membership ends it at once.
 * - A fetch URL authorises exactly one Range value (`X-Xet-Signed-Range`) of one xorb as one
 *   repository serves it, until `Expires`: it carries no token (the JS client fetches ranges
 *   without an Authorization header, as it does from HF's CDN).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RepoType } from './metadata.js';

/** How long a CAS token and a fetch URL stay valid by default (15 minutes). */
export const XET_TOKEN_TTL_SECONDS = 900;

/** What a CAS token allows. */
export interface XetScope {
  scope: 'read' | 'write';
  repoId: number;
  type: RepoType;
  owner: string;
  name: string;
  /** The hub token the CAS token was issued for; undefined for an anonymous reader. */
  tokenId?: number;
  /** Unix seconds. */
  exp: number;
}

/** Issues and checks CAS tokens and fetch URLs. */
export interface XetTokens {
  /** A CAS token for `scope` (its `exp` is set here) and its expiry. */
  issue(scope: Omit<XetScope, 'exp'>): { accessToken: string; exp: number };
  /** The scope of a valid, unexpired CAS token, else undefined. */
  verify(token: string): XetScope | undefined;
  /** The query string that lets anyone GET `range` (a Range header value) of `xorb` as repository `repoId` serves it. */
  signFetch(repoId: number, xorb: string, range: string): string;
  /** The repository and Range value a fetch URL's query authorises for `xorb`, if its signature holds and it has not expired. */
  verifyFetch(xorb: string, query: URLSearchParams): { repoId: number; range: string } | undefined;
  /** How long tokens and fetch URLs last (a presigned URL of the object store is given the same). */
  readonly ttlSeconds: number;
}

const TOKEN_RE = /^xet1\.([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/;

/** Tokens signed with `secret`, valid for `ttlSeconds`. */
export function createXetTokens(secret: Buffer, opts: { ttlSeconds?: number; now?: () => number } = {}): XetTokens {
  const ttl = opts.ttlSeconds ?? XET_TOKEN_TTL_SECONDS;
  const now = () => Math.floor((opts.now ?? Date.now)() / 1000);
  const mac = (what: string) => createHmac('sha256', secret).update(what).digest();
  const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
  return {
    ttlSeconds: ttl,
    issue(scope) {
      const exp = now() + ttl;
      const payload = Buffer.from(JSON.stringify({ ...scope, exp })).toString('base64url');
      return { accessToken: `xet1.${payload}.${mac(`xet-cas\n${payload}`).toString('base64url')}`, exp };
    },
    verify(token) {
      const m = TOKEN_RE.exec(token);
      if (!m || !same(Buffer.from(m[2], 'base64url'), mac(`xet-cas\n${m[1]}`))) return undefined;
      let scope: XetScope;
      try {
        scope = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as XetScope;
      } catch {
        return undefined; // signed by us, so never: but a parse error must not become a 500
      }
      return typeof scope.exp === 'number' && scope.exp > now() ? scope : undefined;
    },
    signFetch(repoId, xorb, range) {
      const expires = now() + ttl;
      const q = new URLSearchParams({ 'X-Xet-Signed-Range': range, Expires: String(expires), Repo: String(repoId) });
      q.set('Signature', mac(`xet-fetch\n${repoId}\n${xorb}\n${range}\n${expires}`).toString('base64url'));
      return q.toString();
    },
    verifyFetch(xorb, query) {
      const range = query.get('X-Xet-Signed-Range') ?? '';
      const expires = Number(query.get('Expires'));
      const repoId = Number(query.get('Repo'));
      const signature = query.get('Signature') ?? '';
      if (!range || !Number.isSafeInteger(expires) || !Number.isSafeInteger(repoId) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return undefined;
      if (!same(Buffer.from(signature, 'base64url'), mac(`xet-fetch\n${repoId}\n${xorb}\n${range}\n${expires}`))) return undefined;
      return expires > now() ? { repoId, range } : undefined;
    },
  };
}
