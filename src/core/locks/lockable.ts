/**
 * The `lockable` attribute, as git-lfs applies it: a file marked `lockable` in `.gitattributes`
 * is read-only in the working tree unless you hold its lock, so nobody edits a file that cannot
 * be merged without taking the lock first. Checkouts write such files read-only (materialize.ts
 * asks {@link lockedReadOnly}); `hub lock` makes the file writable, `hub unlock` read-only again.
 */
import { chmodSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeMatcher } from '../../formats/gitattributes.js';
import { indexEntryFromStat } from '../../formats/git-index-stat.js';
import { trustedEntry } from '../../formats/stat-cache.js';
import type { RepoSession } from '../worktree/repo-session.js';
import { statWorktreePath } from '../worktree/worktree-fs.js';
import { gitMode, unchangedSinceIndexed } from '../worktree/worktree-hash.js';
import { ownLockedPaths } from './own-locks.js';

/** True when `attributes` mark `path` lockable (`lockable` set, as git-lfs reads it). */
export function isLockable(attributes: AttributeMatcher, path: string): boolean {
  return attributes.get(path, 'lockable') === true;
}

/** Whether a checkout writes `path` read-only: lockable, and not locked by us (`ours`). */
export function lockedReadOnly(attributes: AttributeMatcher, ours: ReadonlySet<string>, path: string): boolean {
  return isLockable(attributes, path) && !ours.has(path);
}

/**
 * Sets or clears the write permission of a working file, as git-lfs does: writable adds the
 * owner's write bit, read-only clears every write bit. Symlinks and missing files are left
 * alone. True when the mode changed.
 */
export function setWritable(workdir: string, path: string, writable: boolean): boolean {
  const full = join(workdir, path);
  const st = lstatSync(full, { throwIfNoEntry: false });
  if (!st || !st.isFile()) return false;
  const mode = st.mode & 0o7777;
  const next = writable ? mode | 0o200 : mode & ~0o222;
  if (next === mode) return false;
  chmodSync(full, next);
  return true;
}

/**
 * {@link setWritable} on a file of session `s`, keeping its index and stat-cache entries trusted:
 * a chmod changes only the ctime, so an entry that matched the file before matches it after with
 * the new ctime, and neither git nor hub reads a large file again for it. The caller saves the
 * index (saveIndex). True when the mode changed.
 */
export function setWritableInSession(s: RepoSession, path: string, writable: boolean): boolean {
  const before = statWorktreePath(s.paths.workdir, path);
  if (!before || before.kind !== 'file') return false;
  const indexed = unchangedSinceIndexed(s, before);
  const cached = trustedEntry(s.statCache, path, { size: before.size, mtimeNs: before.mtimeNs, ctimeNs: before.ctimeNs, ino: before.ino, mode: gitMode(before) });
  if (!setWritable(s.paths.workdir, path, writable)) return false;
  const after = statWorktreePath(s.paths.workdir, path);
  const entry = s.index.get(path);
  if (!after) return true;
  if (indexed && entry) s.index.set(path, indexEntryFromStat(path, entry.oid, { mode: entry.mode, size: after.size, ctimeNs: after.ctimeNs, mtimeNs: after.mtimeNs, dev: after.dev, ino: after.ino, uid: after.uid, gid: after.gid }));
  if (cached) s.statCache.entries.set(path, { ...cached, ctimeNs: after.ctimeNs });
  return true;
}

/** Whether a checkout in session `s` writes `path` read-only (the attributes of what it checks out, and our locks). */
export function checkoutReadOnly(s: RepoSession, path: string): boolean {
  if (!isLockable(s.checkoutAttributes ?? s.attributes, path)) return false;
  s.ownLocks ??= ownLockedPaths(s.paths.hubdir);
  return !s.ownLocks.has(path);
}
