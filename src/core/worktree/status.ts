/**
 * `hub status`: what is staged (HEAD vs index), what is changed in the working tree (index vs
 * files), what is untracked, and which large files are only pointers (content not fetched).
 * Only files whose stat changed since they were last hashed are read (DESIGN.md §2).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRefFile } from '../../repo/ref-files.js';
import { refExists, resolveRevision } from '../../repo/refs.js';
import { conflictKind, type ConflictKind } from '../../repo/index-entries.js';
import { scanWorktreePacked, type PackedScan } from '../../repo/worktree-scan.js';
import { findRepo } from '../../repo/repository.js';
import type { CoreContext } from '../context.js';
import { commitFiles, headOf, indexHoldsTree, treeOf } from './head-tree.js';
import { withRepo, type RepoSession } from './repo-session.js';
import { hasEntriesUnder, worktreeChanges, type StatusChange } from './status-worktree.js';
import { saveStatCache } from '../../repo/stat-cache-file.js';

export type { StatusChange };

/** A path with conflict stages (after a merge that stopped): which stages it has, and git's name for that. */
export interface StatusUnmerged {
  path: string;
  conflict: ConflictKind;
  /** The stages present: 1 base, 2 ours, 3 theirs. */
  stages: number[];
}

/** Where the branch stands against its upstream (`branch.B.remote`/`merge`), as git counts it. */
export interface StatusUpstream {
  /** `REMOTE/BRANCH`. */
  name: string;
  /** False when the remote-tracking ref does not exist (git: "gone"). */
  exists: boolean;
  ahead: number;
  behind: number;
}

/** The `--json` shape of `hub status`. */
export interface StatusResult {
  branch: string | null;
  /** null when the branch has no upstream (or HEAD is detached). */
  upstream: StatusUpstream | null;
  head: string | null;
  detached: boolean;
  staged: StatusChange[];
  unstaged: StatusChange[];
  untracked: string[];
  /** The untracked paths as git's short status lists them: a directory holding no tracked file once, as `DIR/`. */
  untrackedShort: string[];
  /** Paths with conflict stages; `hub commit` refuses until `hub add` (or `hub rm`) resolves them. */
  unmerged: StatusUnmerged[];
  /** Large files whose working copy is still the LFS pointer. */
  notFetched: string[];
  /** Set when a checkout was interrupted: the revision it was going to. */
  checkoutInProgress: string | null;
  clean: boolean;
}

/** Computes the status of the repository containing ctx.cwd. */
export async function status(ctx: CoreContext): Promise<StatusResult> {
  // git's preload-index: the working tree is lstat'ed on worker threads while the index is read
  const scan = scanWorktreePacked(findRepo(ctx.cwd).workdir);
  scan.catch(() => {}); // awaited below; a failure before then must not be unhandled
  return withRepo(ctx, { store: false, lazyIndex: true }, async (s) => statusOf(s, await scan));
}

/** Status with an open session and the working tree's scan. */
async function statusOf(s: RepoSession, scan: PackedScan): Promise<StatusResult> {
  const head = await headOf(s.paths);
  const headTree = await treeOf(s.paths, head.oid);
  const staged: StatusChange[] = [];
  // the parsed index (an object per entry) is needed only when it may differ from HEAD, or has conflicts
  if (!indexHoldsTree(s.paths, headTree)) {
    const headFiles = await commitFiles(s.paths, head.oid);
    for (const [path, e] of s.index) {
      const h = headFiles.get(path);
      if (!h) staged.push({ path, change: 'added', large: s.attributes.isLfs(path) });
      else if (h.oid !== e.oid || h.mode !== e.mode) staged.push({ path, change: 'modified', large: s.attributes.isLfs(path) });
    }
    for (const path of headFiles.keys()) if (!s.index.has(path) && !s.index.isUnmerged(path)) staged.push({ path, change: 'deleted', large: s.attributes.isLfs(path) });
    staged.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  const { unstaged, untracked, notFetched, hashed } = await worktreeChanges(s, scan);
  if (hashed > 0) saveStatCache(s.paths, s.statCache);

  const marker = join(s.paths.hubdir, 'checkout-in-progress');
  const checkoutInProgress = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null;
  const unmerged = !s.indexLayout()?.hasConflicts ? [] : s.index.unmerged().map((u) => {
    const stages = u.stages.map((e) => e.stage);
    return { path: u.path, conflict: conflictKind(stages), stages };
  });
  return {
    branch: head.branch ?? null,
    upstream: head.branch && head.oid ? await upstreamOf(s, head.branch, head.oid) : null,
    head: head.oid ?? null,
    detached: head.detached,
    staged,
    unstaged,
    untracked,
    untrackedShort: collapseUntracked(untracked, (dir) => hasEntriesUnder(s.indexLayout(), dir)),
    unmerged,
    notFetched,
    checkoutInProgress,
    clean: staged.length === 0 && unstaged.length === 0 && untracked.length === 0 && unmerged.length === 0 && !checkoutInProgress,
  };
}

/** The branch's upstream and the commits each side has that the other lacks. */
async function upstreamOf(s: RepoSession, branch: string, head: string): Promise<StatusUpstream | null> {
  // most repositories have no upstream: read .git/config with isomorphic-git only when one may be there
  if (!readFileSync(join(s.paths.gitdir, 'config'), 'utf8').includes(`[branch "${branch}"]`)) return null;
  // these two load isomorphic-git (tens of ms): only for a branch that may have an upstream
  const [{ readBranchUpstream }, { aheadBehind }] = await Promise.all([import('../../repo/remote-refs.js'), import('../../repo/ancestry.js')]);
  const up = await readBranchUpstream(s.paths.gitdir, branch);
  if (!up) return null;
  const name = `${up.remote}/${up.branch}`;
  const tracking = readRefFile(s.paths.gitdir, `refs/remotes/${name}`) ?? (await refExists(s.paths.gitdir, `refs/remotes/${name}`) ? await resolveRevision(s.paths.gitdir, `refs/remotes/${name}`) : undefined);
  if (!tracking) return { name, exists: false, ahead: 0, behind: 0 };
  return { name, exists: true, ...(await aheadBehind(s.paths.gitdir, head, tracking)) };
}

/** git's default (status.showUntrackedFiles=normal): an untracked directory with no tracked file below is one entry. */
function collapseUntracked(untracked: readonly string[], tracksUnder: (dir: string) => boolean): string[] {
  if (!untracked.length) return [];
  const known = new Map<string, boolean>();
  const tracked = (dir: string) => {
    let t = known.get(dir);
    if (t === undefined) known.set(dir, (t = tracksUnder(dir)));
    return t;
  };
  const out = new Set<string>();
  for (const p of untracked) {
    let entry = p;
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (!tracked(p.slice(0, i))) {
        entry = `${p.slice(0, i)}/`;
        break;
      }
    }
    out.add(entry);
  }
  return [...out].sort();
}
