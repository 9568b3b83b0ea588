/**
 * `hub download URL|OWNER/NAME [PATH...]`: the files of one revision of a remote repository,
 * without a working repository (as `hf download`). History: one shallow fetch into a bare cache
 * git directory `$HUB_HOME/repos/<host_port>/<repo>.git`; large files: into the shared store
 * (only what it lacks), then written from it, verified. Files go to `--local-dir DIR`, or to the
 * snapshot folder `$HUB_HOME/snapshots/<host_port>/<repo>/<commit>/`. With HUB_OFFLINE, the
 * revision comes from the cache git directory and the content from the store, or it fails (exit 6).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NetworkError, NotFoundError, UsageError } from '../../errors.js';
import { hubHome } from '../../store/paths.js';
import { removeStaleTmpFiles } from '../../fs/atomic-file.js';
import { pidAlive } from '../../fs/pid-alive.js';
import type { Store } from '../../store/store.js';
import type { CoreContext } from '../context.js';
import { resolveToken } from '../sync/credentials.js';
import { remoteAccess } from '../sync/remote-access.js';
import type { LfsTarget } from '../../transfer/lfs-auth.js';
import { planFiles, selectFiles, STAGING_DIR, writePlanned } from './download-files.js';
import { cacheGitdir, downloadRevision, offlineError, type DownloadRevision } from './download-revision.js';
import { fetchContent, fetchFromUrls, transferOptions, type FetchedContent, type FetchOptions } from '../sync/fetch-content.js';
import { isOffline } from '../sync/offline.js';
import { withStore } from '../store/open-store.js';
import { repoReference } from '../sync/remote.js';

/** Options of {@link download}. */
export interface DownloadOptions {
  /** Files or directories of the tree (exact paths); all files when empty. */
  paths?: string[];
  localDir?: string;
  revision?: string;
  include?: string[];
  exclude?: string[];
  token?: string;
  /** `--repo-type dataset` for an OWNER/NAME reference. */
  repoType?: string;
}

/** One selected file. */
export interface DownloadedFile {
  path: string;
  size: number;
  large: boolean;
  /** The sha256 (LFS oid) of a large file. */
  oid?: string;
}

/** The `--json` shape of `hub download`. */
export interface DownloadResult {
  remote: string;
  /** REV as given, else the remote's default branch. */
  revision: string;
  commit: string;
  /** The folder the files are in (--local-dir, or the snapshot folder). */
  localDir: string;
  /** The local file when exactly one file PATH was asked for, else `localDir`. */
  path: string;
  files: DownloadedFile[];
  /** Files already correct on disk (their record and stat matched): not rewritten. */
  skipped: number;
  written: number;
  bytesReceived: number;
  transfer: string | null;
  /** Nothing was asked of the network (HUB_OFFLINE, or the server could not be reached). */
  offline: boolean;
  /** The server could not be reached: the revision and files came from the cache (a warning said so). */
  fromCache: boolean;
}

/** `<host_port>` and `<repo path>` of a remote URL, as cache folder names. */
export function cacheKey(url: string): { host: string; repo: string } {
  const u = new URL(url);
  const host = `${u.hostname}_${u.port || (u.protocol === 'https:' ? '443' : '80')}`.replace(/[^A-Za-z0-9._-]/g, '_');
  const repo = u.pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  const parts = repo.split('/');
  if (!repo || parts.some((p) => p === '.' || p === '..' || !/^[A-Za-z0-9._%-]+$/.test(p))) throw new UsageError(`cannot use '${url}' as a repository to download`, {}, 'bad_url');
  return { host, repo };
}


/**
 * Large files into the store: through the LFS batch API (chunks with hub serve); a server with
 * only the HF API and no batch API gets its `resolve` URLs fetched instead.
 */
async function fetchLarge(store: Store, lfs: LfsTarget, objects: Array<{ path: string; oid: string; size: number }>, token: string | undefined, rev: DownloadRevision, opts: FetchOptions): Promise<FetchedContent> {
  try {
    return await fetchContent(store, lfs, objects, opts);
  } catch (err) {
    if (!(err instanceof NotFoundError) || !rev.resolveUrl) throw err;
    return fetchFromUrls(store, objects.map((o) => ({ ...o, url: rev.resolveUrl!(o.path) })), token, opts);
  }
}

/**
 * The cached revision to answer from when `err` says the server cannot be reached (a network
 * error, not a refusal: an unknown revision or a denied token still fails), as `hf download`
 * returns cached files with a warning; `err` itself when that revision was never downloaded.
 */
async function fromCacheInstead(err: unknown, offline: boolean, url: string, gitdir: string, rev: string | undefined, signal: AbortSignal): Promise<DownloadRevision> {
  if (offline || !(err instanceof NetworkError) || signal.aborted) throw err;
  try {
    return await downloadRevision(url, gitdir, rev, undefined, true, signal);
  } catch {
    throw err;
  }
}

/** Downloads the selected files of one revision of `source` (see the module comment). */
export async function download(ctx: CoreContext, source: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const ref = repoReference(ctx, source, opts.repoType);
  const url = ref.url;
  const key = cacheKey(url);
  const home = hubHome(ctx.env);
  const gitdir = cacheGitdir(home, key);
  const offline = isOffline(ctx);
  const token = offline ? undefined : resolveToken(ctx, url, opts.token).token;
  const wantedRev = opts.revision ?? ref.revision;
  let rev: DownloadRevision;
  let unreachable: NetworkError | undefined; // set: answering from the cache
  try {
    rev = await downloadRevision(url, gitdir, wantedRev, token, offline, ctx.signal);
  } catch (err) {
    rev = await fromCacheInstead(err, offline, url, gitdir, wantedRev, ctx.signal);
    unreachable = err as NetworkError;
  }
  const { commit, revision } = rev;
  const where = `revision '${revision}' (${commit.slice(0, 12)}) of ${url}`;
  const { files, singleFile, filtersIgnored } = selectFiles(rev.tree, opts.paths ?? [], opts.include, opts.exclude, where);
  if (filtersIgnored) ctx.progress({ type: 'notice', level: 'warn', message: '--include and --exclude are ignored when files are named (as hf download does)' });
  const folder = opts.localDir !== undefined ? resolve(ctx.cwd, opts.localDir) : join(home, 'snapshots', key.host, key.repo, commit);
  const plan = await planFiles(rev.files, folder, files);
  if (unreachable) ctx.progress({ type: 'notice', level: 'warn', message: `cannot reach ${new URL(url).origin} (${unreachable.message}): answering from the cache, ${revision} as last downloaded (${commit.slice(0, 12)})` });
  const todo = plan.filter((p) => !p.upToDate);

  const fetched = await withStore(ctx, async (store) => {
    if (rev.gitdir) store.index.registerRepo(rev.gitdir); // gc keeps the content of revisions downloaded here
    const large = todo.flatMap((p) => (p.lfs ? [{ path: p.file.path, ...p.lfs }] : []));
    const missing = large.filter((o) => !store.hasObject(o.oid));
    if (unreachable && missing.length) throw unreachable; // that revision is not (wholly) here: exit 6 as before
    if (offline && missing.length) {
      const names = missing.map((m) => `${m.path} (oid ${m.oid.slice(0, 12)})`);
      throw offlineError(`the content of ${missing.length} file(s) is not in the local store: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}`, { missing: missing.map((m) => m.path) });
    }
    const stageDir = join(folder, STAGING_DIR);
    removeStaleTmpFiles(stageDir, pidAlive); // what a killed download left
    if (missing.length) mkdirSync(stageDir, { recursive: true });
    const got: FetchedContent = missing.length ? await fetchLarge(store, (await remoteAccess(ctx, { remote: { name: 'origin', url }, token: opts.token })).lfs('download'), missing, token, rev, transferOptions(ctx, { dir: stageDir, durable: true })) : { objects: 0, bytesReceived: 0, transfer: null };
    const staged = got.staged ?? new Map<string, string>();
    ctx.progress({ type: 'start', id: 'download', label: `Writing ${todo.length} file${todo.length === 1 ? '' : 's'}`, total: todo.length, unit: 'items' });
    let done = 0;
    try {
      for (const p of todo) {
        ctx.signal.throwIfAborted();
        await writePlanned(rev.files, folder, store, commit, p, ctx.progress, staged, ctx.signal);
        ctx.progress({ type: 'progress', id: 'download', done: ++done, total: todo.length });
      }
    } finally {
      ctx.progress({ type: 'end', id: 'download', ok: done === todo.length });
      for (const path of staged.values()) rmSync(path, { force: true });
    }
    return got;
  });

  return {
    remote: url,
    revision,
    commit,
    localDir: folder,
    path: singleFile ? join(folder, singleFile) : folder,
    files: plan.map((p) => ({ path: p.file.path, size: p.size, large: !!p.lfs, ...(p.lfs ? { oid: p.lfs.oid } : {}) })),
    skipped: plan.length - todo.length,
    written: todo.length,
    bytesReceived: fetched.bytesReceived,
    transfer: fetched.transfer,
    offline: offline || unreachable !== undefined,
    fromCache: unreachable !== undefined,
  };
}
