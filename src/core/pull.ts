/**
 * `hub pull [REMOTE]`: fetch the history, bring the large files of the new commit into the store
 * (only chunks the store lacks, with `hub-chunks`), and fast-forward the branch and the working
 * tree with the checkout machinery (local changes are never overwritten). Diverged histories
 * are refused (hub has no merge yet).
 */
import { ConflictError, NotFoundError, UsageError } from '../errors.js';
import { isAncestor } from '../repo/ancestry.js';
import { lfsPointersOfCommit } from '../repo/lfs-oids.js';
import { readHead, refExists, resolveRevision } from '../repo/refs.js';
import { listRemotes } from '../repo/remotes.js';
import { fetchHistory } from '../repo/sync.js';
import { createGitHttp } from '../transfer/git-http-plugin.js';
import { moveTo } from './checkout.js';
import type { CoreContext } from './context.js';
import { resolveToken } from './credentials.js';
import { fetchContent } from './fetch-content.js';
import { saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { pathFilter } from './path-filter.js';
import { materialize } from './materialize.js';
import { statWorktreePath } from './worktree-fs.js';
import { looksLikePointer } from '../formats/lfs-pointer.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `--json` shape of `hub pull`. */
export interface PullResult {
  remote: string;
  branch: string;
  from: string | null;
  to: string;
  upToDate: boolean;
  written: string[];
  removed: string[];
  transfer: string | null;
  /** Content bytes received (only the chunks the local store lacked, with hub-chunks). */
  bytesReceived: number;
}

/** Pulls the current branch from `remoteName` (fast-forward only). */
export async function pull(ctx: CoreContext, opts: { remote?: string; token?: string; include?: string[]; exclude?: string[] }): Promise<PullResult> {
  const remoteName = opts.remote ?? 'origin';
  return withRepo(ctx, { lock: true }, async (s) => {
    const remote = (await listRemotes(s.paths.gitdir)).find((r) => r.name === remoteName);
    if (!remote) throw new NotFoundError(`no remote named '${remoteName}'`, {}, 'unknown_remote');
    const head = await readHead(s.paths.gitdir);
    if (head.detached || !head.branch) throw new UsageError('HEAD is detached: switch to a branch to pull', {}, 'detached_head');
    const { token } = resolveToken(ctx, remote.url, opts.token);
    await fetchHistory({ gitdir: s.paths.gitdir, remote: remoteName, http: createGitHttp({ token }) });
    const tracking = `refs/remotes/${remoteName}/${head.branch}`;
    if (!(await refExists(s.paths.gitdir, tracking))) throw new NotFoundError(`the remote has no branch '${head.branch}'`, {}, 'unknown_branch');
    const to = await resolveRevision(s.paths.gitdir, tracking);
    const base = { remote: remoteName, branch: head.branch, from: head.oid ?? null, to, transfer: null, bytesReceived: 0 };
    const selected = pathFilter(opts.include, opts.exclude);
    if (head.oid === to || (head.oid && (await isAncestor(s.paths.gitdir, to, head.oid)))) {
      // nothing new to move to, but --include may ask for content a partial clone left out
      const completed = await completePointers(s, remote.url, token, selected, opts.include?.length ? selected : () => false);
      return { ...base, upToDate: completed.written.length === 0, written: completed.written, removed: [], transfer: completed.transfer, bytesReceived: completed.bytesReceived };
    }
    if (head.oid && !(await isAncestor(s.paths.gitdir, head.oid, to))) {
      throw new ConflictError(`${head.branch} and ${remoteName}/${head.branch} have diverged`, { hint: 'hub pulls only fast-forwards for now: push or reset first' }, 'diverged');
    }
    const pointers = (await lfsPointersOfCommit(s.paths.gitdir, to)).filter((p) => selected(p.path));
    const fetched = await fetchContent(s.store, remote.url, pointers, token);
    const moved = await moveTo(s, to, tracking, head.branch, true, (p) => !selected(p));
    return { ...base, upToDate: false, written: moved.written, removed: moved.removed, transfer: fetched.transfer, bytesReceived: fetched.bytesReceived };
  });
}

/** Fetches and materialises the selected large files of HEAD whose working copy is still a pointer. */
async function completePointers(s: RepoSession, url: string, token: string | undefined, selected: (p: string) => boolean, wantedNow: (p: string) => boolean): Promise<{ written: string[]; transfer: string | null; bytesReceived: number }> {
  const head = await readHead(s.paths.gitdir);
  if (!head.oid) return { written: [], transfer: null, bytesReceived: 0 };
  const todo: Array<{ path: string; oid: string; size: number }> = [];
  for (const p of await lfsPointersOfCommit(s.paths.gitdir, head.oid)) {
    if (!selected(p.path) || !wantedNow(p.path)) continue;
    const f = statWorktreePath(s.paths.workdir, p.path);
    if (!f || f.size >= 1024) continue;
    const bytes = readFileSync(join(s.paths.workdir, p.path));
    if (looksLikePointer(bytes) && bytes.toString().includes(p.oid)) todo.push(p);
  }
  if (!todo.length) return { written: [], transfer: null, bytesReceived: 0 };
  const fetched = await fetchContent(s.store, url, todo, token);
  for (const p of todo) {
    const i = s.index.get(p.path);
    if (!i) continue;
    s.index.set(p.path, (await materialize(s, { path: p.path, mode: i.mode, oid: i.oid })).entry);
  }
  saveIndex(s);
  return { written: todo.map((p) => p.path), transfer: fetched.transfer, bytesReceived: fetched.bytesReceived };
}
