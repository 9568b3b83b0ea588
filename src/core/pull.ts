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
import { withRepo } from './repo-session.js';

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
export async function pull(ctx: CoreContext, opts: { remote?: string; token?: string }): Promise<PullResult> {
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
    if (head.oid === to || (head.oid && (await isAncestor(s.paths.gitdir, to, head.oid)))) return { ...base, upToDate: true, written: [], removed: [] };
    if (head.oid && !(await isAncestor(s.paths.gitdir, head.oid, to))) {
      throw new ConflictError(`${head.branch} and ${remoteName}/${head.branch} have diverged`, { hint: 'hub pulls only fast-forwards for now: push or reset first' }, 'diverged');
    }
    const pointers = await lfsPointersOfCommit(s.paths.gitdir, to);
    const fetched = await fetchContent(s.store, remote.url, pointers, token);
    const moved = await moveTo(s, to, tracking, head.branch, true);
    return { ...base, upToDate: false, written: moved.written, removed: moved.removed, transfer: fetched.transfer, bytesReceived: fetched.bytesReceived };
  });
}
