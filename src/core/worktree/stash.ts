/**
 * `hub stash` and `hub stash pop`, in git's stash format so that `git stash list/show/pop` read
 * what hub wrote (and the reverse): `refs/stash` names a commit W (the working tree) whose parents
 * are HEAD and I (the index), and the stack is the reflog of `refs/stash`.
 *
 * Large files are stashed by pointer: their content goes into the store as `hub add` puts it
 * (only chunks the store lacks), W's tree holds their pointer blobs, and pop materialises them
 * from the store; no copy of the content is made. Untracked files are left alone (git's default).
 * Pop is a three-way merge of W into HEAD against W's first parent (core/merge-trees.ts): changes
 * come back unstaged (files the stash added come back staged, as git does); a conflict keeps the
 * stash, records the stages and exits 7.
 */
import { ConflictError, NotFoundError } from '../../errors.js';
import type { GitIndexEntry } from '../../formats/git-index.js';
import { indexEntryFromStat } from '../../formats/git-index-stat.js';
import { readCommit, writeCommit, writeTreeFromFiles, type TreeFile } from '../../repo/object-store.js';
import { appendReflog, readReflog, writeReflog } from '../../repo/reflog.js';
import { deleteRef, readHead, writeRef } from '../../repo/refs.js';
import { readRefFile } from '../../repo/ref-files.js';
import { applyFiles } from './checkout.js';
import type { CoreContext } from '../context.js';
import { commitFiles, treeOf } from './head-tree.js';
import { commitIdentities } from './identity.js';
import { mergeTrees } from './merge-trees.js';
import { refuseUnmerged, saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { statWorktreePath } from './worktree-fs.js';
import { gitMode, hashWorktreeFile, isLargePath, unchangedSinceIndexed } from './worktree-hash.js';
import { reset } from './reset.js';
import { conflictKind } from '../../repo/index-entries.js';

const STASH = 'refs/stash';

/** The `--json` shape of `hub stash` (push). */
export interface StashResult {
  /** The stash commit (null when there was nothing to save). */
  stash: string | null;
  message: string | null;
}

/** The `--json` shape of `hub stash pop`. */
export interface StashPopResult {
  stash: string;
  written: string[];
  removed: string[];
  /** Stashes left. */
  remaining: number;
}

/** Saves the changes to tracked files (staged and not) on the stash stack and resets to HEAD. */
export async function stashPush(ctx: CoreContext, opts: { message?: string; now?: Date } = {}): Promise<StashResult> {
  const saved = await withRepo(ctx, { lock: true }, async (s) => {
    refuseUnmerged(s.index, 'stash');
    const { gitdir } = s.paths;
    const head = await readHead(gitdir);
    if (!head.oid) throw new NotFoundError('you do not have the initial commit yet', {}, 'no_commits');
    const headTree = await treeOf(s.paths, head.oid);
    const indexFiles = [...s.index.values()].map((e) => ({ path: e.path, mode: e.mode, oid: e.oid }));
    const worktree = await worktreeFiles(s, indexFiles);
    const iTree = writeTreeFromFiles(gitdir, indexFiles);
    const wTree = writeTreeFromFiles(gitdir, worktree);
    if (iTree === headTree && wTree === headTree) return null;
    const subject = (await readCommit(gitdir, head.oid)).message.split('\n')[0];
    const on = `${head.branch ?? '(no branch)'}: ${head.oid.slice(0, 7)} ${subject}`;
    const { author, committer } = await commitIdentities(s.paths, ctx.env, undefined, opts.now ?? new Date());
    const i = writeCommit(gitdir, { tree: iTree, parents: [head.oid], author, committer, message: `index on ${on}\n` });
    const message = opts.message ? `On ${head.branch ?? '(no branch)'}: ${opts.message}` : `WIP on ${on}`;
    const w = writeCommit(gitdir, { tree: wTree, parents: [head.oid, i], author, committer, message: `${message}\n` });
    const old = readRefFile(gitdir, STASH) ?? undefined;
    writeRef(gitdir, STASH, w);
    appendReflog(gitdir, STASH, old, w, committer, message);
    return { stash: w, message };
  });
  if (!saved) return { stash: null, message: null };
  await reset(ctx, 'HEAD', 'hard'); // its own locked session: index and tracked files back to HEAD
  return saved;
}

/** Tracked files as they are in the working tree: hashed (large ones into the store, as pointers); deleted ones left out. */
async function worktreeFiles(s: RepoSession, indexFiles: TreeFile[]): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  for (const e of indexFiles) {
    const f = statWorktreePath(s.paths.workdir, e.path);
    if (!f) continue;
    if (!isLargePath(s, e.path) && unchangedSinceIndexed(s, f)) {
      out.push(e);
      continue;
    }
    const h = await hashWorktreeFile(s, f, { store: true });
    out.push({ path: e.path, mode: gitMode(f), oid: h.blob });
  }
  return out;
}

/** Applies the newest stash to the working tree and drops it; conflicts keep it (exit 7). */
export async function stashPop(ctx: CoreContext): Promise<StashPopResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    const { gitdir } = s.paths;
    refuseUnmerged(s.index, 'apply a stash');
    const w = readRefFile(gitdir, STASH);
    if (!w) throw new NotFoundError('no stash entries found', {}, 'no_stash');
    const head = await readHead(gitdir);
    const stash = await readCommit(gitdir, w);
    const ours = await commitFiles(s.paths, head.oid);
    for (const [p, e] of s.index) {
      const h = ours.get(p);
      if (!h || h.oid !== e.oid || h.mode !== e.mode) throw new ConflictError(`cannot apply a stash over staged changes (${p})`, { hint: "commit them, or unstage them with 'hub restore --staged PATH'", data: { path: p } }, 'uncommitted_changes');
    }
    const base = await commitFiles(s.paths, stash.parents[0]);
    const merged = await mergeTrees(s.paths, base, ours, await commitFiles(s.paths, w), { ours: 'Updated upstream', base: 'Stash base', theirs: 'Stashed changes' }, ctx.signal);
    const applied = await applyFiles(s, ours, merged.files, 'stash');
    // like git stash apply: changes come back unstaged, files the stash added stay staged
    const fresh = (t: TreeFile): GitIndexEntry => indexEntryFromStat(t.path, t.oid, { mode: t.mode, size: 0, ctimeNs: 0n, mtimeNs: 0n, dev: 0, ino: 0, uid: 0, gid: 0 });
    for (const p of [...s.index.keys()]) {
      const h = ours.get(p);
      const e = s.index.get(p)!;
      if (h && (h.oid !== e.oid || h.mode !== e.mode)) s.index.set(p, fresh(h));
    }
    for (const [p, h] of ours) if (!s.index.has(p)) s.index.set(p, fresh(h)); // a deletion comes back unstaged
    if (merged.conflicts.length) {
      for (const c of merged.conflicts) s.index.setConflict(c.path, c.stages.map(({ stage, file }) => ({ ...fresh(file), stage })));
      saveIndex(s);
      applied.finish();
      const paths = merged.conflicts.map((c) => c.path);
      throw new ConflictError(`the stash conflicts with HEAD in ${paths.length} path(s): ${merged.conflicts.map((c) => `${c.path} (${conflictKind(c.stages.map((x) => x.stage))})`).join(', ')}`, { hint: "resolve them and 'hub add' them; the stash is kept ('git stash drop' removes it)", data: { paths } }, 'merge_conflict');
    }
    saveIndex(s);
    applied.finish();
    const remaining = await dropTop(gitdir);
    return { stash: w, written: applied.written, removed: applied.removed, remaining };
  });
}

/** Removes the newest stash: refs/stash moves to the previous one (or goes). */
async function dropTop(gitdir: string): Promise<number> {
  const entries = readReflog(gitdir, STASH);
  entries.pop();
  writeReflog(gitdir, STASH, entries.map((e) => e.line));
  const prev = entries[entries.length - 1];
  if (prev) writeRef(gitdir, STASH, prev.new);
  else await deleteRef(gitdir, STASH);
  return entries.length;
}
