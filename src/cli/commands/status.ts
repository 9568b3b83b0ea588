/** `hub status`: staged, unstaged, untracked, and large files not fetched. */
import type { Command } from 'commander';
import type { StatusChange, StatusResult } from '../../core/worktree/status.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub status`. */
export function register(program: Command): void {
  program
    .command('status')
    .description('show staged and unstaged changes, untracked files, and large files not fetched')
    .action(
      action(async (ctx) => {
        const { status } = await import('../../core/worktree/status.js');
        emit(ctx, await status(ctx), render);
      }),
    );
}

const label = { added: 'new file:  ', modified: 'modified:  ', deleted: 'deleted:   ', typechange: 'typechange:' } as const;
const line = (c: StatusChange) => `  ${label[c.change]} ${c.path}${c.large ? ' (large)' : ''}`;

function render(r: StatusResult): string {
  const out = [r.detached ? `HEAD detached at ${r.head?.slice(0, 7)}` : `On branch ${r.branch}`];
  if (!r.head) out.push('', 'No commits yet');
  if (r.checkoutInProgress) out.push('', `An interrupted checkout of '${r.checkoutInProgress}': run 'hub checkout ${r.checkoutInProgress}' again to finish it.`);
  if (r.staged.length) out.push('', 'Changes to be committed:', ...r.staged.map(line));
  if (r.unmerged.length) out.push('', "Unmerged paths (fix them, then mark them resolved with 'hub add PATH'):", ...r.unmerged.map((u) => `  ${`${u.conflict.replaceAll('-', ' ')}:`.padEnd(17)}${u.path}`));
  if (r.unstaged.length) out.push('', 'Changes not staged for commit:', ...r.unstaged.map(line));
  if (r.untracked.length) out.push('', 'Untracked files:', ...r.untracked.map((p) => `  ${p}`));
  if (r.notFetched.length) out.push('', 'Large files not fetched (pointer only):', ...r.notFetched.map((p) => `  ${p}`));
  if (r.clean) out.push('', 'nothing to commit, working tree clean');
  else if (r.unmerged.length) out.push('', "unmerged paths: 'hub commit' is refused until they are resolved");
  else if (!r.staged.length) out.push('', r.unstaged.length ? "no changes added to commit (use 'hub add')" : "nothing added to commit but untracked files present (use 'hub add')");
  return out.join('\n');
}
