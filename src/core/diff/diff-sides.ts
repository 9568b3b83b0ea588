/**
 * The two sides of `hub diff`: a commit's tree, or the working tree (the files git tracks there,
 * as they would be committed now). Each side lists its files and opens any of them as a
 * ByteSource; large files resolve to their LFS oid and are read through LargeFiles.
 */
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { bufferSource, type ByteSource } from '../../diff/byte-source.js';
import type { DiffSide } from '../../diff/diff-result.js';
import type { TreeEntry } from '../../diff/tree-diff.js';
import { readBlob, readPointerBlob } from '../../repo/object-store.js';
import { readHead, resolveRevision } from '../../repo/refs.js';
import { blobSource, fileSource } from './diff-sources.js';
import type { LargeFiles } from './diff-large.js';
import { commitFiles } from '../worktree/head-tree.js';
import type { RepoSession } from '../worktree/repo-session.js';
import { statWorktreePath } from '../worktree/worktree-fs.js';
import { gitMode, hashWorktreeFile, isLargePath, unchangedSinceIndexed } from '../worktree/worktree-hash.js';

/** A file of a side. */
export interface SideEntry extends TreeEntry {
  /** The working-tree file, for the working-tree side. */
  file?: string;
  lfs?: { oid: string; size: number };
}

/** One side of a diff. */
export interface Side {
  info: DiffSide;
  entries: Map<string, SideEntry>;
  /** The LFS pointer of `e`, if it is a large file. */
  lfsOf(e: SideEntry): Promise<{ oid: string; size: number } | undefined>;
  /** Size of the content (the large file's, not its pointer's). */
  sizeOf(e: SideEntry): Promise<number>;
  open(e: SideEntry): Promise<ByteSource>;
}

/** The tree of revision `rev`. */
export async function commitSide(s: RepoSession, rev: string, large: LargeFiles): Promise<Side> {
  // before the first commit, HEAD is the empty tree (every file of the working tree is added)
  const unborn = rev === 'HEAD' && !(await readHead(s.paths.gitdir)).oid;
  const commit = unborn ? undefined : await resolveRevision(s.paths.gitdir, rev);
  const entries = new Map<string, SideEntry>();
  for (const [path, f] of await commitFiles(s.paths, commit)) entries.set(path, { path, mode: f.mode, blob: f.oid });
  const short = commit?.slice(0, 7) ?? 'HEAD';
  return blobSide(s, large, { label: rev, commit: commit ?? null }, entries, (path) => `${path}@${short}`);
}

/** A side whose entries are git blobs (a commit's tree, the index); large files resolve through their pointer blobs. */
function blobSide(s: RepoSession, large: LargeFiles, info: Side['info'], entries: Map<string, SideEntry>, nameOf: (path: string) => string): Side {
  const side: Side = {
    info,
    entries,
    async lfsOf(e) {
      if (e.mode === 0o120000) return undefined;
      if (!('lfs' in e)) e.lfs = await readPointerBlob(s.paths.gitdir, e.blob);
      return e.lfs;
    },
    async sizeOf(e) {
      const lfs = await side.lfsOf(e);
      return lfs ? lfs.size : (await readBlob(s.paths.gitdir, e.blob)).length;
    },
    async open(e) {
      const lfs = await side.lfsOf(e);
      const name = nameOf(e.path);
      return lfs ? large.open(lfs.oid, lfs.size, name) : blobSource(s.paths.gitdir, e.blob, name);
    },
  };
  return side;
}

/** The working tree: every path of the index or of `against`, as it is on disk now. */
export async function worktreeSide(s: RepoSession, against: Side): Promise<Side> {
  const entries = new Map<string, SideEntry>();
  for (const path of new Set([...s.index.keys(), ...against.entries.keys()])) {
    const f = statWorktreePath(s.paths.workdir, path);
    if (!f) continue;
    const i = s.index.get(path);
    // a small file with its index entry's stat holds that entry's blob (git's rule): not read
    if (i && !isLargePath(s, path) && unchangedSinceIndexed(s, f)) {
      entries.set(path, { path, mode: gitMode(f), blob: i.oid, file: join(s.paths.workdir, path) });
      continue;
    }
    const h = await hashWorktreeFile(s, f, { store: false });
    entries.set(path, { path, mode: gitMode(f), blob: h.blob, file: join(s.paths.workdir, path), ...(h.lfs ? { lfs: h.lfs } : {}) });
  }
  return {
    info: { label: 'working tree', commit: null },
    entries,
    lfsOf: async (e) => e.lfs,
    sizeOf: async (e) => fileSource(e.file!, e.path).size,
    async open(e) {
      if (e.mode === 0o120000) return bufferSource(e.path, Buffer.from(readlinkSync(e.file!)));
      // a large file the store already holds (unchanged since it was added) reads the same either way
      return fileSource(e.file!, `${e.path} (working tree)`);
    },
  };
}

/** The index (what `hub commit` would record): `hub diff --cached`'s second side. Large files resolve through their pointer blobs. */
export function indexSide(s: RepoSession, large: LargeFiles): Side {
  const entries = new Map<string, SideEntry>();
  for (const e of s.index.values()) entries.set(e.path, { path: e.path, mode: e.mode, blob: e.oid });
  return blobSide(s, large, { label: 'index', commit: null }, entries, (path) => `${path} (index)`);
}
