/**
 * Reading and writing `.git/index` with git's own locking protocol: the new index is written to
 * `index.lock` (created O_EXCL, so a running git command and hub never both write it), fsynced
 * and renamed over `index` (fs/atomic-file.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, IntegrityError, FormatError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { parseGitIndex, serializeGitIndex, type GitIndexEntry } from '../formats/git-index.js';
import type { RepoPaths } from './repository.js';

/** The index entries (empty when there is no index yet). */
export function readIndex(paths: RepoPaths): GitIndexEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(paths.gitdir, 'index'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    return parseGitIndex(bytes).entries;
  } catch (err) {
    if (err instanceof FormatError) throw new IntegrityError(`.git/index is damaged: ${err.message}`, { cause: err, hint: 'restore it with `git reset` or `hub checkout HEAD`' }, 'corrupt_index');
    throw err;
  }
}

/** Replaces the index with `entries`. */
export function writeIndex(paths: RepoPaths, entries: GitIndexEntry[]): void {
  try {
    writeFileAtomic(join(paths.gitdir, 'index'), serializeGitIndex(entries), { lockPath: join(paths.gitdir, 'index.lock') });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConflictError('.git/index.lock exists: another git process seems to be running in this repository', { hint: 'if none is, remove .git/index.lock' }, 'index_locked');
    }
    throw err;
  }
}
