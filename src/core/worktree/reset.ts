/**
 * `hub reset [--soft|--mixed|--hard] [REV]` (REV defaults to HEAD), as git's: the branch (or a
 * detached HEAD) moves to REV and ORIG_HEAD keeps where it was; --mixed (the default) also makes
 * the index REV's tree, leaving the working files alone; --hard also makes the working tree REV's,
 * discarding local changes to tracked files (untracked files stay). A merge or revert in progress
 * is ended (its conflict stages and MERGE_HEAD go); --soft refuses during one, as git does.
 *
 * --hard writes large files from the store, verified, and makes sure every one is available
 * before the first file is touched (fetching what the store lacks from the remote, as checkout
 * does); a file whose working copy already holds
 * REV's content is not rewritten.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, UsageError } from '../../errors.js';
import type { GitIndexEntry } from '../../formats/git-index.js';
import { indexEntryFromStat } from '../../formats/git-index-stat.js';
import { IndexEntries } from '../../repo/index-entries.js';
import { clearMergeState, readMergeHeads, writeOrigHead } from '../../repo/merge-state.js';
import type { TreeFile } from '../../repo/object-store.js';
import { readHead, resolveRevision, setHeadDetached, writeRef } from '../../repo/refs.js';
import { assertSafeTreePath } from '../../repo/safe-path.js';
import { existsSync } from 'node:fs';
import type { CoreContext } from '../context.js';
import { commitFiles, recordIndexTree, treeOf } from './head-tree.js';
import { fetchNeededContent, leftOutOfPartialClone, type NeededContent } from '../sync/content-on-demand.js';
import { ensureInStore, materialize, pointerIn } from './materialize.js';
import { logHeadMove } from './ref-log.js';
import { saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { pruneEmptyDirs, statWorktreePath } from './worktree-fs.js';
import { hashWorktreeFile, unchangedSinceIndexed } from './worktree-hash.js';

/** How far a reset goes. */
export type ResetMode = 'soft' | 'mixed' | 'hard';

/** The `--json` shape of `hub reset`. */
export interface ResetResult {
  mode: ResetMode;
  from: string | null;
  to: string;
  branch: string | null;
  /** Working files written or removed (--hard). */
  written: string[];
  removed: string[];
  /** Paths whose index entry changed (--mixed, --hard). */
  unstaged: string[];
}

/** Moves HEAD's branch to `rev` and, by mode, the index and working tree. */
export async function reset(ctx: CoreContext, rev: string | undefined, mode: ResetMode): Promise<ResetResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    const { gitdir } = s.paths;
    const head = await readHead(gitdir);
    const target = await resolveRevision(gitdir, rev ?? 'HEAD');
    const merging = readMergeHeads(gitdir).length > 0 || existsSync(join(gitdir, 'REVERT_HEAD'));
    if (mode === 'soft' && (merging || s.index.unmerged().length)) throw new ConflictError('cannot do a soft reset in the middle of a merge', { hint: "'hub reset --hard HEAD' (or 'hub merge --abort') ends it" }, 'merge_in_progress');
    const files = await commitFiles(s.paths, target);
    for (const p of files.keys()) assertSafeTreePath(p, `commit ${target.slice(0, 12)}`);
    const result: ResetResult = { mode, from: head.oid ?? null, to: target, branch: head.branch ?? null, written: [], removed: [], unstaged: [] };
    if (mode === 'hard') await resetWorktree(s, files, result);
    else if (mode === 'mixed') resetIndex(s, files, result);
    if (head.oid) writeOrigHead(gitdir, head.oid);
    if (head.branch) writeRef(gitdir, `refs/heads/${head.branch}`, target);
    else setHeadDetached(gitdir, target);
    await logHeadMove(s, head.branch, { from: head.oid, to: target, message: `reset: moving to ${rev ?? 'HEAD'}` });
    if (mode !== 'soft') {
      clearMergeState(gitdir);
      recordIndexTree(s.paths, await treeOf(s.paths, target));
    }
    return result;
  });
}

/** An index entry git must re-read the file for (no stat data), as `git read-tree` leaves it. */
function freshEntry(t: TreeFile): GitIndexEntry {
  return indexEntryFromStat(t.path, t.oid, { mode: t.mode, size: 0, ctimeNs: 0n, mtimeNs: 0n, dev: 0, ino: 0, uid: 0, gid: 0 });
}

/** --mixed: the index becomes `files`; entries that already match keep their stat data. */
function resetIndex(s: RepoSession, files: Map<string, TreeFile>, result: ResetResult): void {
  const entries: GitIndexEntry[] = [];
  for (const p of new Set([...s.index.paths(), ...files.keys()])) {
    const t = files.get(p);
    const i = s.index.get(p);
    if (t && i && i.oid === t.oid && i.mode === t.mode) entries.push(i);
    else {
      if (t) entries.push(freshEntry(t));
      result.unstaged.push(p);
    }
  }
  s.index = new IndexEntries(entries);
  saveIndex(s);
  result.unstaged.sort();
}

/** --hard: index and working tree become `files`; untracked files stay. */
async function resetWorktree(s: RepoSession, files: Map<string, TreeFile>, result: ResetResult): Promise<void> {
  const toWrite: TreeFile[] = [];
  const toRemove: string[] = [];
  for (const p of new Set([...s.index.paths(), ...files.keys()])) {
    const t = files.get(p);
    const i = s.index.get(p);
    const f = statWorktreePath(s.paths.workdir, p);
    if (!t) {
      toRemove.push(p);
      continue;
    }
    if (i && i.oid === t.oid && i.mode === t.mode && f) {
      // the index already says so: the file is unchanged when its stat says so, or it hashes to it
      if (unchangedSinceIndexed(s, f) || (await hashWorktreeFile(s, f, { store: false })).blob === t.oid) continue;
    }
    if (i?.oid !== t.oid || i.mode !== t.mode) result.unstaged.push(p);
    toWrite.push(t);
  }
  // every large file's content must be there before the first file is touched
  // (what the store lacks comes from the remote, as checkout's does; a partial clone leaves out what it left out)
  const leftOut = await leftOutOfPartialClone(s.paths);
  const missing: NeededContent[] = [];
  for (const t of toWrite) {
    const lfs = t.mode === 0o120000 ? undefined : await pointerIn(s, t.oid);
    if (lfs && !leftOut?.(t.path) && !(await ensureInStore(s, lfs.oid)) && !missing.some((m) => m.oid === lfs.oid)) missing.push({ path: t.path, ...lfs });
  }
  await fetchNeededContent(s, missing, result.to);
  for (const p of toRemove) {
    rmSync(join(s.paths.workdir, p), { force: true });
    s.index.delete(p);
    result.removed.push(p);
    result.unstaged.push(p);
  }
  pruneEmptyDirs(s.paths.workdir, toRemove, s.ctx.cwd);
  for (const t of toWrite) {
    s.index.set(t.path, (await materialize(s, t, { pointerIfMissing: !!leftOut?.(t.path) })).entry); // resolves a conflict at that path too
    result.written.push(t.path);
  }
  saveIndex(s);
  result.written.sort();
  result.removed.sort();
  result.unstaged.sort();
}

/** Parses the mode flags of `hub reset`. */
export function resetMode(opts: { soft?: boolean; mixed?: boolean; hard?: boolean }): ResetMode {
  const set = (['soft', 'mixed', 'hard'] as const).filter((m) => opts[m]);
  if (set.length > 1) throw new UsageError(`--${set.join(' and --')} exclude each other`, {}, 'usage');
  return set[0] ?? 'mixed';
}
