/**
 * Reading and writing `.git/index` with git's own locking protocol: the new index is written to
 * `index.lock` (created O_EXCL, so a running git command and hub never both write it), fsynced
 * and renamed over `index` (fs/atomic-file.ts).
 *
 * A hub killed while it holds `index.lock` (SIGKILL, a crash) leaves it behind, and
 * git's answer to a lock left so is to stop every later command until a person removes it. hub
 * removes a lock it can prove is its own and abandoned: as soon as it has created `index.lock`
 * it records its pid and the lock's inode in `.git/hub/index-lock.owner` (removed again once the
 * index is in place). A later hub that finds `index.lock` takes it over only when that record
 * names the same file (inode), written within a minute of the record, by a process that is no
 * longer alive. A lock git made, one with no record (the kill landed between the create and the
 * record), and one whose writer still runs are left alone, as before: exit 7, `index_locked`.
 */
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConflictError, IntegrityError, FormatError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { pidAlive } from '../fs/pid-alive.js';
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

/** How much later than its owner record an abandoned `index.lock` may have been last written. */
const OWNER_RECORD_SLACK_MS = 60_000;

/** Replaces the index with `entries` (taking over an `index.lock` this repository's hub abandoned: see the module comment). */
export function writeIndex(paths: RepoPaths, entries: GitIndexEntry[]): void {
  const lockPath = join(paths.gitdir, 'index.lock');
  const ownerPath = join(paths.hubdir, 'index-lock.owner');
  const bytes = serializeGitIndex(entries);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileAtomic(join(paths.gitdir, 'index'), bytes, { lockPath, onCreated: (fd) => recordOwner(ownerPath, fd) });
      rmSync(ownerPath, { force: true });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (attempt === 0 && removeAbandonedLock(lockPath, ownerPath)) continue;
      throw new ConflictError('.git/index.lock exists: another git process seems to be running in this repository', { hint: 'if none is, remove .git/index.lock' }, 'index_locked');
    }
  }
}

/**
 * Records this process as the writer of the lock just created as `fd`. Not fsynced (it matters
 * only while the lock file itself is there) and best effort: without a record, a lock this
 * process leaves is simply never taken over.
 */
function recordOwner(ownerPath: string, fd: number): void {
  try {
    mkdirSync(dirname(ownerPath), { recursive: true });
    writeFileSync(ownerPath, `${process.pid} ${fstatSync(fd).ino}\n`);
  } catch {
    try {
      rmSync(ownerPath, { force: true }); // a torn record is no record
    } catch {
      /* a record that cannot be written or removed only makes this lock one hub never takes over */
    }
  }
}

/** Removes `index.lock` when its owner record proves a dead hub process left it (true), else leaves it (false). */
function removeAbandonedLock(lockPath: string, ownerPath: string): boolean {
  const lock = lstatSync(lockPath, { throwIfNoEntry: false });
  if (!lock) return true; // gone meanwhile: the O_EXCL create decides again
  try {
    const [pid, ino] = readFileSync(ownerPath, 'utf8').trim().split(' ').map(Number);
    const recorded = statSync(ownerPath).mtimeMs;
    if (lock.ino !== ino || lock.mtimeMs < recorded - 1000 || lock.mtimeMs > recorded + OWNER_RECORD_SLACK_MS) return false;
    if (pid === process.pid || pidAlive(pid)) return false;
    rmSync(lockPath, { force: true });
    rmSync(ownerPath, { force: true });
    return true;
  } catch {
    return false; // no owner record: not provably hub's
  }
}
