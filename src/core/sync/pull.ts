/**
 * `hub pull [REMOTE] [--revision REV]`: fetch the history, bring the large files of the new
 * commit into the store (only chunks the store lacks, with `hub-chunks`), and fast-forward the
 * branch and the working tree with the checkout machinery (local changes are never
 * overwritten). The commit is the remote's branch of the same name, or REV (a branch of the
 * remote, a tag, a commit id). Diverged histories are merged (core/merge.ts): a merge commit
 * with both parents, or conflicts recorded as git records them and exit 7.
 * With HUB_OFFLINE, nothing is fetched: the pull moves to what an earlier fetch brought, with
 * content from the store alone, and names the first file whose content is not there (exit 6).
 *
 * A `--no-checkout` clone has nothing checked out (no index, no files): a pull there leaves the
 * working tree at the commit it pulled, up to date or not, as a clone would have written it:
 * every small file, the large files selected (`--include`/`--exclude`, else the clone's recorded
 * selection, else all) with their content fetched and verified, the others as pointers. This is
 * `git lfs pull --include X` in a clone made with GIT_LFS_SKIP_SMUDGE.
 */
import { NetworkError, NotFoundError, UsageError } from '../../errors.js';
import { isAncestor } from '../../repo/ancestry.js';
import { lfsPointersOfCommit } from '../../repo/lfs-oids.js';
import { readHead, refExists, resolveRevision } from '../../repo/refs.js';
import { listRemotes } from '../../repo/remotes.js';
import { resolveRemoteRevision } from '../../repo/remote-refs.js';
import { fetchHistory } from '../../repo/sync.js';
import { moveTo, noIndex } from '../worktree/checkout.js';
import { mergeInto } from '../worktree/merge.js';
import type { CoreContext } from '../context.js';
import { partialSelection } from './content-on-demand.js';
import { remoteAccess } from './remote-access.js';
import { fetchContent, transferOptions, type FetchedContent } from './fetch-content.js';
import { isOffline } from './offline.js';
import { saveIndex, withRepo, type RepoSession } from '../worktree/repo-session.js';
import { pathFilter } from '../worktree/path-filter.js';
import { dropStaged, ensureInStore, materialize, releaseReplacedPages, tmpDirOf } from '../worktree/materialize.js';
import { statWorktreePath } from '../worktree/worktree-fs.js';
import { looksLikePointer } from '../../formats/lfs-pointer.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `--json` shape of `hub pull`. */
export interface PullResult {
  remote: string;
  branch: string;
  /** What was pulled: `REMOTE/BRANCH`, or the --revision (tag, commit id, `REMOTE/BRANCH`). */
  revision: string;
  from: string | null;
  to: string;
  upToDate: boolean;
  written: string[];
  removed: string[];
  transfer: string | null;
  /** Content bytes received (only the chunks the local store lacked, with hub-chunks). */
  bytesReceived: number;
  /** The merge commit when the histories had diverged (null for a fast-forward). */
  mergeCommit: string | null;
  /** The working tree had nothing checked out (a `--no-checkout` clone) and the pull wrote the commit's files. */
  checkedOut: boolean;
  /** Large files this pull wrote as pointers, their content not selected (`--include`/`--exclude`, a partial clone's selection). */
  notFetched: string[];
}

/** Pulls the current branch from `remoteName`: fast-forward, or a merge when the histories diverged. */
export async function pull(ctx: CoreContext, opts: { remote?: string; revision?: string; token?: string; include?: string[]; exclude?: string[] }): Promise<PullResult> {
  const remoteName = opts.remote ?? 'origin';
  const offline = isOffline(ctx);
  return withRepo(ctx, { lock: true }, async (s) => {
    const remote = (await listRemotes(s.paths.gitdir)).find((r) => r.name === remoteName);
    if (!remote) throw new NotFoundError(`no remote named '${remoteName}'`, {}, 'unknown_remote');
    const head = await readHead(s.paths.gitdir);
    if (head.detached || !head.branch) throw new UsageError('HEAD is detached: switch to a branch to pull', {}, 'detached_head');
    const access = await remoteAccess(ctx, { remote, token: opts.token, place: s.paths });
    if (!offline) await fetchHistory({ gitdir: s.paths.gitdir, remote: remoteName, http: access.git() });
    const { revision, to } = await pullTarget(s.paths.gitdir, remoteName, head.branch, opts.revision, offline);
    const getContent = async (objects: Wanted[]): Promise<FetchedContent> => {
      if (offline) return fromStoreOnly(s, objects);
      releaseReplacedPages(s, objects); // the old files' pages freed while the new ones download, for their writes to reuse
      // verified staging files in .git/hub/tmp: the checkout renames them instead of reassembling
      const fetched = await fetchContent(s.store, access.lfs('download'), objects, transferOptions(ctx, { dir: tmpDirOf(s), durable: false }));
      s.staged = fetched.staged;
      return fetched;
    };
    try {
      // without --include/--exclude, a partial clone keeps to what its clone selected
      const selected = opts.include?.length || opts.exclude?.length ? pathFilter(opts.include, opts.exclude) : ((await partialSelection(s.paths)) ?? pathFilter());
      const plan = { url: remote.url, remote: remoteName, branch: head.branch, revision, from: head.oid ?? null, to, selected, completeAll: !!opts.include?.length, reflogAction: opts.remote ? `pull ${opts.remote}` : 'pull' };
      return await pullTo(s, plan, getContent);
    } finally {
      dropStaged(s);
    }
  });
}

/** A large file to bring. */
type Wanted = { path: string; oid: string; size: number };

/** Where a pull goes, once the target is known. */
interface PullPlan {
  url: string;
  remote: string;
  branch: string;
  revision: string;
  from: string | null;
  to: string;
  selected: (path: string) => boolean;
  /** --include was given: also complete files a partial clone left as pointers. */
  completeAll: boolean;
  /** git's reflog action: `pull`, or `pull REMOTE` when one was named. */
  reflogAction: string;
}

/** The rest of a pull: fast-forward (or only complete pointers when there is nothing new). */
async function pullTo(s: RepoSession, plan: PullPlan, getContent: (objects: Wanted[]) => Promise<FetchedContent>): Promise<PullResult> {
  const { selected, to, revision, branch, from } = plan;
  const base = { remote: plan.remote, branch, revision, from, to };
  const checkedOut = noIndex(s);
  const leavePointer = (path: string) => !selected(path);
  const upToDate = from === to || (!!from && (await isAncestor(s.paths.gitdir, to, from)));
  if (upToDate && !(checkedOut && from)) {
    // nothing new to move to, but --include may ask for content a partial clone left out
    const completed = await completePointers(s, getContent, selected, plan.completeAll ? selected : () => false);
    return { ...base, upToDate: completed.written.length === 0, written: completed.written, removed: [], transfer: completed.transfer, bytesReceived: completed.bytesReceived, mergeCommit: null, checkedOut: false, notFetched: [] };
  }
  // the commit the working tree ends at: HEAD itself when a --no-checkout clone is up to date
  const target = upToDate && from ? from : to;
  const all = await lfsPointersOfCommit(s.paths.gitdir, target);
  const fetched = await getContent(all.filter((p) => selected(p.path)));
  const pointersWritten = (written: string[]) => {
    const large = new Set(all.filter((p) => !selected(p.path)).map((p) => p.path));
    return written.filter((p) => large.has(p));
  };
  const received = { transfer: fetched.transfer, bytesReceived: fetched.bytesReceived, checkedOut };
  if (upToDate) {
    const here = await moveTo(s, target, branch, branch, false, leavePointer, null);
    return { ...base, to: target, upToDate: false, written: here.written, removed: here.removed, ...received, mergeCommit: null, notFetched: pointersWritten(here.written) };
  }
  if (from && !(await isAncestor(s.paths.gitdir, from, to))) {
    // diverged: git pull's merge, with its message and its marker label (the commit id)
    const what = revision === `${plan.remote}/${branch}` ? `branch '${branch}'` : `'${revision}'`;
    const merged = await mergeInto(s, to, { label: to, message: `Merge ${what} of ${plan.url}`, leavePointer, what: `merge of ${revision}`, reflogAction: plan.reflogAction });
    return { ...base, to: merged.to, upToDate: false, written: merged.written, removed: merged.removed, ...received, mergeCommit: merged.to, notFetched: pointersWritten(merged.written) };
  }
  const moved = await moveTo(s, to, revision, branch, true, leavePointer, `${plan.reflogAction}: Fast-forward`);
  return { ...base, upToDate: false, written: moved.written, removed: moved.removed, ...received, mergeCommit: null, notFetched: pointersWritten(moved.written) };
}

/**
 * The commit to pull: REV resolved against the remote (a branch of it, a tag, a commit id), else
 * the remote's branch named like the current one. Offline, only what an earlier fetch brought.
 */
async function pullTarget(gitdir: string, remote: string, branch: string, revision: string | undefined, offline: boolean): Promise<{ revision: string; to: string }> {
  const hint = offline ? 'HUB_OFFLINE is set: only what an earlier hub fetch brought is known' : undefined;
  if (revision) {
    try {
      const r = await resolveRemoteRevision(gitdir, remote, revision);
      return { revision: r.kind === 'branch' ? `${remote}/${r.name}` : r.name, to: r.commit };
    } catch (err) {
      if (err instanceof NotFoundError && hint) throw new NotFoundError(err.message, { hint, data: err.data }, err.code);
      throw err;
    }
  }
  const tracking = `refs/remotes/${remote}/${branch}`;
  if (!(await refExists(gitdir, tracking))) throw new NotFoundError(`the remote has no branch '${branch}'`, { hint }, 'unknown_branch');
  return { revision: `${remote}/${branch}`, to: await resolveRevision(gitdir, tracking) };
}

/** Offline: the content must already be in the store (or .git/lfs/objects); never a request. */
async function fromStoreOnly(s: RepoSession, objects: Array<{ path: string; oid: string }>): Promise<FetchedContent> {
  for (const o of objects) {
    if (!(await ensureInStore(s, o.oid))) {
      throw new NetworkError(`content of '${o.path}' (oid ${o.oid.slice(0, 12)}) is not in the local store, and HUB_OFFLINE is set`, { retriable: false, hint: "run 'hub fetch' while online, or unset HUB_OFFLINE", data: { path: o.path, oid: o.oid } }, 'offline');
    }
  }
  return { objects: 0, bytesReceived: 0, transfer: null };
}

/** Brings the selected large files of HEAD whose working copy is still a pointer, and materialises them. */
async function completePointers(s: RepoSession, getContent: (objects: Wanted[]) => Promise<FetchedContent>, selected: (p: string) => boolean, wantedNow: (p: string) => boolean): Promise<{ written: string[]; transfer: string | null; bytesReceived: number }> {
  const head = await readHead(s.paths.gitdir);
  if (!head.oid) return { written: [], transfer: null, bytesReceived: 0 };
  const todo: Wanted[] = [];
  for (const p of await lfsPointersOfCommit(s.paths.gitdir, head.oid)) {
    if (!selected(p.path) || !wantedNow(p.path)) continue;
    const f = statWorktreePath(s.paths.workdir, p.path);
    if (!f || f.size >= 1024) continue;
    const bytes = readFileSync(join(s.paths.workdir, p.path));
    if (looksLikePointer(bytes) && bytes.toString().includes(p.oid)) todo.push(p);
  }
  if (!todo.length) return { written: [], transfer: null, bytesReceived: 0 };
  const fetched = await getContent(todo);
  for (const p of todo) {
    const i = s.index.get(p.path);
    if (!i) continue;
    s.index.set(p.path, (await materialize(s, { path: p.path, mode: i.mode, oid: i.oid })).entry);
  }
  saveIndex(s);
  return { written: todo.map((p) => p.path), transfer: fetched.transfer, bytesReceived: fetched.bytesReceived };
}
