/**
 * `hub merge REV`, `hub merge --abort`, and the merge `hub pull` runs on diverged histories.
 *
 * Fast-forward when HEAD is an ancestor of REV; otherwise a three-way merge (core/merge-trees.ts)
 * against the merge base. Clean: a merge commit with parents HEAD and REV. Conflicts: the working
 * tree gets git's conflict markers (text) or keeps ours (large and binary files), the index gets
 * stages 1-3 exactly as git writes them, MERGE_HEAD/MERGE_MSG/MERGE_MODE and ORIG_HEAD are
 * written, and the command exits 7 naming the paths; `hub commit` concludes, `hub merge --abort`
 * goes back. As `git merge` does, it refuses when the index differs from HEAD or when a file the
 * merge must write holds local changes (nothing is written then).
 */
import { ConflictError, NotFoundError } from '../../errors.js';
import type { GitIndexEntry } from '../../formats/git-index.js';
import { indexEntryFromStat } from '../../formats/git-index-stat.js';
import { isAncestor, mergeBases } from '../../repo/ancestry.js';
import { conflictKind, type ConflictKind } from '../../repo/index-entries.js';
import { clearMergeState, readMergeHeads, writeMergeState, writeOrigHead } from '../../repo/merge-state.js';
import { writeCommit, writeTreeFromFiles, type TreeFile } from '../../repo/object-store.js';
import { readHead, refExists, resolveRevision, setHeadDetached, writeRef } from '../../repo/refs.js';
import { applyFiles, moveTo } from './checkout.js';
import type { CoreContext } from '../context.js';
import { commitFiles, recordIndexTree } from './head-tree.js';
import { commitIdentities } from './identity.js';
import { materialize } from './materialize.js';
import { logHeadMove } from './ref-log.js';
import { mergeTrees, type MergeConflictReason } from './merge-trees.js';
import type { MergeLabels } from '../../repo/merge-file.js';
import { refuseUnmerged, saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { pruneEmptyDirs } from './worktree-fs.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** The `--json` shape of `hub merge` (and the merge part of `hub pull`). */
export interface MergeResult {
  /** The commit merged in. */
  merged: string;
  /** HEAD before the merge (null on an unborn branch). */
  from: string | null;
  /** HEAD after it: the merge commit, REV itself (fast-forward), or HEAD (up to date). */
  to: string;
  branch: string | null;
  upToDate: boolean;
  fastForward: boolean;
  /** The merge commit's parents (empty unless a merge commit was written). */
  parents: string[];
  written: string[];
  removed: string[];
}

/** A conflicted path as the exit-7 error's data lists it. */
export interface MergeConflictInfo {
  path: string;
  reason: MergeConflictReason;
  conflict: ConflictKind;
}

/** How a merge is described: marker label, commit message, and which large files to leave as pointers (pull --include). */
export interface MergeOptions {
  label: string;
  message: string;
  leavePointer?: (path: string) => boolean;
  now?: Date;
  /** How messages name the merge (default "merge of LABEL"). */
  what?: string;
  /** git's reflog action: `merge LABEL` (the default), `pull`. */
  reflogAction?: string;
}

/** `hub merge REV`. */
export async function merge(ctx: CoreContext, rev: string): Promise<MergeResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    const theirs = await resolveRevision(s.paths.gitdir, rev);
    return mergeInto(s, theirs, { label: rev, message: await mergeMessage(s, rev) });
  });
}

/** git's default message for merging what the user typed. */
async function mergeMessage(s: RepoSession, rev: string): Promise<string> {
  const base = rev.replace(/[~^].*$/, '');
  if (base === rev && (await refExists(s.paths.gitdir, `refs/heads/${rev}`))) return `Merge branch '${rev}'`;
  if (base === rev && (await refExists(s.paths.gitdir, `refs/tags/${rev}`))) return `Merge tag '${rev}'`;
  if (base === rev && (await refExists(s.paths.gitdir, `refs/remotes/${rev}`))) return `Merge remote-tracking branch '${rev}'`;
  return `Merge commit '${rev}'`;
}

/** Merges commit `theirs` into HEAD (see the module comment); throws exit 7 after recording conflicts. */
export async function mergeInto(s: RepoSession, theirs: string, opts: MergeOptions): Promise<MergeResult> {
  const { gitdir } = s.paths;
  refuseUnmerged(s.index, 'merge');
  if (readMergeHeads(gitdir).length) throw new ConflictError('a merge is in progress (MERGE_HEAD exists)', { hint: "conclude it with 'hub commit', or abort it with 'hub merge --abort'" }, 'merge_in_progress');
  const head = await readHead(gitdir);
  const base = { merged: theirs, from: head.oid ?? null, branch: head.branch ?? null, parents: [] as string[] };
  if (head.oid && (await isAncestor(gitdir, theirs, head.oid))) return { ...base, to: head.oid, upToDate: true, fastForward: false, written: [], removed: [] };
  if (!head.oid || (await isAncestor(gitdir, head.oid, theirs))) {
    if (head.oid) writeOrigHead(gitdir, head.oid);
    const action = opts.reflogAction ?? `merge ${opts.label}`;
    const moved = await moveTo(s, theirs, opts.label, head.branch, true, opts.leavePointer, `${action}: Fast-forward`);
    return { ...base, to: theirs, upToDate: false, fastForward: true, written: moved.written, removed: moved.removed };
  }
  const [mergeBase] = await mergeBases(gitdir, head.oid, theirs);
  if (!mergeBase) throw new ConflictError(`refusing to merge unrelated histories (${head.oid.slice(0, 7)} and ${theirs.slice(0, 7)} have no common ancestor)`, { hint: 'hub repositories are git repositories: run git merge --allow-unrelated-histories' }, 'unrelated_histories');
  const parents = [head.oid, theirs];
  const r = await threeWayCommit(s, { head: head.oid, branch: head.branch, base: mergeBase, theirs, labels: { ours: 'HEAD', base: mergeBase.slice(0, 7), theirs: opts.label }, message: opts.message, parents, state: 'MERGE_HEAD', leavePointer: opts.leavePointer, now: opts.now, what: opts.what ?? `merge of ${opts.label}`, reflog: `${opts.reflogAction ?? `merge ${opts.label}`}: Merge made by the 'ort' strategy.` });
  return { ...base, to: r.commit, upToDate: false, fastForward: false, parents, written: r.written, removed: r.removed };
}

/** A three-way step that ends in a commit on HEAD: a merge, or a revert (base: the reverted commit, theirs: its parent). */
export interface ThreeWay {
  head: string;
  branch: string | undefined;
  base: string | undefined;
  theirs: string;
  labels: MergeLabels;
  message: string;
  parents: string[];
  /** The file that records the step while conflicts wait: MERGE_HEAD (a merge) or REVERT_HEAD. */
  state: 'MERGE_HEAD' | 'REVERT_HEAD';
  /** The commit the state file names (default `theirs`; a revert names the reverted commit). */
  stateCommit?: string;
  leavePointer?: (path: string) => boolean;
  now?: Date;
  /** For messages: "merge of side", "revert of 1234567". */
  what: string;
  /** The reflog message of the commit, as git writes it ("merge side: Merge made by the 'ort' strategy."). */
  reflog: string;
}

/**
 * Merges `theirs` into HEAD against `base` in the index and working tree, then commits with
 * `parents`; on conflicts records them (stages, markers, state files) and throws exit 7.
 */
export async function threeWayCommit(s: RepoSession, w: ThreeWay): Promise<{ commit: string; written: string[]; removed: string[] }> {
  const { gitdir } = s.paths;
  const ours = await commitFiles(s.paths, w.head);
  refuseStagedChanges(s, ours);
  const merged = await mergeTrees(s.paths, await commitFiles(s.paths, w.base), ours, await commitFiles(s.paths, w.theirs), w.labels, s.ctx.signal);
  const applied = await applyFiles(s, ours, merged.files, w.labels.theirs, w.leavePointer);
  writeOrigHead(gitdir, w.head);
  if (merged.conflicts.length) {
    for (const c of merged.conflicts) s.index.setConflict(c.path, c.stages.map(({ stage, file }) => stageEntry(file, stage)));
    saveIndex(s);
    const paths = merged.conflicts.map((c) => c.path);
    writeMergeState(gitdir, w.stateCommit ?? w.theirs, w.message, paths, w.state);
    applied.finish();
    const info: MergeConflictInfo[] = merged.conflicts.map((c) => ({ path: c.path, reason: c.reason, conflict: conflictKind(c.stages.map((x) => x.stage)) }));
    const abort = w.state === 'MERGE_HEAD' ? "'hub merge --abort'" : "'hub reset --hard HEAD'";
    throw new ConflictError(
      `${w.what} stopped: ${paths.length} conflicted path${paths.length === 1 ? '' : 's'}: ${info.map((c) => `${c.path} (${c.reason})`).join(', ')}`,
      { hint: `resolve them (or pick a side with 'hub checkout --ours/--theirs PATH'), 'hub add' them and 'hub commit'; or ${abort}`, data: { paths, conflicts: info, merged: w.theirs } },
      'merge_conflict',
    );
  }
  const tree = writeTreeFromFiles(gitdir, [...merged.files.values()]);
  const { author, committer } = await commitIdentities(s.paths, s.ctx.env, undefined, w.now ?? new Date());
  const commit = writeCommit(gitdir, { tree, parents: w.parents, author, committer, message: `${w.message}\n` });
  if (w.branch) writeRef(gitdir, `refs/heads/${w.branch}`, commit);
  else setHeadDetached(gitdir, commit);
  await logHeadMove(s, w.branch, { from: w.head, to: commit, message: w.reflog }, committer);
  if (applied.carried === 0) recordIndexTree(s.paths, tree);
  applied.finish();
  return { commit, written: applied.written, removed: applied.removed };
}

/** git's rule for a real merge: the index must be HEAD's tree (staged changes would be mixed into the merge commit). */
function refuseStagedChanges(s: RepoSession, head: Map<string, TreeFile>): void {
  const changed: string[] = [];
  for (const [p, e] of s.index) {
    const h = head.get(p);
    if (!h || h.oid !== e.oid || h.mode !== e.mode) changed.push(p);
  }
  for (const p of head.keys()) if (!s.index.has(p)) changed.push(p);
  if (changed.length) {
    throw new ConflictError(`cannot merge: ${changed.length} staged change(s): ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', ...' : ''}`, { hint: "commit them, or unstage them with 'hub restore --staged PATH'", data: { paths: changed } }, 'uncommitted_changes');
  }
}

/** An index entry for a conflict stage: no stat data, as git writes stages. */
function stageEntry(file: TreeFile, stage: number): GitIndexEntry {
  return { ...indexEntryFromStat(file.path, file.oid, { mode: file.mode, size: 0, ctimeNs: 0n, mtimeNs: 0n, dev: 0, ino: 0, uid: 0, gid: 0 }), stage };
}

/** The `--json` shape of `hub merge --abort`. */
export interface MergeAbortResult {
  commit: string;
  restored: string[];
}

/**
 * `hub merge --abort` (git's `reset --merge`): every path whose index differs from HEAD (the
 * conflicts and what the merge brought) goes back to HEAD in the index and the working tree;
 * paths the merge did not touch keep their local changes; the merge state is removed.
 */
export async function abortMerge(ctx: CoreContext): Promise<MergeAbortResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    const { gitdir } = s.paths;
    if (!readMergeHeads(gitdir).length) throw new NotFoundError('there is no merge to abort (MERGE_HEAD missing)', {}, 'no_merge');
    const head = await readHead(gitdir);
    const files = await commitFiles(s.paths, head.oid);
    const restored: string[] = [];
    const removed: string[] = [];
    for (const p of new Set([...s.index.paths(), ...files.keys()])) {
      const h = files.get(p);
      const i = s.index.get(p);
      if (!s.index.isUnmerged(p) && ((!h && !i) || (h && i && h.oid === i.oid && h.mode === i.mode))) continue;
      if (h) s.index.set(p, (await materialize(s, h)).entry);
      else {
        s.index.delete(p);
        rmSync(join(s.paths.workdir, p), { force: true });
        removed.push(p);
      }
      restored.push(p);
    }
    pruneEmptyDirs(s.paths.workdir, removed, ctx.cwd);
    saveIndex(s);
    clearMergeState(gitdir);
    return { commit: head.oid ?? '', restored: restored.sort() };
  });
}
