/**
 * What a working-tree file hashes to as git would commit it: a small file is its own blob; a
 * large file (filter=lfs) is committed as its Git LFS pointer. The stat cache skips files whose
 * stat is unchanged. With `store: true` (hub add) large content goes into the store as it is
 * hashed and the blob is written; otherwise (status, checkout checks) nothing is written.
 */
import { closeSync, existsSync, openSync, readSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fromFsError } from '../../errors.js';
import { looksLikePointer, parsePointer, pointerFor } from '../../formats/lfs-pointer.js';
import { objectId } from '../../formats/git-object.js';
import { entryMatchesStat } from '../../formats/git-index-stat.js';
import { racyMarginNs, trustedEntry, type StatCacheEntry } from '../../formats/stat-cache.js';
import { sha256FilePaced } from '../../hash/sha256.js';
import { writeBlob } from '../../repo/object-store.js';
import type { WorktreeFile } from '../../repo/worktree-scan.js';
import type { RepoSession } from './repo-session.js';
import { readFileSync } from 'node:fs';

/** What a working file hashes to. */
export interface HashedFile extends StatCacheEntry {
  /** True when the working file is itself an LFS pointer (content not fetched). */
  pointerOnly?: boolean;
}

/** Git mode of a scanned file. */
export function gitMode(f: WorktreeFile): number {
  if (f.kind === 'symlink') return 0o120000;
  return f.mode & 0o100 ? 0o100755 : 0o100644;
}

/**
 * True when the working file is provably what its index entry records, without reading it: its
 * lstat is exactly the one the entry was recorded from, and it was not modified too close to when
 * the index was written (git's racy-clean rule, with the stat cache's margins). Like git, this
 * trusts the entry's blob id, which the staged attributes decided: callers also check that the
 * working attributes say the same about the file (`hub add` keeps the two consistent).
 */
export function unchangedSinceIndexed(s: RepoSession, f: WorktreeFile): boolean {
  const e = s.index.get(f.path);
  if (!e || s.indexMtimeNs === undefined) return false;
  if (f.mtimeNs >= s.indexMtimeNs - racyMarginNs(f.mtimeNs)) return false;
  return entryMatchesStat(e, f);
}

/** True when `path` names a `.gitattributes` file (at any depth). */
export function isAttributesPath(path: string): boolean {
  return path === '.gitattributes' || path.endsWith('/.gitattributes');
}

/** True when `path` is committed as an LFS pointer (by attributes). */
export function isLargePath(s: RepoSession, path: string): boolean {
  return s.attributes.isLfs(path);
}

/** Hashes one working file (see module comment); updates the stat cache. */
export async function hashWorktreeFile(s: RepoSession, f: WorktreeFile, opts: { store: boolean; large?: boolean }): Promise<HashedFile> {
  await s.checkpoint();
  const large = opts.large ?? isLargePath(s, f.path);
  const st = { size: f.size, mtimeNs: f.mtimeNs, ctimeNs: f.ctimeNs, ino: f.ino, mode: gitMode(f) };
  const cached = trustedEntry(s.statCache, f.path, st);
  const full = join(s.paths.workdir, f.path);
  if (cached && (cached.lfs !== undefined) === (large && f.kind === 'file')) {
    if (!opts.store) return cached;
    // hub add: the blob must exist and large content must be in the store
    if (!cached.lfs || s.store.hasObject(cached.lfs.oid)) {
      if (!hasLooseObject(s.paths.gitdir, cached.blob)) ensureBlob(s, cached, full, f);
      return cached;
    }
  }
  let entry: HashedFile;
  try {
    if (f.kind === 'symlink') {
      const target = Buffer.from(readlinkSync(full));
      entry = { ...st, blob: opts.store ? writeBlob(s.paths.gitdir, target) : objectId('blob', target) };
    } else if (large) {
      entry = await hashLarge(s, f, full, st, opts.store);
    } else {
      entry = { ...st, blob: opts.store ? writeBlob(s.paths.gitdir, readFileSync(full)) : blobIdOfFile(full, f.size) };
    }
  } catch (err) {
    throw fromFsError(err, f.path);
  }
  // The cache keeps what the index cannot say: the LFS oid and size of a large file. A small
  // file is proven by its index entry's stat data (unchangedSinceIndexed), as git does.
  if (entry.lfs && !entry.pointerOnly) s.statCache.entries.set(f.path, stripFlags(entry));
  return entry;
}

async function hashLarge(s: RepoSession, f: WorktreeFile, full: string, st: Omit<StatCacheEntry, 'blob'>, store: boolean): Promise<HashedFile> {
  if (f.size < 1024) {
    const bytes = readFileSync(full);
    if (looksLikePointer(bytes)) {
      try {
        parsePointer(bytes);
        // an unfetched file: what is committed is the pointer itself
        return { ...st, blob: store ? writeBlob(s.paths.gitdir, bytes) : objectId('blob', bytes), pointerOnly: true };
      } catch {
        /* not a valid pointer: ordinary content */
      }
    }
  }
  // the store's modules load only for commands that store content
  const { oid, size } = store ? await (await import('../../store/ingest.js')).addFile(s.store, full, s.ctx.progress, s.ctx.signal) : await sha256FilePaced(full, s.checkpoint);
  const pointer = Buffer.from(pointerFor(oid, size));
  return { ...st, blob: store ? writeBlob(s.paths.gitdir, pointer) : objectId('blob', pointer), lfs: { oid, size } };
}

/** With --store and a cached entry, the blob object must exist too (it may not, after a fresh clone). */
function ensureBlob(s: RepoSession, e: StatCacheEntry, full: string, f: WorktreeFile): void {
  if (e.lfs) writeBlob(s.paths.gitdir, Buffer.from(pointerFor(e.lfs.oid, e.lfs.size)));
  else if (f.kind === 'symlink') writeBlob(s.paths.gitdir, Buffer.from(readlinkSync(full)));
  else writeBlob(s.paths.gitdir, readFileSync(full));
}

function hasLooseObject(gitdir: string, oid: string): boolean {
  return existsSync(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
}

function stripFlags(e: HashedFile): StatCacheEntry {
  const { pointerOnly: _p, ...rest } = e;
  return rest;
}

/** The git blob id of a file's content, streamed (never the whole file in memory). */
export function blobIdOfFile(path: string, size: number): string {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      total += n;
    }
    if (total !== size) return createHash('sha1').update(`changed while read ${path}`).digest('hex');
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
