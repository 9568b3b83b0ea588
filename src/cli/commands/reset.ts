/** `hub reset [--soft|--mixed|--hard] [REV]`, `hub revert REV`. */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub reset` and `hub revert`. */
export function register(program: Command): void {
  program
    .command('reset')
    .description('move the current branch to REV (default HEAD); --mixed (default) also resets the index, --hard the working tree too')
    .argument('[rev]', 'commit to move to')
    .option('--soft', 'move the branch only')
    .option('--mixed', 'move the branch and reset the index (default)')
    .option('--hard', 'move the branch, reset the index and the working tree (local changes to tracked files are lost)')
    .action(
      action(async (ctx, rev: string | undefined, opts: { soft?: boolean; mixed?: boolean; hard?: boolean }) => {
        const { reset, resetMode } = await import('../../core/worktree/reset.js');
        const r = await reset(ctx, rev, resetMode(opts));
        emit(ctx, r, (x) => {
          if (x.mode === 'hard') return `HEAD is now at ${x.to.slice(0, 7)} (${x.written.length} files written, ${x.removed.length} removed)`;
          if (x.mode === 'mixed' && x.unstaged.length) return `Unstaged changes after reset:\n${x.unstaged.map((p) => `  ${p}`).join('\n')}\nHEAD is now at ${x.to.slice(0, 7)}`;
          return `HEAD is now at ${x.to.slice(0, 7)}`;
        });
      }),
    );
  program
    .command('revert')
    .description('commit the inverse of REV on top of HEAD (conflicts exit 7 as a merge does)')
    .argument('<rev>', 'commit to undo')
    .action(
      action(async (ctx, rev: string) => {
        const { revert } = await import('../../core/worktree/revert.js');
        emit(ctx, await revert(ctx, rev), (x) => `[${x.commit.slice(0, 7)}] ${x.message.split('\n')[0]}`);
      }),
    );
}
