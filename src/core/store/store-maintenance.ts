/** `hub fsck`, `hub du`, `hub gc`: checking, measuring and cleaning the shared store. */
import { fsck, type FsckReport } from '../../store/fsck.js';
import { gc, DEFAULT_GC_GRACE_MS, type GcResult } from '../../store/gc.js';
import { storeUsage, type StoreUsage } from '../../store/usage.js';
import { lfsOidsOfRepo } from '../../repo/lfs-oids.js';
import type { CoreContext } from '../context.js';
import { withStore } from './open-store.js';
import { existsSync } from 'node:fs';
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

/** Measures the store. */
export async function measureStore(ctx: CoreContext): Promise<StoreUsage> {
  return withStore(ctx, (store) => storeUsage(store));
}

/** gc result plus the repositories that were consulted. */
export interface CollectResult extends GcResult {
  repos: Array<{ path: string; oids: number; missing: boolean }>;
}

/**
 * Removes what no registered repository needs and nothing recent protects. Every Git LFS
 * pointer reachable from a registered repository's refs is kept.
 */
export async function collectGarbage(ctx: CoreContext, opts: { graceMs?: number; dryRun?: boolean }): Promise<CollectResult> {
  return withStore(ctx, async (store) => {
    const keep = new Set<string>();
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
    const result = await gc(store, { keep, graceMs: opts.graceMs ?? DEFAULT_GC_GRACE_MS, dryRun: opts.dryRun, signal: ctx.signal });
    return { ...result, repos };
  });
}

/** Registers a repository (its work tree or .git path) as a user of the store. */
export async function registerRepository(ctx: CoreContext, path: string): Promise<void> {
  await withStore(ctx, (store) => store.index.registerRepo(path));
}
