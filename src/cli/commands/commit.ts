/** `hub commit -m MSG [--author 'Name <email>']` (`-m` optional when concluding a merge). */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub commit`. */
export function register(program: Command): void {
  program
    .command('commit')
    .description('record the staged changes as a new commit')
    .option('-m, --message <message>', 'commit message (concluding a merge, MERGE_MSG by default)')
    .option('--author <author>', "override the author: 'Name <email>'")
    .action(
      action(async (ctx, opts: { message?: string; author?: string }) => {
        const { commit } = await import('../../core/worktree/commit.js');
        const r = await commit(ctx, opts);
        emit(ctx, r, (x) => `[${x.branch ?? 'detached HEAD'}${x.parents.length ? '' : ' (root-commit)'} ${x.commit.slice(0, 7)}] ${x.message.split('\n')[0]}\n ${x.files.added} added, ${x.files.modified} modified, ${x.files.deleted} deleted`);
      }),
    );
}
