/**
 * Access to hub serve's Xet CAS (docs/protocol.md "Xet"): the Xet token routes of the HF API
 * (`GET /api/{models,datasets}/OWNER/NAME/xet-{read,write}-token/REV`), which turn a hub token
 * into a CAS token, and the check of a CAS token on every CAS request.
 *
 * A token route checks access exactly as the rest of the HF API (hf-access.ts): read for a read
 * token, write for a write token; a repository the caller may not see is 404. Its answer is the
 * spec's `{accessToken, exp, casUrl}`. The revision is not checked: a CAS token is scoped to the
 * repository (xet-tokens.ts), and a write token is asked for before its branch exists.
 *
 * On a CAS request the token must verify and be unexpired (401 otherwise, so clients refresh it),
 * have the scope the route needs (403), name a repository that still exists under the id it was
 * issued for, and the hub token it was issued for must still be live and still allow the action
 * (access.ts): a CAS token never outlives the access it was derived from.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize, type Action, type Identity } from './access.js';
import { decodeSegment, hfRepo } from './hf-access.js';
import { HttpError, sendJson } from './http-util.js';
import type { XetBatchActions } from './lfs.js';
import type { Metadata, RepoRecord, RepoType, User } from './metadata.js';
import type { XetTokens } from './xet-tokens.js';

/** The path of the CAS under the server's base URL. */
export const XET_CAS_PATH = '/api/xet-cas';

/** A token route: which repository and scope. */
export interface XetTokenRoute {
  type: RepoType;
  owner: string;
  name: string;
  scope: 'read' | 'write';
  rev: string;
}

/** The token route the raw `pathname` names, if any. */
export function matchXetTokenRoute(pathname: string): XetTokenRoute | undefined {
  const m = /^\/api\/(models|datasets)\/([^/]+)\/([^/]+)\/xet-(read|write)-token(?:\/(.+))?$/.exec(pathname);
  if (!m) return undefined;
  return { type: m[1] === 'datasets' ? 'dataset' : 'model', owner: decodeSegment(m[2]), name: decodeSegment(m[3]), scope: m[4] as 'read' | 'write', rev: m[5] ? m[5].split('/').map(decodeSegment).join('/') : 'main' };
}

/** The token route of repository `repo` for `scope` (what a batch answer's `href` and a resolve's `xet-auth` link name). */
export function xetTokenUrl(base: string, repo: RepoRecord, scope: 'read' | 'write', rev = 'main'): string {
  return `${base}/api/${repo.type}s/${repo.owner}/${repo.name}/xet-${scope}-token/${encodeURIComponent(rev)}`;
}

/** A CAS token for `repo` and `id` (who must have the access `scope` needs). */
export function issueXetToken(tokens: XetTokens, repo: RepoRecord, id: Identity, scope: 'read' | 'write'): { accessToken: string; exp: number } {
  return tokens.issue({ scope, repoId: repo.id, type: repo.type, owner: repo.owner, name: repo.name, ...(id.tokenId !== undefined ? { tokenId: id.tokenId } : {}) });
}

/** GET on a token route: `{accessToken, exp, casUrl}`. */
export function handleXetToken(req: IncomingMessage, res: ServerResponse, route: XetTokenRoute, id: Identity, meta: Metadata, tokens: XetTokens, base: string): void {
  if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'GET' });
  const repo = hfRepo(meta, id, route.type, route.owner, route.name, route.scope);
  const { accessToken, exp } = issueXetToken(tokens, repo, id, route.scope);
  sendJson(res, 200, { accessToken, exp, casUrl: `${base}${XET_CAS_PATH}` }, { 'Cache-Control': 'no-store' });
}

/** The batch actions of the `xet` transfer for `repo` and caller `id` (lfs.ts). */
export function xetBatchActions(tokens: XetTokens, repo: RepoRecord, id: Identity, base: string): XetBatchActions {
  return {
    action(operation, ref, xetHash) {
      const scope = operation === 'upload' ? 'write' : 'read';
      const { accessToken, exp } = issueXetToken(tokens, repo, id, scope);
      const header: Record<string, string> = {
        'X-Xet-Cas-Url': `${base}${XET_CAS_PATH}`,
        'X-Xet-Access-Token': accessToken,
        'X-Xet-Token-Expiration': String(exp),
        'X-Xet-Session-Id': randomBytes(12).toString('hex'),
        ...(xetHash ? { 'X-Xet-Hash': xetHash } : {}),
      };
      return { href: xetTokenUrl(base, repo, scope, ref), header, expires_in: Math.max(0, exp - Math.floor(Date.now() / 1000)) };
    },
  };
}

/** Who a CAS request acts as, once its token checked out. */
export interface CasCaller {
  repo: RepoRecord;
  /** The user of the hub token the CAS token was issued for; undefined for an anonymous reader. */
  user?: User;
}

/** Checks the CAS token of `authorization` for `action`; throws the HTTP error a Xet client expects otherwise. */
export function casCaller(meta: Metadata, tokens: XetTokens, authorization: string | undefined, action: Action): CasCaller {
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) throw new HttpError(401, 'a Xet CAS request needs "Authorization: Bearer <Xet token>" (from the xet-read-token or xet-write-token route)', { 'WWW-Authenticate': 'Bearer realm="hub-xet"' });
  const scope = tokens.verify(m[1]);
  if (!scope) throw new HttpError(401, 'invalid or expired Xet token: ask the xet token route for a new one', { 'WWW-Authenticate': 'Bearer realm="hub-xet"' });
  if (action === 'write' && scope.scope !== 'write') throw new HttpError(403, 'this Xet token is read-only: ask the xet-write-token route for a write token');
  const repo = meta.getRepo(scope.type, scope.owner, scope.name);
  if (!repo || repo.id !== scope.repoId) throw new HttpError(401, 'the repository of this Xet token is gone', { 'WWW-Authenticate': 'Bearer realm="hub-xet"' });
  let identity: Identity = { write: false, invalidToken: false };
  if (scope.tokenId !== undefined) {
    const info = meta.getToken(scope.tokenId);
    const user = info && meta.getUser(info.user);
    if (!info || !user) throw new HttpError(401, 'the hub token this Xet token was issued for is revoked', { 'WWW-Authenticate': 'Bearer realm="hub-xet"' });
    identity = { user, write: info.write && scope.scope === 'write', invalidToken: false, tokenId: scope.tokenId };
  }
  const verdict = authorize(meta, identity, repo, action);
  if (!verdict.ok) throw new HttpError(403, `access to the repository of this Xet token was withdrawn (${verdict.message})`);
  return { repo, user: identity.user };
}
