/**
 * `hub lock PATH...`, `hub unlock PATH... | --id ID [--force]`, `hub locks`: the Git LFS File
 * Locking API against the LFS endpoint of a remote (the current branch's upstream remote, else
 * origin, as git-lfs picks its push remote), so they work with `hub serve` and with any LFS
 * server that implements locking. As git-lfs does: locking makes the working file writable,
 * unlocking makes a `lockable` file read-only again, and unlocking a file with uncommitted
 * changes is refused unless forced (the changes could then no longer be pushed safely).
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { readHead } from '../../repo/refs.js';
import { listRemotes } from '../../repo/remotes.js';
import { readBranchUpstream } from '../../repo/remote-refs.js';
import { normalizeRepoPath } from '../../repo/worktree-scan.js';
import { remoteAccess } from '../sync/remote-access.js';
import { createLock, listLocks, unlockLock, verifyLocks, type LfsLock, type LockRequestOptions } from '../../transfer/lfs-locks-client.js';
import type { CoreContext } from '../context.js';
import { requireOnline } from '../sync/offline.js';
import { resolveToken } from '../sync/credentials.js';
import { commitFiles } from '../worktree/head-tree.js';
import { saveIndex, withRepo, type RepoSession } from '../worktree/repo-session.js';
import { statWorktreePath } from '../worktree/worktree-fs.js';
import { hashWorktreeFile, unchangedSinceIndexed } from '../worktree/worktree-hash.js';
import { isLockable, setWritableInSession } from './lockable.js';
import { forgetOwnLock, rememberOwnLock, setOwnLocks } from './own-locks.js';

/** Where lock requests go: a remote's LFS endpoint, with its token and the ref they are about. */
export interface LockEndpoint {
  remote: string;
  endpoint: string;
  request: LockRequestOptions;
}

/** Options every lock command takes. */
export interface LockCommandOptions {
  remote?: string;
  token?: string;
}

/** The LFS endpoint of `remoteName` (default: the current branch's upstream remote, else origin). */
export async function lockEndpoint(s: RepoSession, opts: LockCommandOptions): Promise<LockEndpoint> {
  const { gitdir } = s.paths;
  const head = await readHead(gitdir);
  const upstream = head.branch ? await readBranchUpstream(gitdir, head.branch) : undefined;
  const name = opts.remote ?? upstream?.remote ?? 'origin';
  const remote = (await listRemotes(gitdir)).find((r) => r.name === name);
  if (!remote) throw new NotFoundError(`no remote named '${name}'`, { hint: "add one with 'hub remote add origin URL'" }, 'unknown_remote');
  const { token } = resolveToken(s.ctx, remote.url, opts.token);
  const ref = head.branch ? `refs/heads/${upstream?.remote === name ? upstream.branch : head.branch}` : undefined;
  // git-lfs sends lock requests to the remote's push endpoint (lfs.pushurl, lfs.url, .lfsconfig, ...)
  const target = (await remoteAccess(s.ctx, { remote, token: opts.token, place: s.paths })).lfs('upload');
  return { remote: name, endpoint: target.url, request: { auth: target.auth, token, ref, signal: s.ctx.signal } };
}

/** A repository path from what the user typed (relative to the current directory); directories are refused. */
function lockPath(s: RepoSession, typed: string): string {
  const path = normalizeRepoPath(s.paths.workdir, s.ctx.cwd, typed);
  if (path === '') throw new UsageError('cannot lock the repository root: name a file', { data: { path: typed } }, 'is_directory');
  if (lstatSync(join(s.paths.workdir, path), { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`cannot lock a directory: ${typed}`, { data: { path } }, 'is_directory');
  return path;
}

/** The `--json` shape of `hub lock`. */
export interface LockResult {
  remote: string;
  locks: LfsLock[];
}

/** Locks each path in turn (stopping at the first refusal), and makes each working file writable. */
export async function lock(ctx: CoreContext, paths: string[], opts: LockCommandOptions = {}): Promise<LockResult> {
  requireOnline(ctx, 'hub lock');
  if (paths.length === 0) throw new UsageError('name the files to lock', { hint: "'hub lock PATH'" }, 'no_paths');
  return withRepo(ctx, { lock: true, store: false }, async (s) => {
    const at = await lockEndpoint(s, opts);
    const wanted = paths.map((p) => lockPath(s, p));
    const locks: LfsLock[] = [];
    let chmodded = false;
    try {
      for (const path of wanted) {
        const l = await createLock(at.endpoint, path, at.request);
        rememberOwnLock(s.paths.hubdir, at.endpoint, l.path, l.id);
        chmodded = setWritableInSession(s, path, true) || chmodded;
        locks.push(l);
      }
    } finally {
      if (chmodded) saveIndex(s);
    }
    return { remote: at.remote, locks };
  });
}

/** The `--json` shape of `hub unlock`. */
export interface UnlockResult {
  remote: string;
  unlocked: LfsLock[];
}

/** Whether `path` has changes not committed: working file against the index, or index against HEAD. */
async function uncommitted(s: RepoSession, path: string, head: Map<string, { oid: string }>): Promise<boolean> {
  const entry = s.index.get(path);
  if (entry?.oid !== head.get(path)?.oid) return true;
  const f = statWorktreePath(s.paths.workdir, path);
  if (!f) return entry !== undefined;
  if (!entry) return true;
  if (unchangedSinceIndexed(s, f)) return false;
  return (await hashWorktreeFile(s, f, { store: false })).blob !== entry.oid;
}

/**
 * Releases the locks on `paths` (looked up by path) or the lock `id`. Without `force`, a path
 * with uncommitted changes is refused (exit 7), and the server refuses another user's lock.
 */
export async function unlock(ctx: CoreContext, opts: LockCommandOptions & { paths?: string[]; id?: string; force?: boolean }): Promise<UnlockResult> {
  requireOnline(ctx, 'hub unlock');
  const paths = opts.paths ?? [];
  if ((paths.length > 0) === (opts.id !== undefined)) throw new UsageError('name either the files to unlock or one lock --id', { hint: "'hub unlock PATH' or 'hub unlock --id ID'" }, 'usage');
  return withRepo(ctx, { lock: true }, async (s) => {
    const at = await lockEndpoint(s, opts);
    const targets: Array<{ id: string; path?: string }> = [];
    const head = await commitFiles(s.paths, (await readHead(s.paths.gitdir)).oid);
    for (const typed of paths) {
      const path = lockPath(s, typed);
      const found = await listLocks(at.endpoint, { path }, at.request);
      if (found.length === 0) throw new NotFoundError(`no lock on ${path}`, { data: { path } }, 'lock_not_found');
      if (!opts.force && (await uncommitted(s, path, head))) {
        throw new ConflictError(`${path} has uncommitted changes: commit and push them before unlocking`, { hint: 'or unlock anyway with --force', data: { path } }, 'uncommitted_changes');
      }
      targets.push({ id: found[0].id, path });
    }
    if (opts.id !== undefined) {
      const found = await listLocks(at.endpoint, { id: opts.id }, at.request);
      if (found.length === 0) throw new NotFoundError(`no lock with id ${opts.id}`, { data: { id: opts.id } }, 'lock_not_found');
      if (!opts.force && (await uncommitted(s, found[0].path, head))) {
        throw new ConflictError(`${found[0].path} has uncommitted changes: commit and push them before unlocking`, { hint: 'or unlock anyway with --force', data: { path: found[0].path } }, 'uncommitted_changes');
      }
      targets.push({ id: found[0].id });
    }
    const unlocked: LfsLock[] = [];
    let chmodded = false;
    try {
      for (const t of targets) {
        const l = await unlockLock(at.endpoint, t.id, !!opts.force, at.request);
        forgetOwnLock(s.paths.hubdir, at.endpoint, t.id);
        if (isLockable(s.attributes, l.path)) chmodded = setWritableInSession(s, l.path, false) || chmodded;
        unlocked.push(l);
      }
    } finally {
      if (chmodded) saveIndex(s);
    }
    return { remote: at.remote, unlocked };
  });
}

/** One lock as `hub locks` lists it; with `--verify`, whether it is the caller's. */
export type ListedLock = LfsLock & { ours?: boolean };

/** The `--json` shape of `hub locks`. */
export interface LocksResult {
  remote: string;
  locks: ListedLock[];
}

/** The remote's locks (by `path` or `id` when given); `verify` asks the server which are the caller's (needs write access). */
export async function listRemoteLocks(ctx: CoreContext, opts: LockCommandOptions & { path?: string; id?: string; limit?: number; verify?: boolean }): Promise<LocksResult> {
  requireOnline(ctx, 'hub locks');
  if (opts.limit !== undefined && (!Number.isSafeInteger(opts.limit) || opts.limit < 1)) throw new UsageError(`--limit must be a positive whole number, not ${opts.limit}`, {}, 'bad_limit');
  return withRepo(ctx, { store: false }, async (s) => {
    const at = await lockEndpoint(s, opts);
    const path = opts.path === undefined ? undefined : normalizeRepoPath(s.paths.workdir, s.ctx.cwd, opts.path);
    if (opts.verify) {
      const v = await verifyLocks(at.endpoint, at.request);
      if (!v.supported) throw new NotFoundError(`${at.endpoint} does not implement the Git LFS locking API (HTTP ${v.status})`, { data: { status: v.status } }, 'not_found');
      const all = [...v.ours.map((l) => ({ ...l, ours: true })), ...v.theirs.map((l) => ({ ...l, ours: false }))]
        .filter((l) => (path === undefined || l.path === path) && (opts.id === undefined || l.id === opts.id))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { remote: at.remote, locks: opts.limit !== undefined ? all.slice(0, opts.limit) : all };
    }
    return { remote: at.remote, locks: await listLocks(at.endpoint, { path, id: opts.id, limit: opts.limit }, at.request) };
  });
}

/** Records the server's word on which locks are ours (after a verify), for checkouts' write flags. */
export function recordOwnLocks(s: RepoSession, endpoint: string, ours: readonly LfsLock[]): void {
  setOwnLocks(s.paths.hubdir, endpoint, ours);
}
