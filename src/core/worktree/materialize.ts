/**
 * Writing one committed file into the working tree: small blobs from the object database,
 * large files (LFS pointers) from the store, every byte verified, each file appearing only
 * complete (tmp + rename). Content that is not in the store is imported from `.git/lfs/objects`
 * (a repository made with git-lfs) when it is there, verified on the way in.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { symlinkAtomic, writeFileAtomic } from '../../fs/atomic-file.js';
import { dropPagesInBackground, RELEASE_IN_BACKGROUND_BYTES, replaceReleasingOld } from '../../fs/release-old.js';
import { IntegrityError, NotFoundError } from '../../errors.js';
import type { GitIndexEntry } from '../../formats/git-index.js';
import { indexEntryFromStat } from '../../formats/git-index-stat.js';
import { pointerOf } from '../../formats/lfs-pointer.js';
import { readBlob, readPointerBlob, type TreeFile } from '../../repo/object-store.js';
import { assertNoSymlinkParents } from '../../repo/safe-path.js';
import { addFile } from '../../store/ingest.js';
import { catToFile } from '../../store/reassemble.js';
import type { RepoSession } from './repo-session.js';
import { checkoutReadOnly } from '../locks/lockable.js';

/** The LFS pointer a blob holds, if it is one. */
export function pointerIn(s: RepoSession, blob: string): Promise<{ oid: string; size: number } | undefined> {
  return readPointerBlob(s.paths.gitdir, blob);
}

/**
 * Where files being written wait before their rename: inside `.git/hub`, so a killed checkout
 * never leaves a stray temporary file in the working tree (same file system, so rename works).
 */
export function tmpDirOf(s: RepoSession): string {
  const dir = join(s.paths.hubdir, 'tmp');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Before a download whose files will replace large working files: drops the cached pages of each
 * file the stat cache knows to hold other content (a different LFS oid) than what `wanted` brings
 * to its path, so the new file's writes reuse them (fs/release-old.ts says why). Only the cache:
 * the files are untouched until materialize renames the new ones over them.
 */
export function releaseReplacedPages(s: RepoSession, wanted: ReadonlyArray<{ path: string; oid: string }>): void {
  const replaced = wanted.filter((w) => {
    const held = s.statCache.entries.get(w.path);
    return held?.lfs && held.lfs.oid !== w.oid && held.size >= RELEASE_IN_BACKGROUND_BYTES;
  });
  dropPagesInBackground(replaced.map((w) => join(s.paths.workdir, w.path)));
}

/** Removes staging files a download left that no materialize took (e.g. a path that was skipped). */
export function dropStaged(s: RepoSession): void {
  for (const path of s.staged?.values() ?? []) rmSync(path, { force: true });
  s.staged?.clear();
}

/** Path of a git-lfs object in `.git/lfs/objects`. */
function lfsObjectPath(s: RepoSession, oid: string): string {
  return join(s.paths.gitdir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

/** Makes sure the store can produce `oid`, importing it from .git/lfs/objects if needed; false if nowhere. */
export async function ensureInStore(s: RepoSession, oid: string): Promise<boolean> {
  if (s.store.hasObject(oid)) return true;
  const lfs = lfsObjectPath(s, oid);
  if (!existsSync(lfs)) return false;
  const added = await addFile(s.store, lfs, s.ctx.progress, s.ctx.signal);
  if (added.oid !== oid) throw new IntegrityError(`.git/lfs/objects holds corrupt content for ${oid} (it hashes to ${added.oid})`, { data: { oid } }, 'hash_mismatch');
  return true;
}

/** Removes whatever is at `full` (file, symlink, or a directory tree that is in the way). */
function clear(full: string): void {
  try {
    lstatSync(full);
  } catch {
    return;
  }
  rmSync(full, { recursive: true, force: true });
}

/**
 * What a checkout already read of a blob: its LFS pointer, or null when it is none, and for a
 * small file possibly its bytes. Given, materialize does not read the blob a second time.
 */
export interface KnownBlob {
  pointer: { oid: string; size: number } | null;
  bytes?: Uint8Array;
}

/** Reads a blob once for a checkout: whether it is a pointer and, within `budget` bytes, its content. */
export async function knowBlob(s: RepoSession, oid: string, budget: { bytes: number }): Promise<KnownBlob> {
  const bytes = await readBlob(s.paths.gitdir, oid);
  const pointer = pointerOf(bytes) ?? null;
  if (pointer || bytes.length > budget.bytes) return { pointer };
  budget.bytes -= bytes.length;
  return { pointer, bytes };
}

/**
 * Makes sure the directory of `path` exists as a real directory (not a symlink, not a file):
 * a symlink on the way is refused (exit 5), a file in the way is removed. Directories checked or
 * made are remembered for the session, so a checkout of 100,000 files in 1,000 folders checks
 * each folder once rather than each parent of each file.
 */
function prepareParent(s: RepoSession, path: string): void {
  const parent = dirname(path);
  if (parent === '.' || s.verifiedDirs.has(parent)) return;
  assertNoSymlinkParents(s.paths.workdir, path);
  // a file where a directory must go (or the reverse) is replaced
  for (let d = parent; d !== '.' && !s.verifiedDirs.has(d); d = dirname(d)) {
    const st = lstatSync(join(s.paths.workdir, d), { throwIfNoEntry: false });
    if (st && !st.isDirectory()) rmSync(join(s.paths.workdir, d), { force: true });
  }
  mkdirSync(join(s.paths.workdir, parent), { recursive: true });
  for (let d = parent; d !== '.'; d = dirname(d)) s.verifiedDirs.add(d);
}

/** `path` is about to become a file or symlink: it and what was below it are no longer known directories. */
function forgetDir(s: RepoSession, path: string): void {
  if (!s.verifiedDirs.has(path)) return;
  for (const d of s.verifiedDirs) if (d === path || d.startsWith(`${path}/`)) s.verifiedDirs.delete(d);
}

/**
 * Writes `file` at its path; returns its new index entry (stat of what was written). With
 * `pointerIfMissing`, a large file whose content the store lacks is written as its pointer (a
 * partial clone: `hub status` reports it as not fetched) instead of failing. `known` passes
 * what the caller already read of the blob.
 */
export async function materialize(s: RepoSession, file: TreeFile, opts: { pointerIfMissing?: boolean; known?: KnownBlob } = {}): Promise<{ entry: GitIndexEntry; lfs?: { oid: string; size: number } }> {
  await s.checkpoint();
  const full = join(s.paths.workdir, file.path);
  prepareParent(s, file.path);
  forgetDir(s, file.path);
  let lfs: { oid: string; size: number } | undefined;
  if (file.mode === 0o120000) {
    const target = Buffer.from(await readBlob(s.paths.gitdir, file.oid)).toString();
    clear(full);
    symlinkAtomic(target, full, { tmpDir: tmpDirOf(s), durable: false });
  } else {
    // one read of the blob: it is either the pointer or the content itself
    let bytes: Uint8Array | undefined;
    if (opts.known) {
      lfs = opts.known.pointer ?? undefined;
      bytes = opts.known.bytes;
    } else {
      bytes = await readBlob(s.paths.gitdir, file.oid);
      lfs = pointerOf(bytes);
    }
    if (lfs && opts.pointerIfMissing && !(await ensureInStore(s, lfs.oid))) lfs = undefined; // write the pointer blob itself
    if (lfs) {
      if (!(await ensureInStore(s, lfs.oid))) {
        throw new NotFoundError(`content of '${file.path}' (oid ${lfs.oid}) is not in the store`, { data: { path: file.path, oid: lfs.oid } }, 'content_missing');
      }
      if (lstatSync(full, { throwIfNoEntry: false })?.isDirectory()) clear(full);
      const staged = s.staged?.get(lfs.oid);
      if (staged) {
        s.staged!.delete(lfs.oid); // it was verified as it arrived, in this command
        replaceReleasingOld(staged, full, tmpDirOf(s), s.releaseOld); // a working-tree file: not fsynced (fs/atomic-file.ts); a large old one goes once the command is done
      } else await catToFile(s.store, lfs.oid, full, { progress: s.ctx.progress, tmpDir: tmpDirOf(s), signal: s.ctx.signal, label: `Writing ${file.path}`, durable: false, releaseOld: s.releaseOld });
    } else {
      bytes ??= await readBlob(s.paths.gitdir, file.oid);
      if (lstatSync(full, { throwIfNoEntry: false })?.isDirectory()) clear(full);
      // a working-tree file: atomic, not fsynced, as git writes them (fs/atomic-file.ts)
      writeFileAtomic(full, bytes, { mode: file.mode === 0o100755 ? 0o755 : 0o644, tmpDir: tmpDirOf(s), durable: false });
    }
  }
  let st = lstatSync(full, { bigint: true });
  // a `lockable` file nobody gave us the lock of is read-only, as git-lfs checks it out
  const perm = (file.mode === 0o100755 ? 0o755n : 0o644n) & (file.mode !== 0o120000 && checkoutReadOnly(s, file.path) ? 0o555n : 0o777n);
  if (file.mode !== 0o120000 && (st.mode & 0o777n) !== perm) {
    // a umask (or the store's own file mode) left other bits: set them exactly (one more syscall only then)
    chmodSync(full, Number(perm));
    st = lstatSync(full, { bigint: true });
  }
  const entry = indexEntryFromStat(file.path, file.oid, {
    mode: file.mode,
    size: Number(st.size),
    ctimeNs: st.ctimeNs,
    mtimeNs: st.mtimeNs,
    dev: Number(st.dev),
    ino: Number(st.ino),
    uid: Number(st.uid),
    gid: Number(st.gid),
  });
  // The index entry now proves what a small file holds (status and add trust it); the stat
  // cache is kept for large files, whose LFS oid the index does not record.
  if (lfs) {
    s.statCache.entries.set(file.path, {
      size: Number(st.size),
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      ino: Number(st.ino),
      mode: file.mode,
      blob: file.oid,
      ...(lfs ? { lfs } : {}),
    });
  }
  return { entry, lfs };
}

