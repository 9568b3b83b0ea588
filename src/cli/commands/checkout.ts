/** `hub checkout REV | -b NAME [REV] | REV -- PATH... | --ours/--theirs PATH...`, `hub switch [-c] BRANCH`, `hub restore [--staged] [--source REV] PATH...`. */
import type { Command } from 'commander';
import type { CheckoutResult } from '../../core/worktree/checkout.js';
import { UsageError } from '../../errors.js';
import { action } from '../action.js';
import { emit, plural } from '../render.js';

/** Declares `hub checkout`, `hub switch` and `hub restore`. */
export function register(program: Command): void {
  program
    .command('checkout')
    .description('move the working tree to REV (a branch switches to it; anything else detaches HEAD); -b NAME creates a branch; REV -- PATH... checks files out of REV; --ours/--theirs PATH... picks a side of a conflict')
    .argument('[rev]', 'branch, tag or commit')
    .argument('[paths...]', 'files to check out of REV (after --)')
    .option('-b <name>', 'create branch NAME at REV (default HEAD) and switch to it')
    .option('--ours', 'conflicted PATHs: take our version')
    .option('--theirs', 'conflicted PATHs: take their version')
    .action(
      action(async (ctx, rev: string | undefined, paths: string[], opts: { b?: string; ours?: boolean; theirs?: boolean }) => {
        if (opts.ours || opts.theirs) {
          if (opts.ours && opts.theirs) throw new UsageError('--ours and --theirs exclude each other', {}, 'usage');
          const { checkoutSide } = await import('../../core/worktree/checkout-side.js');
          const r = await checkoutSide(ctx, opts.ours ? 'ours' : 'theirs', [...(rev === undefined ? [] : [rev]), ...paths]);
          emit(ctx, r, (x) => `${plural(x.written.length, 'path')} checked out from ${x.side === 'ours' ? 'our' : 'their'} side (still unmerged: 'hub add' them)`);
          return;
        }
        if (opts.b !== undefined) {
          if (paths.length) throw new UsageError('-b takes a start point, not paths', {}, 'usage');
          const { switchBranch } = await import('../../core/worktree/checkout.js');
          emit(ctx, await switchBranch(ctx, opts.b, { create: true, startPoint: rev }), render);
          return;
        }
        if (rev === undefined) throw new UsageError('nothing to check out: name a branch, tag or commit', {}, 'usage');
        if (paths.length) {
          const { restore } = await import('../../core/worktree/checkout.js');
          emit(ctx, await restore(ctx, paths, { source: rev, alsoIndex: true }), (r) => `${plural(r.restored.length, 'path')} checked out of ${rev}`);
          return;
        }
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
  return `${where} (${plural(r.written.length, 'file')} written, ${r.removed.length} removed)`;
}
