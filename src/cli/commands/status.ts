/** `hub status [-s|--porcelain] [-b]`: the upstream, staged, unstaged, unmerged, untracked, and large files not fetched. */
import type { Command } from 'commander';
import type { StatusChange, StatusResult } from '../../core/worktree/status.js';
import { action } from '../action.js';
import { emit } from '../render.js';
import { shortStatus } from '../status-short.js';

/** Declares `hub status`. */
export function register(program: Command): void {
  program
    .command('status')
    .description('show the branch against its upstream, staged and unstaged changes, unmerged paths, untracked files, and large files not fetched')
    .option('-s, --short', "git's short format: XY PATH")
    .option('--porcelain', "git's porcelain v1 format (stable, for scripts)")
    .option('-b, --branch', 'with --short/--porcelain: a first line with the branch and its upstream')
    .action(
      action(async (ctx, opts: { short?: boolean; porcelain?: boolean; branch?: boolean }) => {
        const { status } = await import('../../core/worktree/status.js');
        const r = await status(ctx);
        if ((opts.short || opts.porcelain) && !ctx.json) {
          ctx.signal.throwIfAborted();
          ctx.stdout(shortStatus(r, { branch: opts.branch })); // even with --quiet: it is the result
          return;
        }
        emit(ctx, r, render);
      }),
    );
}

const label = { added: 'new file:  ', modified: 'modified:  ', deleted: 'deleted:   ', typechange: 'typechange:' } as const;
const line = (c: StatusChange) => `  ${label[c.change]} ${c.path}${c.large ? ' (large)' : ''}`;

function render(r: StatusResult): string {
  const out = [r.detached ? `HEAD detached at ${r.head?.slice(0, 7)}` : `On branch ${r.branch}`];
  if (r.upstream) out.push(upstreamLine(r.upstream));
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

/** git's sentence about the upstream. */
function upstreamLine(u: NonNullable<StatusResult['upstream']>): string {
  const n = (k: number) => `${k} commit${k === 1 ? '' : 's'}`;
  if (!u.exists) return `Your branch is based on '${u.name}', but the upstream is gone.`;
  if (u.ahead && u.behind) return `Your branch and '${u.name}' have diverged,\nand have ${u.ahead} and ${u.behind} different commits each, respectively.\n  (use 'hub pull' to merge the remote branch into yours)`;
  if (u.ahead) return `Your branch is ahead of '${u.name}' by ${n(u.ahead)}.\n  (use 'hub push' to publish your local commits)`;
  if (u.behind) return `Your branch is behind '${u.name}' by ${n(u.behind)}, and can be fast-forwarded.\n  (use 'hub pull' to update your local branch)`;
  return `Your branch is up to date with '${u.name}'.`;
}
