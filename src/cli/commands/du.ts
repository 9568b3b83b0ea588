/** `hub du`: logical versus stored bytes of the shared store. */
import type { Command } from 'commander';
import type { StoreUsage } from '../../store/usage.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub du`. */
export function register(program: Command): void {
  program
    .command('du')
    .description('show logical bytes, stored bytes, dedup ratio and counts of the store')
    .action(
      action(async (ctx) => {
        const { measureStore } = await import('../../core/store/store-maintenance.js');
        emit(ctx, await measureStore(ctx), renderUsage);
      }),
    );
}

function renderUsage(u: StoreUsage): string {
  return [
    `logical  ${formatBytes(u.logicalBytes)} in ${u.files} files`,
    `stored   ${formatBytes(u.storedBytes)} in ${u.xorbs} xorbs (${u.chunks} chunks)`,
    `dedup    ${u.dedupRatio.toFixed(2)}x`,
  ].join('\n');
}
