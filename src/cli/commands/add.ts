/** `hub add PATH... | -A`: stage files (large ones go to the store as LFS pointers). */
import type { Command } from 'commander';
import type { AddResultJson } from '../../core/worktree/add.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub add`. */
export function register(program: Command): void {
  program
    .command('add')
    .description('stage files; large files are stored in the content store and staged as LFS pointers')
    .argument('[paths...]', 'files or directories')
    .option('-A, --all', 'stage every change in the working tree, deletions included')
    .action(
      action(async (ctx, paths: string[], opts: { all?: boolean }) => {
        const { add } = await import('../../core/worktree/add.js');
        emit(ctx, await add(ctx, paths, opts), render);
      }),
    );
}

function render(r: AddResultJson): string {
  const lines = r.trackedBySize.map((p) => `tracking ${p} as a large file (size at least hub.largeFileThreshold)`);
  for (const f of r.added) lines.push(`add ${f.path}${f.large ? ` (large, ${formatBytes(f.size)})` : ''}`);
  for (const p of r.removed) lines.push(`remove ${p}`);
  return lines.join('\n');
}
