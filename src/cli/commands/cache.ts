/** `hub cache ls|rm|prune`: the download cache (snapshots, cache git directories) and the store under it, as `hf cache`. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CacheListing, CachePruneResult, CacheRemoveResult } from '../../core/download/cache.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub cache` and its subcommands. */
export function register(program: Command): void {
  const cache = program.command('cache').description('what `hub download` keeps: snapshots and cache git directories under $HUB_HOME, and the store');
  cache
    .command('ls')
    .description('list cached repositories and revisions with their sizes (detached: no ref names it any more)')
    .action(
      action(async (ctx) => {
        const { cacheList } = await import('../../core/download/cache.js');
        emit(ctx, await cacheList(ctx), renderList);
      }),
    );
  cache
    .command('rm')
    .description("remove a repository's snapshots and cache git directory, or one revision's snapshot and refs (store content goes at the next prune or gc)")
    .argument('<source>', 'URL or OWNER/NAME (datasets/OWNER/NAME), as given to hub download')
    .option('--revision <rev>', 'only this revision: a cached branch or tag, or a commit id (7+ hex digits)')
    .option('--repo-type <type>', 'model (default) or dataset, for an OWNER/NAME source')
    .action(
      action(async (ctx, source: string, opts: { revision?: string; repoType?: string }) => {
        const { cacheRemove } = await import('../../core/download/cache.js');
        emit(ctx, await cacheRemove(ctx, source, opts), renderRemove);
      }),
    );
  cache
    .command('prune')
    .description('remove detached snapshots, then what no registered repository, kept snapshot or recent write needs from the store (hub gc)')
    .option('--grace <seconds>', "keep store content written in the last SECONDS (gc's grace period)", '3600')
    .option('-n, --dry-run', 'only report what would be removed')
    .action(
      action(async (ctx, opts: { grace: string; dryRun?: boolean }) => {
        const grace = Number(opts.grace);
        if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`--grace takes a number of seconds, not '${opts.grace}'`);
        const { cachePrune } = await import('../../core/download/cache.js');
        emit(ctx, await cachePrune(ctx, { graceMs: grace * 1000, dryRun: opts.dryRun }), renderPrune);
      }),
    );
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

function renderList(l: CacheListing): string {
  const rows = [['REMOTE', 'TYPE', 'REVISION', 'SIZE', 'FILES', 'MODIFIED', 'REFS']];
  for (const repo of l.repos) {
    if (!repo.revisions.length) rows.push([repo.remote, repo.type, '-', '-', '-', '-', '(no revision)']);
    for (const r of repo.revisions) {
      const modified = r.modifiedMs ? new Date(r.modifiedMs).toISOString().slice(0, 16).replace('T', ' ') : '-';
      rows.push([repo.remote, repo.type, r.commit.slice(0, 12), r.snapshot ? formatBytes(r.bytes) : '-', r.snapshot ? String(r.files) : '-', modified, r.detached ? '(detached)' : r.refs.join(', ')]);
    }
  }
  const snapshots = l.repos.reduce((n, r) => n + r.revisions.filter((v) => v.snapshot).length, 0);
  const summary = [
    `${l.repos.length} cached repositor${l.repos.length === 1 ? 'y' : 'ies'}, ${snapshots} snapshot${snapshots === 1 ? '' : 's'}: ${formatBytes(l.bytes)} in ${l.home}`,
    `store: ${formatBytes(l.store.storedBytes)} stored for ${formatBytes(l.store.logicalBytes)} of ${l.store.files} files (hub du, hub gc)`,
  ];
  return [...(rows.length > 1 ? [table(rows), ''] : []), ...summary].join('\n');
}

function renderRemove(r: CacheRemoveResult): string {
  const what = r.repoRemoved ? `removed ${r.remote} from the cache` : `removed ${r.removed.length ? `the snapshot of ${r.removed[0].commit.slice(0, 12)}` : 'no snapshot'} of ${r.remote}${r.refsRemoved.length ? ` and ${r.refsRemoved.join(', ')}` : ''}`;
  return `${what}: ${formatBytes(r.bytesFreed)} freed; store content no longer needed goes at the next 'hub cache prune' or 'hub gc'`;
}

function renderPrune(r: CachePruneResult): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  return [
    `${verb} ${r.snapshotsRemoved.length} detached snapshot${r.snapshotsRemoved.length === 1 ? '' : 's'} (${formatBytes(r.snapshotBytesFreed)})`,
    `${verb} ${r.gc.manifestsRemoved} stored files, ${r.gc.xorbsRemoved} xorbs (${formatBytes(r.gc.bytesFreed)}) from the store; kept ${r.gc.manifestsKept} files for ${r.gc.repos.length} registered repositories, kept snapshots and recent writes`,
  ].join('\n');
}
