/** `hub checkout REV`, `hub switch [-c] BRANCH`, `hub restore [--staged] [--source REV] PATH...`. */
import type { Command } from 'commander';
import type { CheckoutResult } from '../../core/worktree/checkout.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub checkout`, `hub switch` and `hub restore`. */
export function register(program: Command): void {
  program
    .command('checkout')
    .description('move the working tree to REV (a branch switches to it; anything else detaches HEAD)')
    .argument('<rev>', 'branch, tag or commit')
    .action(
      action(async (ctx, rev: string) => {
        const { checkout } = await import('../../core/worktree/checkout.js');
        emit(ctx, await checkout(ctx, rev), render);
      }),
    );
  program
    .command('switch')
    .description('switch to BRANCH (with -c, create it at HEAD first)')
    .argument('<branch>')
    .option('-c, --create', 'create the branch')
    .action(
      action(async (ctx, branch: string, opts: { create?: boolean }) => {
        const { switchBranch } = await import('../../core/worktree/checkout.js');
        emit(ctx, await switchBranch(ctx, branch, opts), render);
      }),
    );
  program
    .command('restore')
    .description('restore working files from the index, or unstage them with --staged')
    .argument('<paths...>')
    .option('--staged', 'restore the index from HEAD instead (unstage)')
    .option('-s, --source <rev>', 'take the content from REV')
    .action(
      action(async (ctx, paths: string[], opts: { staged?: boolean; source?: string }) => {
        const { restore } = await import('../../core/worktree/checkout.js');
        emit(ctx, await restore(ctx, paths, opts), (r) => r.restored.map((p) => `${r.staged ? 'unstaged' : 'restored'} ${p}`).join('\n'));
      }),
    );
}

function render(r: CheckoutResult): string {
  const where = r.detached ? `HEAD is now at ${r.commit.slice(0, 7)}` : `Switched to branch '${r.branch}'`;
  return `${where} (${r.written.length} files written, ${r.removed.length} removed)`;
}
