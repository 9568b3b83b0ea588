/** `hub stash [push] [-m MSG]`, `hub stash pop`. */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub stash`. */
export function register(program: Command): void {
  const stash = program.command('stash').description("set local changes to tracked files aside (git's stash format; large files by pointer, content in the store)");
  stash
    .command('push', { isDefault: true })
    .description('save the changes and reset the working tree to HEAD')
    .option('-m, --message <message>', 'describe the stash')
    .action(
      action(async (ctx, opts: { message?: string }) => {
        const { stashPush } = await import('../../core/worktree/stash.js');
        emit(ctx, await stashPush(ctx, opts), (r) => (r.stash ? `Saved working directory and index state ${r.message}` : 'No local changes to save'));
      }),
    );
  stash
    .command('pop')
    .description('apply the newest stash and drop it (kept when it conflicts: exit 7)')
    .action(
      action(async (ctx) => {
        const { stashPop } = await import('../../core/worktree/stash.js');
        emit(ctx, await stashPop(ctx), (r) => `Dropped stash ${r.stash.slice(0, 7)} (${r.written.length} files written, ${r.removed.length} removed; ${r.remaining} left)`);
      }),
    );
}
