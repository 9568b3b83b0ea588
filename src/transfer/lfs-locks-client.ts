/**
 * Client of the Git LFS File Locking API (docs/protocol.md "Locks"), against any LFS server that
 * implements it: create, list (following `next_cursor`), verify (ours/theirs) and unlock. One
 * request per call and page, no retries (the user reruns a lock command; a push's verify failing
 * is decided by the caller). Every status becomes a HubError through errorForBody, except the
 * two the protocol gives a meaning: 409 on create (the existing lock, ConflictError
 * `lock_exists`) and 404/501 on verify ("this server does not implement locking").
 */
import { ConflictError } from '../errors.js';
import { errorForBody } from './http-client.js';
import { send } from './lfs-client.js';
import { bearer, sendWithAuth, type Authenticator } from './lfs-auth.js';
import { isRecord, parseJsonAnswer, unexpectedAnswer } from './remote-answer.js';

const LFS = 'application/vnd.git-lfs+json';
/** Most pages a listing follows: a server that keeps answering a next_cursor is not believed forever. */
const MAX_PAGES = 10_000;

/** A lock as the API describes it (`lockedAt` as the server sent it, RFC 3339). */
export interface LfsLock {
  id: string;
  path: string;
  owner?: string;
  lockedAt: string;
}

/** How a locks request authenticates and can be cancelled. */
export interface LockRequestOptions {
  /** How requests authenticate (a hub token, URL credentials, git's credential helpers); else `token` as a Bearer token. */
  auth?: Authenticator;
  token?: string;
  signal?: AbortSignal;
  /** The ref the request is about (`refs/heads/main`), sent as the API's `ref`/`refspec`. */
  ref?: string;
}

function headers(body: boolean): Record<string, string> {
  return { accept: LFS, ...(body ? { 'content-type': LFS } : {}) };
}

/** One request; the status and, when the answer is JSON of the LFS kind or plain JSON, its document. */
async function call(url: string, method: 'GET' | 'POST', body: unknown, opts: LockRequestOptions): Promise<{ status: number; text: string; contentType: string | string[] | undefined; retryAfter: string | string[] | undefined }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const res = await sendWithAuth(opts.auth ?? bearer(opts.token), url, (auth) => send(url, { method, headers: { ...headers(text !== undefined), ...auth }, body: text, signal: opts.signal }));
  return { status: res.statusCode, text: await res.body.text(), contentType: res.headers['content-type'], retryAfter: res.headers['retry-after'] };
}

/** A lock of an answer, checked: id and path strings, an optional owner name. */
function lockOf(url: string, value: unknown): LfsLock {
  const bad = () => unexpectedAnswer(url, 'a Git LFS locks answer', 'JSON with a lock lacking id or path');
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.path !== 'string') throw bad();
  const owner = isRecord(value.owner) && typeof value.owner.name === 'string' ? value.owner.name : undefined;
  return { id: value.id, path: value.path, ...(owner !== undefined ? { owner } : {}), lockedAt: typeof value.locked_at === 'string' ? value.locked_at : '' };
}

function locksOf(url: string, value: unknown, field: string): LfsLock[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw unexpectedAnswer(url, 'a Git LFS locks answer', `JSON whose ${field} is not a list`);
  return value.map((l) => lockOf(url, l));
}

function cursorOf(url: string, doc: Record<string, unknown>): string | undefined {
  const c = doc.next_cursor;
  if (c === undefined || c === null || c === '') return undefined;
  if (typeof c !== 'string') throw unexpectedAnswer(url, 'a Git LFS locks answer', 'JSON whose next_cursor is not a string');
  return c;
}

/** POST locks: locks `path`; a path locked already is ConflictError `lock_exists` naming the holder. */
export async function createLock(lfsUrl: string, path: string, opts: LockRequestOptions = {}): Promise<LfsLock> {
  const url = `${lfsUrl}/locks`;
  const r = await call(url, 'POST', { path, ...(opts.ref ? { ref: { name: opts.ref } } : {}) }, opts);
  if (r.status === 409) {
    let held: LfsLock | undefined;
    try {
      const doc = JSON.parse(r.text) as unknown;
      if (isRecord(doc) && doc.lock !== undefined) held = lockOf(url, doc.lock);
    } catch {
      /* a 409 without the lock: said below without an owner */
    }
    const by = held?.owner ? ` by ${held.owner}` : '';
    throw new ConflictError(`${path} is already locked${by}`, { hint: held?.owner ? `ask ${held.owner} to unlock it` : undefined, data: { path, ...(held ? { lock: held } : {}) } }, 'lock_exists');
  }
  if (r.status !== 200 && r.status !== 201) throw errorForBody(r.status, r.text, `locking ${path}`, r.retryAfter);
  const doc = parseJsonAnswer(url, r.text, r.contentType, 'a Git LFS lock');
  if (!isRecord(doc)) throw unexpectedAnswer(url, 'a Git LFS lock', 'JSON that is not an object');
  return lockOf(url, doc.lock);
}

/** GET locks, every page: the locks matching `path` or `id` (all without either), at most `limit` when given. */
export async function listLocks(lfsUrl: string, filter: { path?: string; id?: string; limit?: number } = {}, opts: LockRequestOptions = {}): Promise<LfsLock[]> {
  const out: LfsLock[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams();
    if (filter.path !== undefined) q.set('path', filter.path);
    if (filter.id !== undefined) q.set('id', filter.id);
    if (filter.limit !== undefined) q.set('limit', String(filter.limit - out.length));
    if (cursor !== undefined) q.set('cursor', cursor);
    if (opts.ref) q.set('refspec', opts.ref);
    const url = `${lfsUrl}/locks${q.size ? `?${q}` : ''}`;
    const r = await call(url, 'GET', undefined, opts);
    if (r.status !== 200) throw errorForBody(r.status, r.text, 'listing locks', r.retryAfter);
    const doc = parseJsonAnswer(url, r.text, r.contentType, 'a Git LFS locks list');
    if (!isRecord(doc)) throw unexpectedAnswer(url, 'a Git LFS locks list', 'JSON that is not an object');
    out.push(...locksOf(url, doc.locks, 'locks'));
    cursor = cursorOf(url, doc);
    if (cursor === undefined || (filter.limit !== undefined && out.length >= filter.limit)) break;
  }
  return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
}

/** What POST locks/verify said: the caller's locks and everyone else's, or that the server has no locking. */
export type VerifyAnswer = { supported: true; ours: LfsLock[]; theirs: LfsLock[] } | { supported: false; status: number };

/** POST locks/verify, every page. 404 and 501 mean the server does not implement locking (the spec's rule). */
export async function verifyLocks(lfsUrl: string, opts: LockRequestOptions = {}): Promise<VerifyAnswer> {
  const url = `${lfsUrl}/locks/verify`;
  const ours: LfsLock[] = [];
  const theirs: LfsLock[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await call(url, 'POST', { ...(cursor !== undefined ? { cursor } : {}), ...(opts.ref ? { ref: { name: opts.ref } } : {}) }, opts);
    if (r.status === 404 || r.status === 501) return { supported: false, status: r.status };
    if (r.status !== 200) throw errorForBody(r.status, r.text, 'verifying locks', r.retryAfter);
    const doc = parseJsonAnswer(url, r.text, r.contentType, 'a Git LFS locks verification');
    if (!isRecord(doc)) throw unexpectedAnswer(url, 'a Git LFS locks verification', 'JSON that is not an object');
    ours.push(...locksOf(url, doc.ours, 'ours'));
    theirs.push(...locksOf(url, doc.theirs, 'theirs'));
    cursor = cursorOf(url, doc);
    if (cursor === undefined) break;
  }
  return { supported: true, ours, theirs };
}

/** POST locks/:id/unlock; `force` breaks another user's lock where the server allows it. */
export async function unlockLock(lfsUrl: string, id: string, force: boolean, opts: LockRequestOptions = {}): Promise<LfsLock> {
  const url = `${lfsUrl}/locks/${encodeURIComponent(id)}/unlock`;
  const r = await call(url, 'POST', { force, ...(opts.ref ? { ref: { name: opts.ref } } : {}) }, opts);
  if (r.status !== 200 && r.status !== 201) throw errorForBody(r.status, r.text, `unlocking lock ${id}`, r.retryAfter);
  const doc = parseJsonAnswer(url, r.text, r.contentType, 'a Git LFS lock');
  if (!isRecord(doc)) throw unexpectedAnswer(url, 'a Git LFS lock', 'JSON that is not an object');
  return lockOf(url, doc.lock);
}
