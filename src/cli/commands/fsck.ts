/** `hub fsck`: verify the store; exit 5 when anything is damaged. */
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { CheckResult } from '../../core/store/store-maintenance.js';
import { action } from '../action.js';
import { emit, formatBytes, plural } from '../render.js';

/** Declares `hub fsck`. */
export function register(program: Command): void {
  program
    .command('fsck')
    .description('verify every xorb, chunk, index entry and stored file; exit 5 on damage')
    .action(
      action(async (ctx) => {
        const { checkStore } = await import('../../core/store/store-maintenance.js');
        const report = await checkStore(ctx);
        if (!report.healthy && !ctx.json) for (const p of report.problems) ctx.stderr(`damaged: ${p.message}${p.affects.length ? ` (affects ${p.affects.join(', ')})` : ''}\n`);
        emit(ctx, report, renderFsck);
        return report.healthy ? ExitCode.ok : ExitCode.integrity;
      }),
    );
}

function renderFsck(r: CheckResult): string {
  const c = r.checked;
  const lines = [
    `checked ${c.xorbs} xorbs (${formatBytes(c.bytesVerified)}), ${c.chunks} chunks, ${c.indexedChunks} index entries, ${c.manifests} files`,
    ...(r.repository ? [`repository ${r.repository.path}: ${r.repository.branch ? `on ${r.repository.branch}` : 'detached'}, ${r.repository.indexEntries} index entries, ${r.repository.largeFiles} large files in HEAD`] : []),
    ...r.notes.map((n) => `note: ${n}`),
    r.healthy ? 'store is healthy' : `${plural(r.problems.length, 'problem')} found`,
  ];
  return lines.join('\n');
}
