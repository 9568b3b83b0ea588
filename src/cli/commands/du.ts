/** `hub du`: logical versus stored bytes of the shared store, and the download snapshots beside it. */
import type { Command } from 'commander';
import type { UsageResult } from '../../core/store/store-maintenance.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub du`. */
export function register(program: Command): void {
  program
    .command('du')
    .description('show logical bytes, stored bytes, dedup ratio and counts of the store, and the bytes of download snapshots')
    .action(
      action(async (ctx) => {
        const { measureStore } = await import('../../core/store/store-maintenance.js');
        emit(ctx, await measureStore(ctx), renderUsage);
      }),
    );
}

function renderUsage(u: UsageResult): string {
  return [
    `logical  ${formatBytes(u.logicalBytes)} in ${u.files} files`,
    `stored   ${formatBytes(u.storedBytes)} in ${u.xorbs} xorbs (${u.chunks} chunks)`,
    `dedup    ${u.dedupRatio.toFixed(2)}x`,
    `snapshots ${formatBytes(u.snapshotBytes)} in ${u.snapshots} download snapshot${u.snapshots === 1 ? '' : 's'} (hub cache ls)`,
  ].join('\n');
}
