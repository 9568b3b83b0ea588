/** `hub gc`: remove what no registered repository and no recent write needs. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CollectResult } from '../../core/store/store-maintenance.js';
import type { ServerGcResult } from '../../server/server-gc.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';
import { serverOptions, serverTarget, type ServerOptionValues } from '../server-options.js';

/** Declares `hub gc`. */
export function register(program: Command): void {
  const gc = program
    .command('gc')
    .description('drop stored files and xorbs that no registered repository, kept download snapshot or recent write needs, and detached download snapshots')
    .option('--grace <seconds>', 'keep anything written in the last SECONDS', '3600')
    .option('-n, --dry-run', 'only report what would be removed');
  serverOptions(gc, "collect a hub serve root's garbage instead (on the server machine): what no repository holds", true).action(
    action(async (ctx, opts: ServerOptionValues & { grace: string; dryRun?: boolean }) => {
      const grace = Number(opts.grace);
      if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`--grace takes a number of seconds, not '${opts.grace}'`);
      if (opts.root === undefined) {
        for (const [flag, value] of [['--database', opts.database], ['--storage', opts.storage], ['--s3-endpoint', opts.s3Endpoint]] as const) {
          if (value !== undefined) throw new UsageError(`${flag} goes with --root (a server root)`);
        }
        const { collectGarbage } = await import('../../core/store/store-maintenance.js');
        emit(ctx, await collectGarbage(ctx, { graceMs: grace * 1000, dryRun: opts.dryRun }), renderGc);
        return;
      }
      const target = await serverTarget(ctx, opts, 'hub gc --root', true);
      const { collectServerGarbage } = await import('../../server/server-gc.js');
      const r = await collectServerGarbage(target.root, { database: target.database, storage: target.storage, graceMs: grace * 1000, dryRun: opts.dryRun, signal: ctx.signal, env: ctx.env });
      emit(ctx, r, renderServerGc);
    }),
  );
}

function renderServerGc(r: ServerGcResult): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  return [
    `${verb} ${r.manifestsRemoved} files, ${r.xorbsRemoved} xorbs (${formatBytes(r.bytesFreed)}), ${r.tmpFilesRemoved} leftover temporary files${r.uploadsAborted === undefined ? '' : `, ${r.xetEntriesRemoved ?? 0} Xet lookup entries, ${r.uploadsAborted} abandoned multipart uploads`}`,
    `kept ${r.manifestsKept} files and ${r.xorbsKept} xorbs: ${r.objectsHeld} objects held by ${r.repositories} repositories, and recent writes`,
  ].join('\n');
}

function renderGc(r: CollectResult): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  return [
    `${verb} ${r.manifestsRemoved} files, ${r.xorbsRemoved} xorbs (${formatBytes(r.bytesFreed)}), ${r.tmpFilesRemoved} leftover temporary files, ${r.snapshotsRemoved.length} detached download snapshots (${formatBytes(r.snapshotBytesFreed)})`,
    `kept ${r.manifestsKept} files and ${r.xorbsKept} xorbs for ${r.repos.length} registered repositories and recent writes`,
  ].join('\n');
}
