/**
 * `hub push [REMOTE]`: upload the large-file content the remote lacks, then the history (DESIGN
 * §4: content first, so the server's pre-receive check finds every object). With a server that
 * offers `hub-chunks`, only xorbs holding chunks the server lacks are sent; with any other Git
 * LFS server, whole objects go through `basic`.
 */
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { lfsPointersToPush } from '../../repo/lfs-push-set.js';
import { listTags, readHead, refExists, resolveRevision } from '../../repo/refs.js';
import { listRemotes } from '../../repo/remotes.js';
import { pushHistory } from '../../repo/sync.js';
import { createGitHttp } from '../../transfer/git-http-plugin.js';
import type { CoreContext } from '../context.js';
import { resolveToken } from './credentials.js';
import { withRepo } from '../worktree/repo-session.js';
import { uploadContent } from './upload-content.js';
import { requireOnline } from './offline.js';
import { concurrencyFrom } from '../../transfer/transfer-queue.js';

/** The `--json` shape of `hub push`. */
export interface PushResult {
  remote: string;
  branch: string;
  commit: string;
  transfer: string | null;
  /** Tags pushed (with --tags). */
  tags: string[];
  objects: { checked: number; uploaded: number };
  /** Content bytes sent in request bodies (xorbs or whole objects). */
  bytesSent: number;
}

/** Pushes the current branch to `remoteName`. */
export async function push(ctx: CoreContext, opts: { remote?: string; token?: string; tags?: boolean }): Promise<PushResult> {
  requireOnline(ctx, 'hub push');
  const remoteName = opts.remote ?? 'origin';
  return withRepo(ctx, { lock: true }, async (s) => {
    const remote = (await listRemotes(s.paths.gitdir)).find((r) => r.name === remoteName);
    if (!remote) throw new NotFoundError(`no remote named '${remoteName}'`, { hint: "add one with 'hub remote add origin URL'" }, 'unknown_remote');
    const head = await readHead(s.paths.gitdir);
    if (head.detached || !head.branch) throw new UsageError('HEAD is detached: switch to a branch to push', {}, 'detached_head');
    if (!head.oid) throw new NotFoundError('nothing to push: no commits yet', {}, 'no_commits');
    const { token } = resolveToken(ctx, remote.url, opts.token);
    const tracking = `refs/remotes/${remoteName}/${head.branch}`;
    // what the remote has: its tracking branch; only what the commits since add is checked (cost grows with the change, not history)
    const known = (await refExists(s.paths.gitdir, tracking)) ? [await resolveRevision(s.paths.gitdir, tracking)] : [];
    const tags = opts.tags ? await listTags(s.paths.gitdir) : [];
    const tips = [head.oid, ...(await Promise.all(tags.map((t) => resolveRevision(s.paths.gitdir, `refs/tags/${t}`))))];
    const wanted = [...(await lfsPointersToPush(s.paths.gitdir, tips, known, ctx.signal)).entries()].map(([oid, size]) => ({ oid, size }));
    const sent = await uploadContent(s.store, remote.url, wanted, token, { progress: ctx.progress, concurrency: concurrencyFrom(ctx.env), signal: ctx.signal });
    const pushed = await pushHistory({ gitdir: s.paths.gitdir, remote: remoteName, branch: head.branch, http: createGitHttp({ token, signal: ctx.signal }) });
    if (!pushed.ok) throw new ConflictError(`the remote refused the push of ${head.branch}: ${pushed.error ?? 'rejected'}`, { hint: 'pull first if the remote has new commits' }, 'push_rejected');
    for (const t of tags) {
      const r = await pushHistory({ gitdir: s.paths.gitdir, remote: remoteName, branch: `refs/tags/${t}`, http: createGitHttp({ token, signal: ctx.signal }) });
      if (!r.ok) throw new ConflictError(`the remote refused tag ${t}: ${r.error ?? 'rejected'}`, { hint: 'the remote has a different tag of that name' }, 'push_rejected');
    }
    return { remote: remoteName, branch: head.branch, commit: head.oid, tags, transfer: sent.transfer, objects: { checked: wanted.length, uploaded: sent.uploaded }, bytesSent: sent.bytesSent };
  });
}
