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
import { indexLayout, type GitIndexLayout } from '../formats/git-index-layout.js';
import type { RepoPaths } from './repository.js';

/** The index entries (empty when there is no index yet). */
export function readIndex(paths: RepoPaths): GitIndexEntry[] {
  return readIndexFile(paths).entries;
}

/** The index entries and the modification time of the index file read (undefined when there is none): git's racy-clean reference. */
export function readIndexFile(paths: RepoPaths): { entries: GitIndexEntry[]; mtimeNs?: bigint } {
  const { bytes, mtimeNs } = readIndexBytes(paths);
  return { entries: bytes ? parseIndexBytes(bytes) : [], mtimeNs };
}

/** The bytes of `.git/index` and its modification time, both undefined when there is none. */
export function readIndexBytes(paths: RepoPaths): { bytes?: Buffer; mtimeNs?: bigint } {
  try {
    const fd = openSync(join(paths.gitdir, 'index'), 'r');
    try {
      const mtimeNs = fstatSync(fd, { bigint: true }).mtimeNs;
      return { bytes: readFileSync(fd), mtimeNs };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/** The entries of index bytes (checksum included); a damaged index is IntegrityError `corrupt_index`. */
export function parseIndexBytes(bytes: Uint8Array): GitIndexEntry[] {
  return damagedIndex(() => parseGitIndex(bytes).entries);
}

/**
 * The layout of index bytes, checked like {@link parseIndexBytes} but for the SHA-1 trailer, as
 * git reads an index (it checks the trailer in `git fsck` only; `hub fsck` and every command that
 * rewrites the index check it). A damaged index is IntegrityError `corrupt_index`.
 */
export function indexLayoutOf(bytes: Uint8Array): GitIndexLayout {
  return damagedIndex(() => indexLayout(bytes));
}

function damagedIndex<T>(read: () => T): T {
  try {
    return read();
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
