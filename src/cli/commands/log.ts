/** `hub log [REV] [--oneline] [-n N] [--stat]` and `hub show [REV]`. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { FileChange, LogEntry } from '../../core/worktree/log.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub log` and `hub show`. */
export function register(program: Command): void {
  program
    .command('log')
    .description('show the commit history')
    .argument('[rev]', 'start from this revision (default HEAD)')
    .option('--oneline', 'one line per commit')
    .option('-n, --max-count <n>', 'show at most N commits')
    .option('--stat', 'list the files each commit changed')
    .action(
      action(async (ctx, rev: string | undefined, opts: { oneline?: boolean; maxCount?: string; stat?: boolean }) => {
        const max = opts.maxCount === undefined ? undefined : Number(opts.maxCount);
        if (max !== undefined && (!Number.isInteger(max) || max < 0)) throw new UsageError(`-n takes a whole number, not '${opts.maxCount}'`);
        const { log } = await import('../../core/worktree/log.js');
        const r = await log(ctx, { rev, max, stat: opts.stat });
        emit(ctx, r, (x) => x.commits.map((c) => (opts.oneline ? oneline(c) : full(c))).join(opts.oneline ? '\n' : '\n\n'));
      }),
    );
  program
    .command('show')
    .description('show a commit and the files it changed')
    .argument('[rev]', 'revision (default HEAD)')
    .action(
      action(async (ctx, rev: string | undefined) => {
        const { show } = await import('../../core/worktree/log.js');
        emit(ctx, await show(ctx, rev), full);
      }),
    );
}

function oneline(c: LogEntry): string {
  return `${c.commit.slice(0, 7)} ${c.message.split('\n')[0]}${c.files ? `\n${c.files.map(change).join('\n')}` : ''}`;
}

function change(f: FileChange): string {
  const size = f.lfs?.after ? ` (large, ${formatBytes(f.lfs.after.size)})` : f.lfs?.before ? ' (large)' : '';
  return `  ${f.change === 'added' ? 'A' : f.change === 'deleted' ? 'D' : 'M'}  ${f.path}${size}`;
}

function full(c: LogEntry): string {
  const lines = [`commit ${c.commit}`];
  if (c.parents.length > 1) lines.push(`Merge: ${c.parents.map((p) => p.slice(0, 7)).join(' ')}`);
  lines.push(`Author: ${c.author.name} <${c.author.email}>`, `Date:   ${c.author.date}`, '', ...c.message.split('\n').map((l) => `    ${l}`));
  if (c.files) lines.push('', ...c.files.map(change));
  return lines.join('\n');
}
