/**
 * Who is asking (`identify`) and whether they may (`authorize`): the access policy of
 * `hub serve` (DESIGN.md §5, issue 4). Pure apart from the Metadata look-ups.
 *
 * The access-control matrix (status of `authorize`; "ok" = allowed):
 *
 * | identity                        | public read | public write | private read | private write | missing repo |
 * | ------------------------------- | ----------- | ------------ | ------------ | ------------- | ------------ |
 * | invalid token (any repo)        | 401         | 401          | 401          | 401           | 401          |
 * | anonymous                       | ok          | 401          | 401          | 401           | 401          |
 * | read token, member or owner     | ok          | 403 (1)      | ok           | 403 (1)       | 404          |
 * | write token, owner/write member | ok          | ok           | ok           | ok            | 404          |
 * | write token, read-only member   | ok          | 403 (2)      | ok           | 403 (2)       | 404          |
 * | read token, other user          | ok          | 403 (1)      | 404          | 404           | 404          |
 * | write token, other user         | ok          | 403 (2)      | 404          | 404           | 404          |
 * | admin, write token              | ok          | ok           | ok           | ok            | 404          |
 * | admin, read token               | ok          | 403 (1)      | ok           | 403 (1)       | 404          |
 *
 * Messages: 401 "invalid token" or "authentication required", 404 "repository not found",
 * (1) 403 "token is read-only", (2) 403 "write access denied".
 *
 * Reasons: a repository the identity may not see answers exactly as a missing one, so private
 * names do not leak; anonymous callers get 401 rather than 404 so that git and git-lfs clients
 * retry with credentials (send `WWW-Authenticate: wwwAuthenticate()` with every 401). A member
 * without write access already knows the repository exists, so a write answers 403 for them.
 * No message names the repository: callers add the name only when the repository is visible.
 */
import { HttpError } from './http-error.js';
import type { Metadata, RepoRecord, User } from './metadata.js';

/** The caller of a request: a user with what their token grants, anonymous, or a bad token. */
export interface Identity {
  user?: User;
  write: boolean;
  invalidToken: boolean;
  /** The id of the token used (for per-token limits and `DELETE /api/tokens/ID`). */
  tokenId?: number;
}

/** What a request wants to do to a repository. */
export type Action = 'read' | 'write';

/** The verdict of `authorize`: allowed, or the HTTP status and message to answer with. */
export type Decision = { ok: true } | { ok: false; status: 401 | 403 | 404; message: string };

/**
 * The identity behind an `Authorization` header: `Bearer <token>`, or `Basic base64(user:token)`
 * (git's form; the user name is ignored, the password is the token). No header is anonymous;
 * an unknown scheme, a malformed value or a token that does not resolve is an invalid token.
 */
export async function identify(meta: Metadata, authorization: string | undefined): Promise<Identity> {
  if (authorization === undefined || authorization.trim() === '') return { write: false, invalidToken: false };
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(authorization);
  if (!m) return invalid();
  const scheme = m[1].toLowerCase();
  let token: string;
  if (scheme === 'bearer') token = m[2];
  else if (scheme === 'basic') {
    const decoded = Buffer.from(m[2], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return invalid();
    token = decoded.slice(colon + 1);
  } else return invalid();
  const grant = token === '' ? undefined : await meta.resolveToken(token);
  return grant ? { user: grant.user, write: grant.write, invalidToken: false, tokenId: grant.tokenId } : invalid();
}

/** Whether `id` may do `action` to `repo` (undefined: no such repository), per the matrix above. */
export async function authorize(meta: Metadata, id: Identity, repo: RepoRecord | undefined, action: Action): Promise<Decision> {
  if (id.invalidToken) return deny(401, 'invalid token');
  const user = id.user;
  const member = user && repo ? await meta.membership(repo.id, user.id) : undefined;
  const admin = user?.admin === true;
  const visible = repo !== undefined && (!repo.private || member !== undefined || admin);
  if (!visible) return user ? deny(404, 'repository not found') : deny(401, 'authentication required');
  if (action === 'read') return { ok: true };
  if (!user) return deny(401, 'authentication required');
  if (!id.write) return deny(403, 'token is read-only');
  if (admin || member?.write === true) return { ok: true };
  // a private repository is visible here only to members, who know it exists: 403, not 404
  return deny(403, 'write access denied');
}

/** The `WWW-Authenticate` value for a 401: both schemes, so git (Basic) and API clients (Bearer) know what to send. */
export function wwwAuthenticate(realm = 'hub'): string {
  const quoted = `"${realm.replace(/["\\]/g, '\\$&')}"`;
  return `Basic realm=${quoted}, Bearer realm=${quoted}`;
}

function invalid(): Identity {
  return { write: false, invalidToken: true };
}

function deny(status: 401 | 403 | 404, message: string): Decision {
  return { ok: false, status, message };
}

/**
 * The repository, when `id` may do `action` to it; otherwise the refusal as an HttpError, with
 * the authentication challenge a 401 needs (git reads `WWW-Authenticate`, git-lfs `LFS-Authenticate`).
 */
export async function requireAccess(meta: Metadata, id: Identity, repo: RepoRecord | undefined, action: Action, kind: 'git' | 'lfs'): Promise<RepoRecord> {
  const verdict = await authorize(meta, id, repo, action);
  if (verdict.ok) return repo!;
  const headers: Record<string, string> = {};
  if (verdict.status === 401) headers[kind === 'lfs' ? 'LFS-Authenticate' : 'WWW-Authenticate'] = wwwAuthenticate();
  if (verdict.status === 401 && kind === 'lfs') headers['WWW-Authenticate'] = wwwAuthenticate();
  throw new HttpError(verdict.status, verdict.message, headers);
}
