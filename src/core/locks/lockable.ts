/**
 * The `lockable` attribute, as git-lfs applies it: a file marked `lockable` in `.gitattributes`
 * is read-only in the working tree unless you hold its lock, so nobody edits a file that cannot
 * be merged without taking the lock first. Checkouts write such files read-only (materialize.ts
 * asks {@link lockedReadOnly}); `hub lock` makes the file writable, `hub unlock` read-only again.
 */
import { chmodSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeMatcher } from '../../formats/gitattributes.js';
import type { RepoSession } from '../worktree/repo-session.js';
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
 * owner's write bit, read-only clears every write bit. Symlinks and missing files are left alone.
 */
export function setWritable(workdir: string, path: string, writable: boolean): void {
  const full = join(workdir, path);
  const st = lstatSync(full, { throwIfNoEntry: false });
  if (!st || !st.isFile()) return;
  const mode = st.mode & 0o7777;
  const next = writable ? mode | 0o200 : mode & ~0o222;
  if (next !== mode) chmodSync(full, next);
}

/** Whether a checkout in session `s` writes `path` read-only (the attributes of what it checks out, and our locks). */
export function checkoutReadOnly(s: RepoSession, path: string): boolean {
  if (!isLockable(s.checkoutAttributes ?? s.attributes, path)) return false;
  s.ownLocks ??= ownLockedPaths(s.paths.hubdir);
  return !s.ownLocks.has(path);
}
