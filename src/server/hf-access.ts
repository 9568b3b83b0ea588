/**
 * Access on the Hugging Face–compatible routes, answered the way HF clients understand: a
 * repository the caller may not see (private without membership, or missing) is 404 with
 * `X-Error-Code: RepoNotFound`, the same for both, so private names never leak; an invalid
 * token is 401, and so is an anonymous write to a public repository (the caller can see it and
 * needs credentials, as `huggingface_hub` expects); a member without write access gets 403. Errors carry a JSON `{"error": ...}`
 * body (app.ts) and never name a repository the caller cannot see.
 */
import { authorize, wwwAuthenticate, type Action, type Identity } from './access.js';
import { HttpError } from './http-util.js';
import type { Metadata, RepoRecord } from './metadata.js';

/** The error codes HF clients read from `X-Error-Code`. */
export type HfErrorCode = 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound' | 'GatedRepo' | 'BadRequest';

/** An HTTP error with the HF `X-Error-Code` header. */
export function hfError(status: number, code: HfErrorCode, message: string): HttpError {
  return new HttpError(status, message, { 'X-Error-Code': code }, code);
}

/** One percent-encoded segment of an HF route's path, decoded (400 BadRequest when it cannot be). */
export function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment; // nothing to decode (most segments): no exception frame, no copy
  try {
    return decodeURIComponent(segment);
  } catch {
    throw hfError(400, 'BadRequest', 'invalid percent-encoding in the path');
  }
}

/** The repository `type/owner/name` if `id` may do `action` to it; otherwise the HF-shaped error. */
export async function hfRepo(meta: Metadata, id: Identity, type: 'model' | 'dataset', owner: string, name: string, action: Action): Promise<RepoRecord> {
  const repo = await meta.getRepo(type, owner, name);
  const verdict = await authorize(meta, id, repo, action);
  if (verdict.ok) return repo!;
  if (id.invalidToken) throw new HttpError(401, 'invalid token', { 'WWW-Authenticate': wwwAuthenticate() });
  if (verdict.status === 403) throw new HttpError(403, verdict.message);
  const visible = repo !== undefined && !repo.private;
  if (!id.user && visible && action === 'write') throw new HttpError(401, verdict.message, { 'WWW-Authenticate': wwwAuthenticate() });
  if (!repo || verdict.status === 404 || !id.user) throw hfError(404, 'RepoNotFound', 'Repository not found');
  throw new HttpError(verdict.status, verdict.message);
}
