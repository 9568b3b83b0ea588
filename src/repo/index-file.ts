/**
 * Reading and writing `.git/index` with git's own locking protocol: the new index is written to
 * `index.lock` (created O_EXCL, so a running git command and hub never both write it), fsynced
 * and renamed over `index` (fs/atomic-file.ts).
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, IntegrityError, FormatError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { parseGitIndex, serializeGitIndex, type GitIndexEntry } from '../formats/git-index.js';
import type { RepoPaths } from './repository.js';

/** The index entries (empty when there is no index yet). */
export function readIndex(paths: RepoPaths): GitIndexEntry[] {
  return readIndexFile(paths).entries;
}

/** The index entries and the modification time of the index file read (undefined when there is none): git's racy-clean reference. */
export function readIndexFile(paths: RepoPaths): { entries: GitIndexEntry[]; mtimeNs?: bigint } {
  let bytes: Buffer;
  let mtimeNs: bigint;
  try {
    const fd = openSync(join(paths.gitdir, 'index'), 'r');
    try {
      mtimeNs = fstatSync(fd, { bigint: true }).mtimeNs;
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
    throw err;
  }
  try {
    return { entries: parseGitIndex(bytes).entries, mtimeNs };
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
