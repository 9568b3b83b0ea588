/**
 * `hub push [REMOTE [BRANCH...]]`: upload the large-file content the remote lacks, then the
 * history (DESIGN §4: content first, so the server's pre-receive check finds every object). With
 * a server that offers `hub-chunks`, only xorbs holding chunks the server lacks are sent; with any
 * other Git LFS server, whole objects go through `basic`.
 *
 * git's forms: the remote defaults to the current branch's upstream remote (else origin), the
 * branches to the current one; `-u` records REMOTE/BRANCH as the upstream; `--force` pushes a
 * non-fast-forward; `--force-with-lease` does so only while the remote's branch is still where
 * our remote-tracking ref says (the server checks it atomically); `--delete` deletes the remote
 * branches. A push that is not a fast-forward is refused (exit 7, hint: `hub pull`).
 */
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { lfsPointersToPush } from '../../repo/lfs-push-set.js';
import { checkRefName, listTags, readHead, refExists, resolveRevision } from '../../repo/refs.js';
import { listRemotes } from '../../repo/remotes.js';
import { readBranchUpstream, setBranchUpstream } from '../../repo/remote-refs.js';
import { pushHistory } from '../../repo/sync.js';
import type { CoreContext } from '../context.js';
import { remoteAccess } from './remote-access.js';
import { withRepo } from '../worktree/repo-session.js';
import { uploadContent } from './upload-content.js';
import { requireOnline } from './offline.js';
import { concurrencyFrom } from '../../transfer/transfer-queue.js';
import { verifyPushLocks } from '../locks/verify-push.js';
import { sendsBodiesAfter, type GitHttpPlugin } from '../../transfer/git-http-plugin.js';

/** One branch a push updated. */
export interface PushedBranch {
  branch: string;
  /** What the remote's branch now is (null: deleted). */
  commit: string | null;
  deleted: boolean;
  forced: boolean;
  /** The remote's branch was already there (git's "Everything up-to-date" when all are). */
  upToDate: boolean;
}

/** The `--json` shape of `hub push`. */
export interface PushResult {
  remote: string;
  /** The first branch pushed (the current one unless BRANCH was given). */
  branch: string;
  /** Its commit (null when it was deleted). */
  commit: string | null;
  branches: PushedBranch[];
  /** Branches whose upstream was set (-u). */
  upstreamSet: string[];
  transfer: string | null;
  /** Tags pushed (with --tags). */
  tags: string[];
  objects: { checked: number; uploaded: number };
  /** Content bytes sent in request bodies (xorbs or whole objects). */
  bytesSent: number;
  /** The Git LFS lock verification: whether it ran, and the pushed files under your own locks. */
  locks: { verified: boolean; ours: string[] };
}

/** Options of {@link push}. */
export interface PushOptions {
  remote?: string;
  branches?: string[];
  token?: string;
  tags?: boolean;
  setUpstream?: boolean;
  force?: boolean;
  /** git's --force-with-lease: true (the remote-tracking ref's value) or the commit expected. */
  forceWithLease?: boolean | string;
  delete?: boolean;
}

/** Pushes branches (default: the current one) to a remote (default: its upstream's, else origin). */
export async function push(ctx: CoreContext, opts: PushOptions): Promise<PushResult> {
  requireOnline(ctx, 'hub push');
  if (opts.delete && !opts.branches?.length) throw new UsageError('--delete needs the branches to delete', { hint: "'hub push origin --delete BRANCH'" }, 'usage');
  return withRepo(ctx, { lock: true }, async (s) => {
    const { gitdir } = s.paths;
    const head = await readHead(gitdir);
    let branches = opts.branches ?? [];
    if (!branches.length) {
      if (head.detached || !head.branch) throw new UsageError('HEAD is detached: switch to a branch to push, or name one', {}, 'detached_head');
      if (!head.oid) throw new NotFoundError('nothing to push: no commits yet', {}, 'no_commits');
      branches = [head.branch];
    }
    branches = branches.map((b) => b.replace(/^refs\/heads\//, ''));
    for (const b of branches) checkRefName(b, 'branch');
    const upstream = head.branch ? await readBranchUpstream(gitdir, head.branch) : undefined;
    const remoteName = opts.remote ?? upstream?.remote ?? 'origin';
    const remote = (await listRemotes(gitdir)).find((r) => r.name === remoteName);
    if (!remote) throw new NotFoundError(`no remote named '${remoteName}'`, { hint: "add one with 'hub remote add origin URL'" }, 'unknown_remote');
    const access = await remoteAccess(ctx, { remote, token: opts.token, place: s.paths });

    // the commits to send, and every large file they reach that the remote is not known to have
    const tips = new Map<string, string>();
    if (!opts.delete) {
      for (const b of branches) {
        if (!(await refExists(gitdir, `refs/heads/${b}`))) throw new NotFoundError(`no branch named '${b}'`, {}, 'unknown_branch');
        tips.set(b, await resolveRevision(gitdir, `refs/heads/${b}`));
      }
    }
    const knownTips: string[] = [];
    for (const b of branches) {
      const tracking = `refs/remotes/${remoteName}/${b}`;
      if (await refExists(gitdir, tracking)) knownTips.push(await resolveRevision(gitdir, tracking));
    }
    const tags = opts.tags ? await listTags(gitdir) : [];
    const sendTips = [...tips.values(), ...(await Promise.all(tags.map((t) => resolveRevision(gitdir, `refs/tags/${t}`))))];
    // other users' file locks are checked before anything is sent (git-lfs's pre-push verification)
    const locks = await verifyPushLocks(s, access.lfs('upload'), sendTips, knownTips, [...tips.keys()].map((b) => `refs/heads/${b}`));
    // only the commits the remote's tracking branches lack are walked: the cost grows with the change, not with history
    const wanted = sendTips.length ? [...(await lfsPointersToPush(gitdir, sendTips, knownTips, ctx.signal)).entries()].map(([oid, size]) => ({ oid, size })) : [];
    let contentReady!: () => void;
    const readyTold = new Promise<void>((resolve) => (contentReady = resolve));
    const uploading = uploadContent(s.store, access.lfs('upload'), wanted, { progress: ctx.progress, concurrency: concurrencyFrom(ctx.env), signal: ctx.signal, env: ctx.env, onReady: contentReady });
    // the history's refs are read and its pack built while the content uploads; the pack is sent
    // once the content is all on the server, or being proven there under marks that hold back the
    // server's ref update until it is held (sendsBodiesAfter; docs/protocol.md, "Upload"), so the
    // order of DESIGN §4 holds. Not when git might prompt on the terminal for the remote's
    // password: that waits for the upload's progress to end (and is not asked at all when the
    // upload fails), as before
    if (ctx.interactive && !access.gitHasCredentials()) await uploading;
    const sendable = Promise.race([readyTold, uploading]);
    sendable.catch(() => {}); // the upload's failure is reported from `uploading`
    const http = () => sendsBodiesAfter(access.git(), sendable);
    const history = pushBranches(gitdir, remoteName, branches, tips, tags, opts, http);
    const [sent, done] = await Promise.allSettled([uploading, history]);
    if (sent.status === 'rejected') throw sent.reason; // the upload's failure, not the history's wait for it
    if (done.status === 'rejected') throw done.reason;
    return { remote: remoteName, branch: done.value.pushed[0].branch, commit: done.value.pushed[0].commit, branches: done.value.pushed, upstreamSet: done.value.upstreamSet, tags, transfer: sent.value.transfer, objects: { checked: wanted.length, uploaded: sent.value.uploaded }, bytesSent: sent.value.bytesSent, locks };
  });
}

/** The history part of a push: each branch, its upstream (-u), then the tags. */
async function pushBranches(gitdir: string, remoteName: string, branches: string[], tips: Map<string, string>, tags: string[], opts: PushOptions, http: () => GitHttpPlugin): Promise<{ pushed: PushedBranch[]; upstreamSet: string[] }> {
  const pushed: PushedBranch[] = [];
  for (const b of branches) {
    const lease = opts.forceWithLease === undefined || opts.forceWithLease === false ? undefined : await leaseOf(gitdir, remoteName, b, opts.forceWithLease);
    const r = await pushHistory({ gitdir, remote: remoteName, branch: b, http: http(), force: opts.force, delete: opts.delete, lease });
    if (r.staleLease !== undefined) {
      throw new ConflictError(`the remote's ${b} is at ${r.staleLease?.slice(0, 7) ?? '(nothing)'}, not ${lease?.slice(0, 7) ?? '(nothing)'} as expected: someone pushed since you last fetched`, { hint: "run 'hub fetch' and look at what they pushed ('hub log --all'), then push again", data: { branch: b, remote: r.staleLease, expected: lease } }, 'stale_lease');
    }
    if (!r.ok) throw new ConflictError(`the remote refused the push of ${b}: ${r.error ?? 'rejected'}`, { hint: "run 'hub pull' if the remote has new commits" }, 'push_rejected');
    const commit = tips.get(b) ?? null;
    pushed.push({ branch: b, commit, deleted: !!opts.delete, forced: !!(opts.force || lease !== undefined), upToDate: r.before !== undefined && r.before === commit });
  }
  const upstreamSet: string[] = [];
  if (opts.setUpstream && !opts.delete) {
    for (const b of branches) {
      await setBranchUpstream(gitdir, b, remoteName);
      upstreamSet.push(b);
    }
  }
  for (const t of tags) {
    const r = await pushHistory({ gitdir, remote: remoteName, branch: `refs/tags/${t}`, http: http() });
    if (!r.ok) throw new ConflictError(`the remote refused tag ${t}: ${r.error ?? 'rejected'}`, { hint: 'the remote has a different tag of that name' }, 'push_rejected');
  }
  return { pushed, upstreamSet };
}

/** The commit --force-with-lease expects the remote's branch at: the given one, else our remote-tracking ref (null: none). */
async function leaseOf(gitdir: string, remote: string, branch: string, given: true | string): Promise<string | null> {
  if (typeof given === 'string') return resolveRevision(gitdir, given);
  const tracking = `refs/remotes/${remote}/${branch}`;
  return (await refExists(gitdir, tracking)) ? resolveRevision(gitdir, tracking) : null;
}
