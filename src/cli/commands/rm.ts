/** `hub rm PATH... [--cached] [-r]` and `hub mv SRC DST`. */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub rm` and `hub mv`. */
export function register(program: Command): void {
  program
    .command('rm')
    .description('remove tracked files from the index and the working tree')
    .argument('<paths...>', 'tracked files (directories with -r)')
    .option('--cached', 'only unstage; keep the working files')
    .option('-r', 'remove directories recursively')
    .option('-f, --force', 'remove even files with uncommitted changes')
    .action(
      action(async (ctx, paths: string[], opts: { cached?: boolean; r?: boolean; force?: boolean }) => {
        const { rm } = await import('../../core/worktree/rm-mv.js');
        emit(ctx, await rm(ctx, paths, { cached: opts.cached, recursive: opts.r, force: opts.force }), (r) => r.removed.map((p) => `rm '${p}'`).join('\n'));
      }),
    );
  program
    .command('mv')
    .description('move or rename a tracked file or directory')
    .argument('<source>')
    .argument('<destination>')
    .action(
      action(async (ctx, from: string, to: string) => {
        const { mv } = await import('../../core/worktree/rm-mv.js');
        emit(ctx, await mv(ctx, from, to), (r) => r.moved.map((m) => `${m.from} -> ${m.to}`).join('\n'));
      }),
    );
}
