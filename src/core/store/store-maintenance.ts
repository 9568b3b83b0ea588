/**
 * `hub fsck`, `hub du`, `hub gc`: checking, measuring and cleaning the shared store, and the
 * snapshot folders of `hub download` (download-cache.ts) with it: du counts them, gc removes the
 * detached ones older than its grace period and keeps the content of every other.
 */
import { fsck, type FsckReport } from '../../store/fsck.js';
import { gc, DEFAULT_GC_GRACE_MS, type GcResult } from '../../store/gc.js';
import { storeUsage, type StoreUsage } from '../../store/usage.js';
import { lfsOidsOfRepo } from '../../repo/lfs-oids.js';
import type { CoreContext } from '../context.js';
import { withStore } from './open-store.js';
import { existsSync } from 'node:fs';
import { hubHome } from '../../store/paths.js';
import { listCachedRepos, removeSnapshot, revisionOids } from '../download/download-cache.js';
import { checkRepo, type RepoCheck } from '../worktree/repo-check.js';

/** The fsck report, with the repository's state when run inside one. */
export interface CheckResult extends FsckReport {
  repository?: RepoCheck;
}

/** Verifies the whole store (and the repository containing ctx.cwd, if any). */
export async function checkStore(ctx: CoreContext): Promise<CheckResult> {
  return withStore(ctx, async (store) => {
    const report: CheckResult = await fsck(store, ctx.progress, ctx.signal);
    const repository = await checkRepo(ctx, store, report.problems, report.notes);
    if (repository) report.repository = repository;
    report.healthy = report.problems.length === 0;
    return report;
  });
}

/** The `--json` shape of `hub du`: the store, and the download snapshots beside it. */
export interface UsageResult extends StoreUsage {
  /** Snapshot folders of `hub download` (copies of files, outside the store). */
  snapshots: number;
  snapshotBytes: number;
}

/** Measures the store and the download snapshots. */
export async function measureStore(ctx: CoreContext): Promise<UsageResult> {
  const usage = await withStore(ctx, (store) => storeUsage(store));
  const revisions = (await listCachedRepos(hubHome(ctx.env))).flatMap((r) => r.revisions.filter((v) => v.snapshot));
  return { ...usage, snapshots: revisions.length, snapshotBytes: revisions.reduce((n, v) => n + v.bytes, 0) };
}

/** A snapshot folder removed (or that would be, in a dry run). */
export interface RemovedSnapshot {
  remote: string;
  commit: string;
  path: string;
  bytes: number;
}

/** Removes the detached snapshots (download-cache.ts) last modified more than `olderThanMs` ago. */
export async function removeDetachedSnapshots(ctx: CoreContext, opts: { olderThanMs: number; dryRun?: boolean }): Promise<RemovedSnapshot[]> {
  const cutoff = Date.now() - opts.olderThanMs;
  const removed: RemovedSnapshot[] = [];
  for (const repo of await listCachedRepos(hubHome(ctx.env))) {
    for (const r of repo.revisions) {
      ctx.signal.throwIfAborted();
      if (!r.snapshot || !r.detached || r.modifiedMs > cutoff) continue;
      if (!opts.dryRun) removeSnapshot(r.snapshot);
      removed.push({ remote: repo.remote, commit: r.commit, path: r.snapshot, bytes: r.bytes });
    }
  }
  return removed;
}

/** gc result plus the repositories that were consulted and the snapshots removed. */
export interface CollectResult extends GcResult {
  repos: Array<{ path: string; oids: number; missing: boolean }>;
  /** Detached download snapshots removed (see removeDetachedSnapshots). */
  snapshotsRemoved: RemovedSnapshot[];
  snapshotBytesFreed: number;
}

/**
 * Removes what no registered repository needs and nothing recent protects. Every Git LFS
 * pointer reachable from a registered repository's refs is kept, and so is every file of a
 * download snapshot that stays. Detached snapshots older than `snapshotsOlderThanMs` (default:
 * the grace period; null: none) go first.
 */
export async function collectGarbage(ctx: CoreContext, opts: { graceMs?: number; dryRun?: boolean; snapshotsOlderThanMs?: number | null }): Promise<CollectResult> {
  const graceMs = opts.graceMs ?? DEFAULT_GC_GRACE_MS;
  const olderThan = opts.snapshotsOlderThanMs === undefined ? graceMs : opts.snapshotsOlderThanMs;
  const snapshotsRemoved = olderThan === null ? [] : await removeDetachedSnapshots(ctx, { olderThanMs: olderThan, dryRun: opts.dryRun });
  const gone = new Set(snapshotsRemoved.map((r) => r.path));
  return withStore(ctx, async (store) => {
    const keep = new Set<string>();
    for (const repo of await listCachedRepos(hubHome(ctx.env))) {
      for (const r of repo.revisions) {
        ctx.signal.throwIfAborted();
        if (r.snapshot && !gone.has(r.snapshot)) for (const oid of await revisionOids(repo, r.commit)) keep.add(oid);
      }
    }
    const repos: CollectResult['repos'] = [];
    for (const path of store.index.repos()) {
      ctx.signal.throwIfAborted();
      if (!existsSync(path)) {
        repos.push({ path, oids: 0, missing: true });
        continue;
      }
      const oids = await lfsOidsOfRepo(path, ctx.signal);
      for (const oid of oids) keep.add(oid);
      repos.push({ path, oids: oids.size, missing: false });
    }
    const result = await gc(store, { keep, graceMs, dryRun: opts.dryRun, signal: ctx.signal });
    return { ...result, repos, snapshotsRemoved, snapshotBytesFreed: snapshotsRemoved.reduce((n, r) => n + r.bytes, 0) };
  });
}

/** Registers a repository (its work tree or .git path) as a user of the store. */
export async function registerRepository(ctx: CoreContext, path: string): Promise<void> {
  await withStore(ctx, (store) => store.index.registerRepo(path));
}
