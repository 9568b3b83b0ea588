/**
 * Token management over HTTP, for the holders of tokens (`hub token list|revoke --root` does the
 * same on the server machine):
 *
 * - `GET /api/tokens[?user=NAME]` -> `{tokens: [{id, user, write, label?, createdAt}]}`: the
 *   caller's own tokens; an admin sees everyone's, or one user's with `user`. Token values are
 *   never shown (only their hashes are stored).
 * - `DELETE /api/tokens/ID` -> `{id, revoked: true}`: revokes a token of the caller's own (an
 *   admin: anyone's), with a write token. A token of someone else answers exactly like one that
 *   does not exist (404), so token ids do not tell who holds what.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wwwAuthenticate, type Identity } from './access.js';
import { HttpError, sendJson } from './http-util.js';
import type { Metadata } from './metadata.js';

/** A token route: the list, or one token by id. */
export type TokenRoute = { kind: 'list' } | { kind: 'one'; id: number };

/** The token route `path` names, if any. */
export function tokenRoute(path: string): TokenRoute | undefined {
  if (path === '/api/tokens') return { kind: 'list' };
  const m = /^\/api\/tokens\/([0-9]{1,15})$/.exec(path);
  return m ? { kind: 'one', id: Number(m[1]) } : undefined;
}

/** Serves a token route for `id`. */
export async function handleTokens(req: IncomingMessage, res: ServerResponse, route: TokenRoute, id: Identity, meta: Metadata, query: URLSearchParams): Promise<void> {
  if (id.invalidToken) throw new HttpError(401, 'invalid token', { 'WWW-Authenticate': wwwAuthenticate() });
  if (!id.user) throw new HttpError(401, 'authentication required', { 'WWW-Authenticate': wwwAuthenticate() });
  const user = id.user;
  if (route.kind === 'list') {
    if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'GET' });
    const wanted = query.get('user') ?? undefined;
    if (!user.admin && wanted !== undefined && wanted.toLowerCase() !== user.name.toLowerCase()) throw new HttpError(403, "only admins may list other users' tokens");
    const who = user.admin ? wanted : user.name;
    if (who !== undefined && !(await meta.getUser(who))) throw new HttpError(404, 'user not found');
    return sendJson(res, 200, { tokens: await meta.listTokens(who) });
  }
  if (req.method !== 'DELETE') throw new HttpError(405, `${req.method} is not supported here`, { Allow: 'DELETE' });
  if (!id.write) throw new HttpError(403, 'token is read-only');
  const token = await meta.getToken(route.id);
  if (!token || (!user.admin && token.user.toLowerCase() !== user.name.toLowerCase())) throw new HttpError(404, 'token not found');
  await meta.revokeToken(token.id);
  sendJson(res, 200, { id: token.id, revoked: true });
}
