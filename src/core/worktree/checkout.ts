/**
 * `hub checkout REV`, `hub switch [-c] BRANCH`, `hub restore PATH...`: move the working tree
 * and index to another commit, or put single files back.
 *
 * Safety: every path of the target tree is validated before anything is written (exit 5 for
 * `..`, absolute paths, `.git`); a path whose working copy holds changes that would be lost
 * stops the checkout (exit 7, paths named), as in git; all large-file content must be in the
 * store (or importable from .git/lfs/objects) before the first file is touched (exit 3 naming
 * path and oid otherwise). Files are written tmp + rename; the index and HEAD are updated last,
 * and a marker records the checkout while it runs. Killed midway, `hub status` reports the
 * interrupted checkout and the changed files, and rerunning it completes it: a file that
 * already holds the target content is not a conflict.
 */
import { lstatSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/atomic-file.js';
import type { GitIndexEntry } from '../../formats/git-index.js';
import { IndexEntries } from '../../repo/index-entries.js';
import { indexEntryFromStat } from '../../formats/git-index-stat.js';
import type { TreeFile } from '../../repo/object-store.js';
import { checkRefName, readHead, refExists, resolveRevision, setHeadDetached, setHeadToBranch, writeRef } from '../../repo/refs.js';
import { assertSafeTreePath } from '../../repo/safe-path.js';
import { normalizeRepoPath } from '../../repo/worktree-scan.js';
import type { CoreContext } from '../context.js';
import { commitFiles, recordIndexTree, treeOf } from './head-tree.js';
import { fetchNeededContent, leftOutOfPartialClone, type NeededContent } from '../sync/content-on-demand.js';
import { ensureInStore, knowBlob, materialize, type KnownBlob } from './materialize.js';
import { logBranchMove, logHeadMove } from './ref-log.js';
import { refuseUnmerged, saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { pruneEmptyDirs, statWorktreePath } from './worktree-fs.js';
import { hashWorktreeFile, isAttributesPath, unchangedSinceIndexed } from './worktree-hash.js';
import { attributesOfBlobs } from './add-attributes.js';

/** Small file contents a checkout keeps in memory between its check of every blob and the writes (then read again). */
const KEEP_BLOB_BYTES = 64 * 1024 * 1024;

/** The `--json` shape of checkout and switch. */
export interface CheckoutResult {
  commit: string;
  branch: string | null;
  detached: boolean;
  written: string[];
  removed: string[];
}


/** `hub checkout REV`: a branch name switches to it; anything else detaches HEAD there. */
export async function checkout(ctx: CoreContext, rev: string): Promise<CheckoutResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    const isBranch = !rev.includes('~') && !rev.includes('^') && (await refExists(s.paths.gitdir, `refs/heads/${rev}`));
    const commit = await resolveRevision(s.paths.gitdir, rev);
    return moveTo(s, commit, rev, isBranch ? rev : undefined);
  });
}

/** `hub switch BRANCH` / `hub switch -c BRANCH [START]` (and `hub checkout -b BRANCH [START]`). */
export async function switchBranch(ctx: CoreContext, branch: string, opts: { create?: boolean; startPoint?: string }): Promise<CheckoutResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    checkRefName(branch, 'branch');
    const exists = await refExists(s.paths.gitdir, `refs/heads/${branch}`);
    if (opts.create) {
      if (exists) throw new ConflictError(`a branch named '${branch}' already exists`, {}, 'branch_exists');
      const head = await readHead(s.paths.gitdir);
      const from = head.branch ?? head.oid ?? '';
      if (opts.startPoint !== undefined) {
        // the working tree moves first (it may refuse): the branch exists only once it is there
        const start = await resolveRevision(s.paths.gitdir, opts.startPoint);
        const moved = await moveTo(s, start, opts.startPoint, undefined, false, undefined, null);
        writeRef(s.paths.gitdir, `refs/heads/${branch}`, start);
        setHeadToBranch(s.paths.gitdir, branch);
        await logBranchMove(s, branch, { from: undefined, to: start, message: `branch: Created from ${opts.startPoint}` });
        await logHeadMove(s, undefined, { from: head.oid, to: start, message: `checkout: moving from ${from} to ${branch}` });
        return { ...moved, branch, detached: false };
      }
      if (head.oid) writeRef(s.paths.gitdir, `refs/heads/${branch}`, head.oid);
      setHeadToBranch(s.paths.gitdir, branch);
      if (head.oid) {
        await logBranchMove(s, branch, { from: undefined, to: head.oid, message: 'branch: Created from HEAD' });
        await logHeadMove(s, undefined, { from: head.oid, to: head.oid, message: `checkout: moving from ${from} to ${branch}` });
      }
      return { commit: head.oid ?? '', branch, detached: false, written: [], removed: [] };
    }
    if (!exists) throw new NotFoundError(`no branch named '${branch}'`, { hint: `create it with 'hub switch -c ${branch}'` }, 'unknown_branch');
    return moveTo(s, await resolveRevision(s.paths.gitdir, `refs/heads/${branch}`), branch, branch);
  });
}

/**
 * Moves the working tree, index and HEAD from the current commit to `target` (see the module
 * comment). With `advanceBranch`, `branch` itself is moved to `target` (a fast-forward pull).
 * `reflog` is the reflog message (default git checkout's, "checkout: moving from A to REV"; null: the caller logs).
 */
export async function moveTo(s: RepoSession, target: string, rev: string, branch: string | undefined, advanceBranch = false, leavePointer?: (path: string) => boolean, reflog?: string | null): Promise<CheckoutResult> {
  refuseUnmerged(s.index, 'check out another commit');
  const head = await readHead(s.paths.gitdir);
  const targetFiles = await commitFiles(s.paths, target);
  for (const p of targetFiles.keys()) assertSafeTreePath(p, `commit ${target.slice(0, 12)}`);
  // no index at all (a --no-checkout clone): nothing is checked out yet, so every file is
  // written, as git does there (a missing index is not a staged deletion of everything)
  const headFiles = noIndex(s) ? new Map<string, TreeFile>() : await commitFiles(s.paths, head.oid);
  const { written, removed, carried, finish } = await applyFiles(s, headFiles, targetFiles, rev, leavePointer);
  if (branch && advanceBranch) writeRef(s.paths.gitdir, `refs/heads/${branch}`, target);
  if (branch) setHeadToBranch(s.paths.gitdir, branch);
  else setHeadDetached(s.paths.gitdir, target);
  if (reflog !== null) await logHeadMove(s, advanceBranch ? branch : undefined, { from: head.oid, to: target, message: reflog ?? `checkout: moving from ${head.branch ?? head.oid} to ${rev}` });
  if (carried === 0) recordIndexTree(s.paths, await treeOf(s.paths, target));
  finish();
  return { commit: target, branch: branch ?? null, detached: !branch, written, removed };
}

/**
 * Moves the working tree and index from `headFiles` to `targetFiles` (HEAD is the caller's):
 * the checks and the writes of moveTo. Returns what was written and removed, and how many paths
 * kept a staged change across (then the index is not exactly the target). The caller moves its
 * refs, then calls `finish` (which removes the marker a crash would leave).
 */
export async function applyFiles(s: RepoSession, headFiles: Map<string, TreeFile>, targetFiles: Map<string, TreeFile>, rev: string, leavePointer?: (path: string) => boolean): Promise<{ written: string[]; removed: string[]; carried: number; finish: () => void }> {
  leavePointer ??= await leftOutOfPartialClone(s.paths);

  // A path the target leaves as HEAD has it keeps its staged and working state (git carries
  // such changes across); a path whose index entry already equals the target is untouched.
  const same = (a?: { oid: string; mode: number }, b?: { oid: string; mode: number }) => (!a && !b) || (!!a && !!b && a.oid === b.oid && a.mode === b.mode);
  const carried = new Set<string>();
  const touched = new Set<string>();
  for (const p of new Set([...targetFiles.keys(), ...s.index.keys(), ...headFiles.keys()])) {
    const t = targetFiles.get(p);
    const i = s.index.get(p);
    if (same(t, headFiles.get(p)) && !same(i, t)) carried.add(p);
    else if (!same(i, t)) touched.add(p);
  }

  // 1. nothing a user changed may be lost
  const conflicts: string[] = [];
  const current = new Map<string, string>(); // path -> blob its working copy hashes to
  for (const p of touched) {
    const f = statWorktreePath(s.paths.workdir, p);
    if (!f) continue;
    const i = s.index.get(p);
    // git's rule: a file with the stat its index entry was recorded from holds that entry's blob
    const blob = i && unchangedSinceIndexed(s, f) ? i.oid : (await hashWorktreeFile(s, f, { store: false })).blob;
    current.set(p, blob);
    const t = targetFiles.get(p);
    const hp = headFiles.get(p);
    if (t && blob === t.oid) continue;
    if (i && blob === i.oid && hp && hp.oid === i.oid) continue;
    conflicts.push(p);
  }
  if (conflicts.length) {
    throw new ConflictError(
      `checkout would overwrite local changes in ${conflicts.length} file${conflicts.length === 1 ? '' : 's'}: ${conflicts.slice(0, 5).join(', ')}${conflicts.length > 5 ? ', ...' : ''}`,
      { hint: "commit them with 'hub add' and 'hub commit', or discard them with 'hub restore'", data: { paths: conflicts } },
      'dirty_tree',
    );
  }

  // 2. every large file's content must be available before the first file is touched
  const toWrite: TreeFile[] = [];
  for (const p of touched) {
    const t = targetFiles.get(p);
    if (!t) continue;
    if (current.get(p) === t.oid && s.index.get(p)?.mode === t.mode) continue;
    toWrite.push(t);
  }
  // (content the store lacks comes from the remote first, or nothing is touched)
  const missing: NeededContent[] = [];
  const known = new Map<string, KnownBlob>(); // each blob read once, small contents kept for step 3
  const budget = { bytes: KEEP_BLOB_BYTES };
  for (const t of toWrite) {
    if (t.mode === 0o120000) continue;
    if (!known.has(t.oid)) known.set(t.oid, await knowBlob(s, t.oid, budget));
    const lfs = known.get(t.oid)!.pointer;
    if (lfs && !leavePointer?.(t.path) && !(await ensureInStore(s, lfs.oid)) && !missing.some((m) => m.oid === lfs.oid)) missing.push({ path: t.path, ...lfs });
  }
  await fetchNeededContent(s, missing, rev);

  // 3. apply
  s.checkoutAttributes = await checkoutAttributesOf(s, targetFiles);
  const marker = join(s.paths.hubdir, 'checkout-in-progress');
  writeFileAtomic(marker, `${rev}\n`); // durable before the first file changes: it is what a rerun after a crash finds
  const removed: string[] = [];
  for (const p of touched) {
    if (targetFiles.has(p)) continue;
    rmSync(join(s.paths.workdir, p), { force: true });
    if (s.statCacheLoaded()) s.statCache.entries.delete(p); // a stale entry never matches a new file's stat anyway
    removed.push(p);
  }
  pruneEmptyDirs(s.paths.workdir, removed, s.ctx.cwd);
  const entries = new Map<string, GitIndexEntry>();
  const written: string[] = [];
  const writing = new Set(toWrite.map((t) => t.path));
  for (const [p, t] of targetFiles) {
    if (carried.has(p)) continue;
    if (writing.has(p)) {
      entries.set(p, (await materialize(s, t, { pointerIfMissing: !!leavePointer?.(p), known: known.get(t.oid) })).entry);
      written.push(p);
    } else if (touched.has(p)) {
      entries.set(p, entryFromDisk(s, t)); // already holds the target content (a rerun)
    } else {
      entries.set(p, s.index.get(p)!);
    }
  }
  for (const p of carried) {
    const i = s.index.get(p);
    if (i) entries.set(p, i);
  }
  s.index = new IndexEntries(entries.values());
  saveIndex(s);
  return { written, removed, carried: carried.size, finish: () => unlinkSync(marker) };
}

/** The attributes of the `.gitattributes` files among `files` (what a checkout of them will have). */
export function checkoutAttributesOf(s: RepoSession, files: ReadonlyMap<string, TreeFile>): ReturnType<typeof attributesOfBlobs> {
  return attributesOfBlobs(s, new Map([...files].filter(([p, t]) => isAttributesPath(p) && t.mode !== 0o120000).map(([p, t]) => [p, t.oid])));
}

/** True when the repository has no index file at all (a --no-checkout clone), as opposed to an empty one. */
export function noIndex(s: RepoSession): boolean {
  return s.indexMtimeNs === undefined && s.index.size === 0;
}

function entryFromDisk(s: RepoSession, t: TreeFile): GitIndexEntry {
  const st = lstatSync(join(s.paths.workdir, t.path), { bigint: true });
  return indexEntryFromStat(t.path, t.oid, { mode: t.mode, size: Number(st.size), ctimeNs: st.ctimeNs, mtimeNs: st.mtimeNs, dev: Number(st.dev), ino: Number(st.ino), uid: Number(st.uid), gid: Number(st.gid) });
}

/** The `--json` shape of `hub restore`. */
export interface RestoreResult {
  restored: string[];
  staged: boolean;
}

/**
 * `hub restore PATH...`: working files from the index (default), or from `source`; with
 * `staged`, index entries from HEAD (or `source`) instead, leaving the working tree alone. With
 * `source` and `alsoIndex` (`hub checkout REV -- PATH`), both the index and the working files.
 */
export async function restore(ctx: CoreContext, paths: string[], opts: { staged?: boolean; source?: string; alsoIndex?: boolean; leavePointer?: (path: string) => boolean; stagedFiles?: Map<string, string> }): Promise<RestoreResult> {
  if (paths.length === 0) throw new UsageError('no paths given to restore', {}, 'no_paths');
  return withRepo(ctx, { lock: true }, async (s) => {
    s.staged = opts.stagedFiles;
    const wanted = paths.map((p) => normalizeRepoPath(s.paths.workdir, ctx.cwd, p));
    const under = (p: string) => wanted.some((w) => w === '' || p === w || p.startsWith(`${w}/`));
    // a conflicted path has no one version in the index to restore (git: "path is unmerged")
    if (!opts.source && !opts.staged) refuseUnmerged(s.index, 'restore from the index', under);
    let source: Map<string, TreeFile>;
    const head = await readHead(s.paths.gitdir);
    // no index at all (a --no-checkout clone): the files come from HEAD, and enter the index
    const fromHead = !opts.source && !opts.staged && noIndex(s) && !!head.oid;
    const sourceCommit = opts.source ? await resolveRevision(s.paths.gitdir, opts.source) : head.oid;
    if (opts.source || opts.staged || fromHead) {
      source = await commitFiles(s.paths, sourceCommit);
    } else {
      source = new Map([...s.index.values()].map((e) => [e.path, { path: e.path, mode: e.mode, oid: e.oid }]));
    }
    for (const p of source.keys()) if (under(p)) assertSafeTreePath(p, 'the restore source');
    const restored: string[] = [];
    for (const w of wanted) {
      const hits = [...source.keys()].filter((p) => under(p) && (w === '' || p === w || p.startsWith(`${w}/`)));
      const indexed = [...s.index.paths()].some((p) => p === w || p.startsWith(`${w}/`));
      if (!hits.length && !(opts.staged && indexed)) throw new NotFoundError(`pathspec '${w}' did not match any file known to hub`, {}, 'pathspec_no_match');
    }
    if (opts.staged) {
      for (const p of [...s.index.paths()]) if (under(p) && !source.has(p)) { s.index.delete(p); restored.push(p); }
      for (const [p, t] of source) {
        if (!under(p)) continue;
        const i = s.index.get(p);
        if (i && i.oid === t.oid && i.mode === t.mode) continue; // (an unmerged path has no stage 0 entry: it is reset too)
        // zero stat data: git (and hub) must re-read the working file to compare it
        s.index.set(p, indexEntryFromStat(p, t.oid, { mode: t.mode, size: 0, ctimeNs: 0n, mtimeNs: 0n, dev: 0, ino: 0, uid: 0, gid: 0 }));
        restored.push(p);
      }
    } else {
      s.checkoutAttributes = await checkoutAttributesOf(s, source);
      // a partial clone leaves out what it left out, unless the file is named itself
      const leftOut = opts.leavePointer ?? (await leftOutOfPartialClone(s.paths));
      const named = new Set(wanted);
      const leave = (p: string) => !!leftOut?.(p) && !named.has(p);
      const todo: Array<{ t: TreeFile; known?: KnownBlob }> = [];
      const missing: NeededContent[] = [];
      for (const [p, t] of source) {
        if (!under(p)) continue;
        const known = t.mode === 0o120000 ? undefined : await knowBlob(s, t.oid, { bytes: Infinity }); // one read of each blob
        const lfs = known?.pointer;
        if (lfs && !leave(p) && !(await ensureInStore(s, lfs.oid)) && !missing.some((m) => m.oid === lfs.oid)) missing.push({ path: p, ...lfs });
        todo.push({ t, known });
      }
      await fetchNeededContent(s, missing, opts.source ?? sourceCommit);
      for (const { t, known } of todo) {
        const { entry } = await materialize(s, t, { pointerIfMissing: leave(t.path), known });
        if (!opts.source || opts.alsoIndex) s.index.set(t.path, entry);
        restored.push(t.path);
      }
    }
    saveIndex(s);
    return { restored: restored.sort(), staged: !!opts.staged };
  });
}


