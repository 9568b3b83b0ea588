/**
 * The Git LFS File Locking API of `hub serve` (docs/protocol.md "Locks"), under a repository's
 * LFS endpoint only (`<repo>.git/info/lfs/locks`): create (`POST locks`), list (`GET locks`),
 * list for verification (`POST locks/verify`, split into the caller's locks and everyone
 * else's) and delete (`POST locks/:id/unlock`). app.ts checks access before any of these runs
 * and before a body is read: listing needs read access, everything else write access, as for
 * pushes. Bodies are small JSON documents, read with a size cap and parsed after the linear
 * scan of json-scan.ts.
 *
 * Forcing: deleting another user's lock needs `force: true`, and force is honoured only for the
 * repository's owner and server admins (a write member may break only their own locks), so a
 * lock means something to everyone with push access but can still be cleared by whoever owns
 * the repository.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody } from './http-util.js';
import { parseJsonBody } from './json-scan.js';
import type { LockRecord } from './lfs-locks-db.js';
import type { Metadata, RepoRecord, User } from './metadata.js';

/** The media type of every locks answer, errors included. */
const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json';
/** A lock request is a path and a ref name: 64 KiB is far more than any needs. */
export const LOCK_BODY_LIMIT = 64 << 10;
/** What a lock request body may hold (json-scan.ts). */
export const LOCK_JSON_LIMITS = { maxDepth: 4, maxValues: 64 };
/** Locks per page when the client names no limit, and the most a page holds whatever it names. */
export const DEFAULT_LOCK_PAGE = 100;
export const MAX_LOCK_PAGE = 1000;
/** Longest lock path accepted (git's PATH_MAX-like bound). */
const MAX_PATH_BYTES = 4096;

/** Which locks operation a request is, from the method and the path below `locks`. */
export type LockRoute = { op: 'create' } | { op: 'list' } | { op: 'verify' } | { op: 'unlock'; id: string };

/** The operation `method` on `rest` (the segments after `locks`) names; HttpError 404 or 405 otherwise. */
export function lockRoute(method: string, rest: readonly string[]): LockRoute {
  const wrong = (allow: string) => new HttpError(405, `${method} is not supported here`, { Allow: allow });
  if (rest.length === 0) {
    if (method === 'POST') return { op: 'create' };
    if (method === 'GET') return { op: 'list' };
    throw wrong('GET, POST');
  }
  if (rest.length === 1 && rest[0] === 'verify') {
    if (method === 'POST') return { op: 'verify' };
    throw wrong('POST');
  }
  if (rest.length === 2 && rest[1] === 'unlock') {
    if (method === 'POST') return { op: 'unlock', id: rest[0] };
    throw wrong('POST');
  }
  throw new HttpError(404, 'not found');
}

/** The access a locks operation needs: listing reads, everything else writes (as a push does). */
export function lockAccess(route: LockRoute): 'read' | 'write' {
  return route.op === 'list' ? 'read' : 'write';
}

/** What a locks handler needs; `user` is set for every operation but a list. */
export interface LocksContext {
  meta: Metadata;
  repo: RepoRecord;
  user?: User;
  query: URLSearchParams;
}

/** A lock as the API shows it: `locked_at` RFC 3339 with second precision, the owner by name. */
export function lockJson(lock: LockRecord): { id: string; path: string; locked_at: string; owner: { name: string } } {
  return { id: lock.id, path: lock.path, locked_at: new Date(lock.lockedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), owner: { name: lock.owner } };
}

function lfsJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': LFS_MEDIA_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * A lock path as the API carries it: relative to the repository root, '/'-separated, without
 * empty, `.` or `..` segments or control characters. Anything else is 422 naming the path.
 */
export function checkLockPath(path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new HttpError(422, 'a lock needs a "path": the file\'s path relative to the repository root');
  const bad = (why: string) => new HttpError(422, `invalid lock path ${JSON.stringify(path.slice(0, 200))}: ${why}`);
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw bad(`longer than ${MAX_PATH_BYTES} bytes`);
  if (/[\u0000-\u001f\u007f]/.test(path)) throw bad('it holds a control character');
  if (path.startsWith('/')) throw bad('it must be relative to the repository root');
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..')) throw bad("empty, '.' and '..' segments are not allowed");
  return path;
}

/** The optional `ref` of a request body: `{ "name": string }` (accepted; locks are per repository). */
function checkRef(ref: unknown): void {
  if (ref === undefined || ref === null) return;
  if (!isRecord(ref) || (ref.name !== undefined && typeof ref.name !== 'string')) throw new HttpError(422, '"ref" must be an object with a string "name"');
}

/** A page size from the query or body: absent -> the default; clamped to MAX_LOCK_PAGE; anything but a positive whole number -> 422. */
export function pageLimit(value: unknown): number {
  if (value === undefined || value === null || value === '' || value === 0) return DEFAULT_LOCK_PAGE;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new HttpError(422, `invalid limit ${JSON.stringify(value)}: a positive whole number`);
  return Math.min(n, MAX_LOCK_PAGE);
}

/** The cursor the answer hands out for the page starting at `path` (opaque to clients). */
export function cursorOf(path: string): string {
  return Buffer.from(path, 'utf8').toString('base64url');
}

/** The path a cursor stands for; 422 when it is not one this server handed out. */
export function pathOfCursor(cursor: unknown): string | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,8192}$/.test(cursor)) throw new HttpError(422, 'invalid cursor: pass the next_cursor of a previous answer');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request's JSON object (an empty body is an empty object), capped and scanned before parsing. */
async function readLockBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const bytes = await readBody(req, LOCK_BODY_LIMIT);
  if (bytes.length === 0) return {};
  const body = parseJsonBody(bytes, LOCK_JSON_LIMITS);
  if (!isRecord(body)) throw new HttpError(422, 'request body must be a JSON object');
  return body;
}

/** Runs one locks operation (access already checked by the caller). */
export async function handleLocks(req: IncomingMessage, res: ServerResponse, route: LockRoute, ctx: LocksContext): Promise<void> {
  const { meta, repo } = ctx;
  switch (route.op) {
    case 'list': {
      const q = ctx.query;
      const id = q.get('id') ?? undefined;
      const path = q.get('path') ?? undefined;
      const page = await meta.locks.list(repo.id, { path: path || undefined, id: id || undefined, from: pathOfCursor(q.get('cursor') ?? undefined), limit: pageLimit(q.get('limit') ?? undefined) });
      return lfsJson(res, 200, { locks: page.locks.map(lockJson), ...(page.next !== undefined ? { next_cursor: cursorOf(page.next) } : {}) });
    }
    case 'create': {
      const body = await readLockBody(req);
      checkRef(body.ref);
      const path = checkLockPath(body.path);
      const { created, lock } = await meta.locks.create(repo.id, path, ctx.user!);
      if (created) return lfsJson(res, 201, { lock: lockJson(lock) });
      return lfsJson(res, 409, { lock: lockJson(lock), message: `${lock.path} is already locked by ${lock.owner}` });
    }
    case 'verify': {
      const body = await readLockBody(req);
      checkRef(body.ref);
      const page = await meta.locks.list(repo.id, { from: pathOfCursor(body.cursor), limit: pageLimit(body.limit) });
      const mine = (l: LockRecord) => l.ownerId === ctx.user!.id;
      return lfsJson(res, 200, {
        ours: page.locks.filter(mine).map(lockJson),
        theirs: page.locks.filter((l) => !mine(l)).map(lockJson),
        ...(page.next !== undefined ? { next_cursor: cursorOf(page.next) } : {}),
      });
    }
    case 'unlock': {
      const body = await readLockBody(req);
      checkRef(body.ref);
      if (body.force !== undefined && typeof body.force !== 'boolean') throw new HttpError(422, '"force" must be true or false');
      const lock = await meta.locks.get(repo.id, route.id);
      if (!lock) throw new HttpError(404, `lock ${route.id.slice(0, 100)} not found`);
      const user = ctx.user!;
      if (lock.ownerId !== user.id) {
        if (body.force !== true) throw new HttpError(403, `${lock.path} is locked by ${lock.owner}: only they can unlock it (or the repository owner or an admin, with force)`);
        if (!user.admin && user.name.toLowerCase() !== repo.owner.toLowerCase()) throw new HttpError(403, `${lock.path} is locked by ${lock.owner}: only the repository owner or an admin may force it open`);
      }
      await meta.locks.remove(repo.id, lock.id);
      return lfsJson(res, 200, { lock: lockJson(lock) });
    }
  }
}
