/**
 * The working tree against the index, for `hub status`: what is modified, deleted, untracked, and
 * which large files are still pointers. The scan (in index order, lstat packed) and the index (in
 * place, git-index-layout.ts) are walked side by side, as git's status does: a file whose stat is
 * the one its entry was recorded from, and not racily clean, is unchanged, and costs no object,
 * no string beyond its path, and no read. Only the others are hashed (worktree-hash.ts).
 */
import { comparePathTo, layoutFind, layoutMode, layoutOid, layoutPath, layoutPathEndsWith, layoutStage, type GitIndexLayout } from '../../formats/git-index-layout.js';
import { POINTER_MAX_BYTES } from '../../formats/lfs-pointer.js';
import { Field, PackedKind, STAT_FIELDS } from '../../repo/lstat-pack.js';
import { isRacyPacked, matchesPackedStat, racyCutoff } from '../../repo/packed-stat-match.js';
import { isIgnored, packedFile, type PackedScan, type WorktreeFile } from '../../repo/worktree-scan.js';
import { statWorktreePath } from './worktree-fs.js';
import { attributesOfBlobs } from './add-attributes.js';
import { loadAttributes, type RepoSession } from './repo-session.js';
import { gitMode, hashWorktreeFile, isAttributesPath } from './worktree-hash.js';

/** One changed path. */
export interface StatusChange {
  path: string;
  change: 'added' | 'modified' | 'deleted' | 'typechange';
  large: boolean;
}

/** What the working tree holds that the index does not say. */
export interface WorktreeChanges {
  /** Sorted by path. */
  unstaged: StatusChange[];
  /** In index order. */
  untracked: string[];
  notFetched: string[];
  /** How many files were hashed (their stat cache entries are new). */
  hashed: number;
}

const NO_ENTRIES = { count: 0 } as GitIndexLayout;

/** Compares the working tree `scan` with the index of `s`; sets `s.attributes` to the working ones. */
export async function worktreeChanges(s: RepoSession, scan: PackedScan): Promise<WorktreeChanges> {
  const l = s.indexLayout() ?? NO_ENTRIES;
  const { paths, stats } = scan;
  const cutoff = s.indexMtimeNs === undefined ? undefined : racyCutoff(s.indexMtimeNs);
  /** Entry i was recorded from the file of slot j, and is not racily clean. */
  const unchanged = (i: number, j: number) => cutoff !== undefined && !isRacyPacked(stats, j, cutoff) && matchesPackedStat(l, i, stats, j);

  // git's way first: a file whose stat is the one its index entry was recorded from is unchanged,
  // and is not read, nor looked up in the stat cache, unless the working attributes now say
  // otherwise about it than the staged ones (a pattern just tracked) or it may be an unfetched
  // pointer (small, and large by its attributes).
  // When every .gitattributes is exactly as staged (git's stat test), the staged attributes are
  // the working ones and each path is matched once; otherwise the staged ones are read too.
  const attributeFiles: number[] = [];
  for (let j = 0; j < paths.length; j++) if (stats[j * STAT_FIELDS] !== PackedKind.Other && isAttributesPath(paths[j])) attributeFiles.push(j);
  s.attributes = loadAttributes(s.paths.workdir, attributeFiles.map((j) => paths[j]));
  const stagedBlobs = stagedAttributeBlobs(l);
  const asStaged =
    attributeFiles.length === stagedBlobs.size &&
    attributeFiles.every((j) => {
      if (stats[j * STAT_FIELDS] !== PackedKind.File || !stagedBlobs.has(paths[j])) return false;
      const i = layoutFind(l, paths[j]);
      return layoutStage(l, i) === 0 && unchanged(i, j);
    });
  const stagedAttributes = asStaged ? undefined : await attributesOfBlobs(s, stagedBlobs);

  const unstaged: StatusChange[] = [];
  const untracked: string[] = [];
  const notFetched: string[] = [];
  const deleted: number[] = [];
  let hashed = 0;
  /** The file `f` at `path` against index entry `e`, by content (the stat cache saves the reading). */
  const compare = async (path: string, e: number, f: WorktreeFile): Promise<void> => {
    const large = f.kind === 'file' && s.attributes.isLfs(path);
    const cachedBefore = s.statCache.entries.get(path);
    const h = await hashWorktreeFile(s, f, { store: false });
    if (h !== cachedBefore) hashed++;
    const mode = layoutMode(l, e);
    if ((mode === 0o120000) !== (f.kind === 'symlink')) unstaged.push({ path, change: 'typechange', large });
    else if (h.blob !== layoutOid(l, e) || gitMode(f) !== mode) unstaged.push({ path, change: 'modified', large });
    else if (h.pointerOnly) notFetched.push(path);
  };
  let i = 0;
  for (let j = 0; j < paths.length; j++) {
    const at = j * STAT_FIELDS;
    const kind = stats[at + Field.Kind];
    if (kind === PackedKind.Other) continue; // gone since its directory was read
    const path = paths[j];
    let order = 1; // entry i against path
    while (i < l.count && (order = comparePathTo(l, i, path)) < 0) {
      if (layoutStage(l, i) === 0) deleted.push(i);
      i++;
    }
    if (i >= l.count || order > 0) {
      untracked.push(path);
      continue;
    }
    if (layoutStage(l, i) !== 0) {
      while (i < l.count && comparePathTo(l, i, path) === 0) i++; // an unmerged path: neither tracked nor untracked here
      continue;
    }
    const e = i++;
    const isFile = kind === PackedKind.File;
    if (unchanged(e, j)) {
      const small = stats[at + Field.Size] < POINTER_MAX_BYTES;
      if (stagedAttributes === undefined) {
        if (!isFile || !small || !s.attributes.isLfs(path)) continue;
      } else {
        const large = isFile && s.attributes.isLfs(path);
        if (large === (isFile && stagedAttributes.isLfs(path)) && !(large && small)) continue;
      }
    }
    await compare(path, e, packedFile(scan, j)!);
  }
  for (; i < l.count; i++) if (layoutStage(l, i) === 0) deleted.push(i);
  for (const e of deleted) {
    const path = layoutPath(l, e);
    // the scan leaves out what .gitignore excludes, but a tracked file stays tracked (as in git): look at it
    const f = isIgnored(s.paths.workdir, path) ? statWorktreePath(s.paths.workdir, path) : undefined;
    if (f) await compare(path, e, f);
    else unstaged.push({ path, change: 'deleted', large: s.attributes.isLfs(path) });
  }
  unstaged.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { unstaged, untracked, notFetched, hashed };
}

/** path -> blob id of every staged (stage 0) `.gitattributes`. */
function stagedAttributeBlobs(l: GitIndexLayout): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < l.count; i++) {
    if (!layoutPathEndsWith(l, i, '.gitattributes') || layoutStage(l, i) !== 0) continue;
    const path = layoutPath(l, i);
    if (isAttributesPath(path)) out.set(path, layoutOid(l, i));
  }
  return out;
}

/** True when some index entry (at any stage) lies under directory `dir`. */
export function hasEntriesUnder(l: GitIndexLayout | undefined, dir: string): boolean {
  if (!l) return false;
  const i = layoutFind(l, `${dir}/`);
  return i < l.count && layoutPath(l, i).startsWith(`${dir}/`);
}
