/**
 * `hub status`: what is staged (HEAD vs index), what is changed in the working tree (index vs
 * files), what is untracked, and which large files are only pointers (content not fetched).
 * Only files whose stat changed since they were last hashed are read (DESIGN.md §2).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanWorktree } from '../repo/worktree-scan.js';
import type { CoreContext } from './context.js';
import { commitFiles, headOf, indexHoldsTree, treeOf } from './head-tree.js';
import { loadAttributes, withRepo, type RepoSession } from './repo-session.js';
import { gitMode, hashWorktreeFile } from './worktree-hash.js';
import { saveStatCache } from '../repo/stat-cache-file.js';

/** One changed path. */
export interface StatusChange {
  path: string;
  change: 'added' | 'modified' | 'deleted' | 'typechange';
  large: boolean;
}

/** The `--json` shape of `hub status`. */
export interface StatusResult {
  branch: string | null;
  head: string | null;
  detached: boolean;
  staged: StatusChange[];
  unstaged: StatusChange[];
  untracked: string[];
  /** Large files whose working copy is still the LFS pointer. */
  notFetched: string[];
  /** Set when a checkout was interrupted: the revision it was going to. */
  checkoutInProgress: string | null;
  clean: boolean;
}

/** Computes the status of the repository containing ctx.cwd. */
export async function status(ctx: CoreContext): Promise<StatusResult> {
  return withRepo(ctx, {}, (s) => statusOf(s));
}

/** Status with an open session (also used by checkout's safety checks). */
export async function statusOf(s: RepoSession): Promise<StatusResult> {
  const head = await headOf(s.paths);
  const headTree = await treeOf(s.paths, head.oid);
  const staged: StatusChange[] = [];
  if (!indexHoldsTree(s.paths, headTree)) {
    const headFiles = await commitFiles(s.paths, head.oid);
    for (const [path, e] of s.index) {
      const h = headFiles.get(path);
      if (!h) staged.push({ path, change: 'added', large: s.attributes.isLfs(path) });
      else if (h.oid !== e.oid || h.mode !== e.mode) staged.push({ path, change: 'modified', large: s.attributes.isLfs(path) });
    }
    for (const path of headFiles.keys()) if (!s.index.has(path)) staged.push({ path, change: 'deleted', large: s.attributes.isLfs(path) });
    staged.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  const files = scanWorktree(s.paths.workdir);
  s.attributes = loadAttributes(s.paths.workdir, files.filter((f) => f.path.endsWith('/.gitattributes')).map((f) => f.path));
  const unstaged: StatusChange[] = [];
  const untracked: string[] = [];
  const notFetched: string[] = [];
  const seen = new Set<string>();
  const before = s.statCache.entries.size;
  let hashed = 0;
  for (const f of files) {
    seen.add(f.path);
    const e = s.index.get(f.path);
    if (!e) {
      untracked.push(f.path);
      continue;
    }
    const large = s.attributes.isLfs(f.path);
    const cachedBefore = s.statCache.entries.get(f.path);
    const h = await hashWorktreeFile(s, f, { store: false });
    if (h !== cachedBefore) hashed++;
    if ((e.mode === 0o120000) !== (f.kind === 'symlink')) unstaged.push({ path: f.path, change: 'typechange', large });
    else if (h.blob !== e.oid || gitMode(f) !== e.mode) unstaged.push({ path: f.path, change: 'modified', large });
    else if (h.pointerOnly) notFetched.push(f.path);
  }
  for (const path of s.index.keys()) if (!seen.has(path)) unstaged.push({ path, change: 'deleted', large: s.attributes.isLfs(path) });
  unstaged.sort((a, b) => (a.path < b.path ? -1 : 1));
  if (hashed > 0 || s.statCache.entries.size !== before) saveStatCache(s.paths, s.statCache);

  const marker = join(s.paths.hubdir, 'checkout-in-progress');
  const checkoutInProgress = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null;
  return {
    branch: head.branch ?? null,
    head: head.oid ?? null,
    detached: head.detached,
    staged,
    unstaged,
    untracked,
    notFetched,
    checkoutInProgress,
    clean: staged.length === 0 && unstaged.length === 0 && untracked.length === 0 && !checkoutInProgress,
  };
}
