/**
 * `hub fetch [REMOTE] [--revision REV]`: `git fetch` + `git lfs fetch`. The remote's history
 * (every branch and tag) updates `refs/remotes/REMOTE/*` and the tags; then the large-file
 * content of one commit (the remote-tracking tip of the current branch, or REV) comes into the
 * store, only what the store lacks. The branch, index and working tree are not touched, so a
 * later `hub pull` or `hub checkout REMOTE/BRANCH` moves no content bytes (and works offline).
 */
import { NotFoundError } from '../../errors.js';
import { lfsPointersOfCommit } from '../../repo/lfs-oids.js';
import { readHead, refExists, resolveRevision } from '../../repo/refs.js';
import { remoteRefSnapshot, resolveRemoteRevision } from '../../repo/remote-refs.js';
import { listRemotes } from '../../repo/remotes.js';
import { fetchHistory } from '../../repo/sync.js';
import type { CoreContext } from '../context.js';
import { remoteAccess } from './remote-access.js';
import { fetchContent, transferOptions } from './fetch-content.js';
import { requireOnline } from './offline.js';
import { pathFilter } from '../worktree/path-filter.js';
import { withRepo } from '../worktree/repo-session.js';

/** The `--json` shape of `hub fetch`. */
export interface FetchResult {
  remote: string;
  /** What the content was fetched for (`origin/main`, a tag, a commit id); null when nothing was. */
  revision: string | null;
  /** The commit whose large files are now in the store; null when there was none to fetch for. */
  commit: string | null;
  /** Remote-tracking branches and tags that were created or moved. */
  updated: Array<{ ref: string; from: string | null; to: string }>;
  /** Large files of `commit` selected by --include/--exclude, and how many the store lacked. */
  objects: { wanted: number; fetched: number };
  /** Large files of `commit` left out by --include/--exclude. */
  notFetched: string[];
  /** Content bytes received in response bodies (only chunks the store lacked, with hub-chunks). */
  bytesReceived: number;
  transfer: string | null;
}

/** Fetches history from `remote` and the content of one of its commits into the store. */
export async function fetchRemote(ctx: CoreContext, opts: { remote?: string; revision?: string; token?: string; include?: string[]; exclude?: string[] }): Promise<FetchResult> {
  requireOnline(ctx, 'hub fetch');
  const remoteName = opts.remote ?? 'origin';
  return withRepo(ctx, { lock: true }, async (s) => {
    const { gitdir } = s.paths;
    const remote = (await listRemotes(gitdir)).find((r) => r.name === remoteName);
    if (!remote) throw new NotFoundError(`no remote named '${remoteName}'`, { hint: "add one with 'hub remote add origin URL'" }, 'unknown_remote');
    const access = await remoteAccess(ctx, { remote, token: opts.token, place: s.paths });
    const before = await remoteRefSnapshot(gitdir, remoteName);
    await fetchHistory({ gitdir, remote: remoteName, http: access.git() });
    const updated: FetchResult['updated'] = [];
    for (const [ref, to] of await remoteRefSnapshot(gitdir, remoteName)) {
      if (before.get(ref) !== to) updated.push({ ref, from: before.get(ref) ?? null, to });
    }
    const result: FetchResult = { remote: remoteName, revision: null, commit: null, updated, objects: { wanted: 0, fetched: 0 }, notFetched: [], bytesReceived: 0, transfer: null };
    const target = await contentTarget(gitdir, remoteName, opts.revision);
    if (!target) return result;
    const selected = pathFilter(opts.include, opts.exclude);
    const pointers = await lfsPointersOfCommit(gitdir, target.commit);
    const wanted = pointers.filter((p) => selected(p.path));
    const fetched = await fetchContent(s.store, access.lfs('download'), wanted, transferOptions(ctx));
    return {
      ...result,
      revision: target.revision,
      commit: target.commit,
      objects: { wanted: wanted.length, fetched: fetched.objects },
      notFetched: pointers.filter((p) => !selected(p.path)).map((p) => p.path),
      bytesReceived: fetched.bytesReceived,
      transfer: fetched.transfer,
    };
  });
}

/**
 * The commit whose content to fetch: REV when given (exit 3 when the remote has no such
 * revision), else the current branch's remote-tracking branch; none when HEAD is detached or
 * the remote has no branch of that name (`git fetch` succeeds there too; --revision says what).
 */
async function contentTarget(gitdir: string, remote: string, revision: string | undefined): Promise<{ revision: string; commit: string } | undefined> {
  if (revision) {
    const r = await resolveRemoteRevision(gitdir, remote, revision);
    return { revision: r.kind === 'branch' ? `${remote}/${r.name}` : r.name, commit: r.commit };
  }
  const head = await readHead(gitdir);
  if (head.detached || !head.branch) return undefined;
  const tracking = `refs/remotes/${remote}/${head.branch}`;
  if (!(await refExists(gitdir, tracking))) return undefined;
  return { revision: `${remote}/${head.branch}`, commit: await resolveRevision(gitdir, tracking) };
}
