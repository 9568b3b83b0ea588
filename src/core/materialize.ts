/**
 * Writing one committed file into the working tree: small blobs from the object database,
 * large files (LFS pointers) from the store, every byte verified, each file appearing only
 * complete (tmp + rename). Content that is not in the store is imported from `.git/lfs/objects`
 * (a repository made with git-lfs) when it is there, verified on the way in.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commitFile, symlinkAtomic, writeFileAtomic } from '../fs/atomic-file.js';
import { IntegrityError, NotFoundError } from '../errors.js';
import type { GitIndexEntry } from '../formats/git-index.js';
import { indexEntryFromStat } from '../formats/git-index-stat.js';
import { readBlob, readPointerBlob, type TreeFile } from '../repo/object-store.js';
import { assertNoSymlinkParents } from '../repo/safe-path.js';
import { addFile } from '../store/ingest.js';
import { catToFile } from '../store/reassemble.js';
import type { RepoSession } from './repo-session.js';

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
 * Writes `file` at its path; returns its new index entry (stat of what was written). With
 * `pointerIfMissing`, a large file whose content the store lacks is written as its pointer (a
 * partial clone: `hub status` reports it as not fetched) instead of failing.
 */
export async function materialize(s: RepoSession, file: TreeFile, opts: { pointerIfMissing?: boolean } = {}): Promise<{ entry: GitIndexEntry; lfs?: { oid: string; size: number } }> {
  await s.checkpoint();
  const full = join(s.paths.workdir, file.path);
  assertNoSymlinkParents(s.paths.workdir, file.path);
  // a file where a directory must go (or the reverse) is replaced
  for (let d = dirname(file.path); d !== '.'; d = dirname(d)) {
    const p = join(s.paths.workdir, d);
    try {
      if (!lstatSync(p).isDirectory()) rmSync(p, { force: true });
    } catch {
      /* absent */
    }
  }
  mkdirSync(dirname(full), { recursive: true });
  let lfs: { oid: string; size: number } | undefined;
  if (file.mode === 0o120000) {
    const target = Buffer.from(await readBlob(s.paths.gitdir, file.oid)).toString();
    clear(full);
    symlinkAtomic(target, full, { tmpDir: tmpDirOf(s), durable: false });
  } else {
    lfs = await pointerIn(s, file.oid);
    if (lfs && opts.pointerIfMissing && !(await ensureInStore(s, lfs.oid))) lfs = undefined; // write the pointer blob itself
    if (lfs) {
      if (!(await ensureInStore(s, lfs.oid))) {
        throw new NotFoundError(`content of '${file.path}' (oid ${lfs.oid}) is not in the store`, { data: { path: file.path, oid: lfs.oid } }, 'content_missing');
      }
      if (existsSync(full) && lstatSync(full).isDirectory()) clear(full);
      const staged = s.staged?.get(lfs.oid);
      if (staged) {
        s.staged!.delete(lfs.oid); // it was verified as it arrived, in this command
        commitFile(staged, full);
      } else await catToFile(s.store, lfs.oid, full, { progress: s.ctx.progress, tmpDir: tmpDirOf(s), signal: s.ctx.signal });
    } else {
      const bytes = await readBlob(s.paths.gitdir, file.oid);
      if (existsSync(full) && lstatSync(full).isDirectory()) clear(full);
      // a working-tree file: atomic, not fsynced, as git writes them (fs/atomic-file.ts)
      writeFileAtomic(full, bytes, { mode: 0o644, tmpDir: tmpDirOf(s), durable: false });
    }
    chmodSync(full, file.mode === 0o100755 ? 0o755 : 0o644);
  }
  const st = lstatSync(full, { bigint: true });
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
  s.statCache.entries.set(file.path, {
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    ino: Number(st.ino),
    mode: file.mode,
    blob: file.oid,
    ...(lfs ? { lfs } : {}),
  });
  return { entry, lfs };
}
