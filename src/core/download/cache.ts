/**
 * `hub cache ls|rm|prune`: what `hub download` keeps (download-cache.ts) and the store under it,
 * as `hf cache` manages its cache. `rm` removes a repository's snapshots and cache git directory
 * (or one revision's snapshot and the refs naming it); `prune` removes detached snapshots, then
 * runs the store's gc, which keeps every object a registered repository (a working tree, a cache
 * git directory) or a kept snapshot needs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, UsageError } from '../../errors.js';
import { deleteRef, listBranches, listTags, readHead, setHeadToBranch } from '../../repo/refs.js';
import { hubHome } from '../../store/paths.js';
import { storeUsage, type StoreUsage } from '../../store/usage.js';
import type { CoreContext } from '../context.js';
import { withStore } from '../store/open-store.js';
import { collectGarbage, removeDetachedSnapshots, type CollectResult, type RemovedSnapshot } from '../store/store-maintenance.js';
import { repoReference } from '../sync/remote.js';
import { cachedRepo, listCachedRepos, removeSnapshot, type CachedRepo } from './download-cache.js';
import { cacheKey } from './download.js';

/** The `--json` shape of `hub cache ls`. */
export interface CacheListing {
  home: string;
  repos: CachedRepo[];
  /** Bytes of every snapshot and cache git directory. */
  bytes: number;
  store: StoreUsage;
}

/** The `--json` shape of `hub cache rm`. */
export interface CacheRemoveResult {
  remote: string;
  /** Snapshots removed. */
  removed: RemovedSnapshot[];
  /** Refs of the cache git directory removed (with --revision). */
  refsRemoved: string[];
  /** The whole repository was removed from the cache (no --revision). */
  repoRemoved: boolean;
  bytesFreed: number;
}

/** The `--json` shape of `hub cache prune`. */
export interface CachePruneResult {
  dryRun: boolean;
  snapshotsRemoved: RemovedSnapshot[];
  snapshotBytesFreed: number;
  /** The store's gc that followed. */
  gc: CollectResult;
}

/** Lists the cached repositories, their revisions and sizes, and the store's usage. */
export async function cacheList(ctx: CoreContext): Promise<CacheListing> {
  const home = hubHome(ctx.env);
  const repos = await listCachedRepos(home);
  const store = await withStore(ctx, (s) => storeUsage(s));
  return { home, repos, bytes: repos.reduce((n, r) => n + r.gitBytes + r.snapshotBytes, 0), store };
}

/**
 * Removes `source` from the cache: every snapshot, the cache git directory and its registration
 * with the store; with `revision` (a ref of the cache or a commit id, 7+ hex digits) only that
 * revision's snapshot and the refs naming it. Store content is left for gc/prune to reclaim.
 */
export async function cacheRemove(ctx: CoreContext, source: string, opts: { revision?: string; repoType?: string } = {}): Promise<CacheRemoveResult> {
  const ref = repoReference(ctx, source, opts.repoType);
  if (ref.revision && opts.revision && ref.revision !== opts.revision) throw new UsageError(`two revisions given: '@${ref.revision}' and --revision ${opts.revision}`, {}, 'two_revisions');
  const home = hubHome(ctx.env);
  const key = cacheKey(ref.url);
  const repo = await cachedRepo(home, `${key.host}/${key.repo}`);
  if (!repo.gitdir && !repo.revisions.length) throw new NotFoundError(`${ref.url} is not in the download cache`, { hint: "'hub cache ls' lists what is", data: { remote: ref.url } }, 'not_cached');
  const revision = opts.revision ?? ref.revision;
  if (revision === undefined) {
    const removed = repo.revisions.filter((r) => r.snapshot).map((r) => ({ remote: repo.remote, commit: r.commit, path: r.snapshot!, bytes: r.bytes }));
    for (const r of removed) removeSnapshot(r.path);
    rmSync(join(home, 'snapshots', key.host, key.repo), { recursive: true, force: true });
    if (repo.gitdir) {
      await withStore(ctx, (store) => store.index.unregisterRepo(repo.gitdir!)); // before it goes: gc never finds a registered path half removed
      rmSync(repo.gitdir, { recursive: true, force: true });
    }
    return { remote: repo.remote, removed, refsRemoved: [], repoRemoved: true, bytesFreed: removed.reduce((n, r) => n + r.bytes, 0) + repo.gitBytes };
  }

  const hits = repo.revisions.filter((r) => r.refs.includes(revision) || (/^[0-9a-f]{7,40}$/.test(revision) && r.commit.startsWith(revision)));
  if (hits.length === 0) throw new NotFoundError(`revision '${revision}' of ${repo.remote} is not in the download cache`, { hint: "'hub cache ls' lists the cached revisions", data: { remote: repo.remote, revision } }, 'not_cached');
  if (hits.length > 1) throw new UsageError(`'${revision}' names ${hits.length} cached revisions of ${repo.remote}: give more digits`, {}, 'usage');
  const hit = hits[0];
  // refs first: killed in between, what is left is a detached snapshot that prune removes
  const refsRemoved: string[] = [];
  if (repo.gitdir) {
    const gitdir = repo.gitdir;
    for (const b of await listBranches(gitdir)) if (hit.refs.includes(b)) refsRemoved.push(`refs/heads/${b}`);
    for (const t of await listTags(gitdir)) if (hit.refs.includes(t)) refsRemoved.push(`refs/tags/${t}`);
    for (const r of refsRemoved) await deleteRef(gitdir, r);
    const head = await readHead(gitdir);
    if (head.detached && head.oid === hit.commit) setHeadToBranch(gitdir, 'main');
  }
  const removed = hit.snapshot ? [{ remote: repo.remote, commit: hit.commit, path: hit.snapshot, bytes: hit.bytes }] : [];
  for (const r of removed) removeSnapshot(r.path);
  return { remote: repo.remote, removed, refsRemoved, repoRemoved: false, bytesFreed: hit.bytes };
}

/** Removes every detached snapshot (any age), then collects the store's garbage (with gc's grace period). */
export async function cachePrune(ctx: CoreContext, opts: { graceMs?: number; dryRun?: boolean } = {}): Promise<CachePruneResult> {
  const removed = await removeDetachedSnapshots(ctx, { olderThanMs: 0, dryRun: opts.dryRun });
  const gc = await collectGarbage(ctx, { graceMs: opts.graceMs, dryRun: opts.dryRun, snapshotsOlderThanMs: null });
  return { dryRun: !!opts.dryRun, snapshotsRemoved: removed, snapshotBytesFreed: removed.reduce((n, r) => n + r.bytes, 0), gc };
}
