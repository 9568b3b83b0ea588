/**
 * Paths from trees are untrusted: a malicious tree may name `../x`, `/etc/passwd`, `.git/hooks`
 * or reach through a symlink. Checkout validates every path before it writes anything, and
 * checks at write time that no parent directory is a symlink.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError } from '../errors.js';

/** Throws IntegrityError 'unsafe_path' (exit 5) for a path checkout must never write. */
export function assertSafeTreePath(path: string, where: string): void {
  const parts = path.split('/');
  const bad =
    path.length === 0 ||
    path.startsWith('/') ||
    path.includes('\0') ||
    path.includes('\\') ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git');
  if (bad) throw new IntegrityError(`refusing to check out unsafe path '${path}' from ${where}`, { data: { path } }, 'unsafe_path');
}

/** Throws if any existing parent of `path` inside `workdir` is a symlink or not a directory. */
export function assertNoSymlinkParents(workdir: string, path: string): void {
  const parts = path.split('/');
  let dir = workdir;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      return; // does not exist yet: it will be created as a directory
    }
    if (st.isSymbolicLink()) throw new IntegrityError(`refusing to write '${path}' through the symlink '${dir.slice(workdir.length + 1)}'`, { data: { path } }, 'unsafe_path');
    if (!st.isDirectory()) return; // a file in the way: the caller removes it first
  }
}
