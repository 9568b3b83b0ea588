/**
 * Content on demand: a local command (checkout, switch, restore, reset --hard, merge, stash pop)
 * that must write a large file whose content the store lacks (a `--no-checkout` or partial
 * clone, a branch fetched with `--exclude`) brings it from the remote, as git-lfs's smudge
 * filter does: through the same transfer queue as pull, every object verified against its
 * SHA-256 before it reaches the store or a staging file. The remote is the current branch's
 * upstream, else `origin`, else the only remote. Offline (HUB_OFFLINE) or without a remote, it
 * fails before the first file is touched, with one line naming the file and what to run.
 *
 * A partial clone remembers its `--include`/`--exclude` in git-lfs's own keys
 * (`lfs.fetchinclude`, `lfs.fetchexclude`, comma-separated), so moving between commits keeps the
 * files it left out as pointers, as `git lfs` does with those keys.
 */
import { NetworkError, NotFoundError } from '../../errors.js';
import { readHead } from '../../repo/refs.js';
import { readBranchUpstream } from '../../repo/remote-refs.js';
import { listRemotes, type Remote } from '../../repo/remotes.js';
import { getConfig, setConfig } from '../../repo/repository.js';
import type { RepoPaths } from '../../repo/repository.js';
import type { RepoSession } from '../worktree/repo-session.js';
import { releaseReplacedPages, tmpDirOf } from '../worktree/materialize.js';
import { pathFilter } from '../worktree/path-filter.js';
import { fetchContent, transferOptions } from './fetch-content.js';
import { isOffline } from './offline.js';
import { remoteAccess } from './remote-access.js';

/** A large file whose content a command needs. */
export interface NeededContent {
  path: string;
  oid: string;
  size: number;
}

/**
 * Brings `needed` (content the store lacks) from the repository's remote into the store;
 * verified staging files land in `s.staged` for materialize to rename. `source` names the
 * commit the files come from, for the offline hint.
 */
export async function fetchNeededContent(s: RepoSession, needed: readonly NeededContent[], source: string | undefined): Promise<void> {
  if (!needed.length) return;
  const first = needed[0]!;
  const named = `content of '${first.path}' (oid ${first.oid.slice(0, 12)})${needed.length > 1 ? ` and ${needed.length - 1} more large file${needed.length > 2 ? 's' : ''}` : ''}`;
  const data = { path: first.path, oid: first.oid, missing: needed.map((n) => n.path) };
  const remote = await contentRemote(s.paths.gitdir);
  if (!remote) {
    throw new NotFoundError(`${named} is not in the local store, and the repository has no remote to fetch it from`, { hint: "add the remote that has it with 'hub remote add origin URL', then run the command again", data }, 'content_missing');
  }
  if (isOffline(s.ctx)) {
    const fetch = `hub fetch ${remote.name}${source ? ` --revision ${source}` : ''}`;
    throw new NetworkError(`${named} is not in the local store, and HUB_OFFLINE is set`, { retriable: false, hint: `run '${fetch}' while online (or unset HUB_OFFLINE), then run the command again`, data }, 'offline');
  }
  const bytes = needed.reduce((n, x) => n + x.size, 0);
  s.ctx.progress({ type: 'notice', level: 'info', message: `fetching ${needed.length} large file${needed.length === 1 ? '' : 's'} (${bytes} bytes) from ${remote.name}` });
  const access = await remoteAccess(s.ctx, { remote, place: s.paths });
  releaseReplacedPages(s, needed);
  const fetched = await fetchContent(s.store, access.lfs('download'), [...needed], transferOptions(s.ctx, { dir: tmpDirOf(s), durable: false }));
  s.staged ??= new Map();
  for (const [oid, path] of fetched.staged ?? []) s.staged.set(oid, path);
}

/** The remote content comes from: the current branch's upstream, else `origin`, else the only remote. */
async function contentRemote(gitdir: string): Promise<Remote | undefined> {
  const remotes = await listRemotes(gitdir);
  const head = await readHead(gitdir);
  const upstream = head.branch ? await readBranchUpstream(gitdir, head.branch) : undefined;
  return remotes.find((r) => r.name === upstream?.remote) ?? remotes.find((r) => r.name === 'origin') ?? (remotes.length === 1 ? remotes[0] : undefined);
}

/** Records a partial clone's selection in git-lfs's keys (nothing when it selected everything). */
export async function recordPartialSelection(paths: RepoPaths, include: readonly string[] | undefined, exclude: readonly string[] | undefined): Promise<void> {
  if (include?.length) await setConfig(paths, 'lfs.fetchinclude', include.join(','));
  if (exclude?.length) await setConfig(paths, 'lfs.fetchexclude', exclude.join(','));
}

/** The selection a partial clone recorded (`lfs.fetchinclude`/`lfs.fetchexclude`), or undefined when it has none. */
export async function partialSelection(paths: RepoPaths): Promise<((path: string) => boolean) | undefined> {
  const list = async (key: string) => {
    const v = await getConfig(paths, key);
    return typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : [];
  };
  const include = await list('lfs.fetchinclude');
  const exclude = await list('lfs.fetchexclude');
  return include.length || exclude.length ? pathFilter(include, exclude) : undefined;
}

/** The files a partial clone left out (by its recorded selection), or undefined when it is no partial clone. */
export async function leftOutOfPartialClone(paths: RepoPaths): Promise<((path: string) => boolean) | undefined> {
  const selected = await partialSelection(paths);
  return selected && ((p: string) => !selected(p));
}
