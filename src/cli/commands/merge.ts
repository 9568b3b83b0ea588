/** `hub merge REV`, `hub merge --abort`. */
import type { Command } from 'commander';
import type { MergeResult } from '../../core/worktree/merge.js';
import { UsageError } from '../../errors.js';
import { action } from '../action.js';
import { emit, plural } from '../render.js';

/** Declares `hub merge`. */
export function register(program: Command): void {
  program
    .command('merge')
    .description('merge REV into the current branch (fast-forward, else a merge commit; conflicts exit 7 with git\'s markers and index stages)')
    .argument('[rev]', 'branch, tag or commit to merge')
    .option('--abort', 'abandon a merge that stopped on conflicts')
    .action(
      action(async (ctx, rev: string | undefined, opts: { abort?: boolean }) => {
        const core = await import('../../core/worktree/merge.js');
        if (opts.abort) {
          if (rev) throw new UsageError('--abort takes no revision', {}, 'usage');
          emit(ctx, await core.abortMerge(ctx), (r) => `merge aborted: ${plural(r.restored.length, 'path')} back at ${r.commit.slice(0, 7)}`);
          return;
        }
        if (!rev) throw new UsageError('nothing to merge: name a branch, tag or commit', { hint: "'hub merge BRANCH'" }, 'usage');
        emit(ctx, await core.merge(ctx, rev), renderMerge);
      }),
    );
}

/** One line for a merge, as `hub merge` and `hub pull` print it. */
export function renderMerge(r: MergeResult): string {
  if (r.upToDate) return 'already up to date';
  const files = `${r.written.length} files written, ${r.removed.length} removed`;
  if (r.fastForward) return `fast-forward ${r.from ? r.from.slice(0, 7) : '(unborn)'}..${r.to.slice(0, 7)}: ${files}`;
  return `merge commit ${r.to.slice(0, 7)} (parents ${r.parents.map((p) => p.slice(0, 7)).join(' ')}): ${files}`;
}
