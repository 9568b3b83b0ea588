/** `hub log [REV] [--oneline] [--graph] [-n N | -N] [--all] [--stat]` and `hub show [REV | REV:PATH]`. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { FileChange, LogEntry } from '../../core/worktree/log.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';
import { blockingStdout } from './store.js';
import { closeSync } from 'node:fs';

/** Declares `hub log` and `hub show`. */
export function register(program: Command): void {
  program
    .command('log')
    .description('show the commit history')
    .argument('[rev]', 'start from this revision (default HEAD)')
    .option('--oneline', 'one line per commit')
    .option('-n, --max-count <n>', 'show at most N commits')
    .option('--stat', 'list the files each commit changed')
    .option('--all', 'every branch, remote-tracking branch and tag, not only REV')
    .option('--graph', "draw the history's branches and merges left of the commits, as git log --graph")
    .addHelpText('after', '\n-N (e.g. -3) is the same as -n N.')
    .action(
      action(async (ctx, rev: string | undefined, opts: { oneline?: boolean; maxCount?: string; stat?: boolean; all?: boolean; graph?: boolean }) => {
        const max = opts.maxCount === undefined ? undefined : Number(opts.maxCount);
        if (max !== undefined && (!Number.isInteger(max) || max < 0)) throw new UsageError(`-n takes a whole number, not '${opts.maxCount}'`);
        const { log } = await import('../../core/worktree/log.js');
        const r = await log(ctx, { rev, max, stat: opts.stat, all: opts.all, graph: opts.graph });
        const text = (c: LogEntry) => (opts.oneline ? oneline(c) : full(c));
        if (opts.graph) {
          const { drawGraph } = await import('../draw-graph.js');
          emit(ctx, r, (x) => drawGraph(x.commits.map((c) => ({ oid: c.commit, parents: c.parents })), x.commits.map((c) => text(c).split('\n')), !opts.oneline).join('\n'));
          return;
        }
        emit(ctx, r, (x) => x.commits.map(text).join(opts.oneline ? '\n' : '\n\n'));
      }),
    );
  program
    .command('show')
    .description('show a commit and the files it changed; REV:PATH prints a file as of REV (a large file\'s content, from the store)')
    .argument('[rev]', 'revision (default HEAD), or REV:PATH')
    .action(
      action(async (ctx, rev: string | undefined) => {
        if (rev?.includes(':')) {
          const { showFile } = await import('../../core/worktree/show-file.js');
          const { writeAll } = await import('../../store/reassemble.js');
          if (ctx.json) {
            emit(ctx, await showFile(ctx, rev), () => '');
            return;
          }
          const out = blockingStdout();
          try {
            await showFile(ctx, rev, (bytes) => writeAll(out, bytes));
          } finally {
            if (out !== 1) closeSync(out);
          }
          return;
        }
        const { show } = await import('../../core/worktree/log.js');
        emit(ctx, await show(ctx, rev), full);
      }),
    );
}

const decorations = (c: LogEntry) => (c.refs?.length ? ` (${c.refs.join(', ')})` : '');

function oneline(c: LogEntry): string {
  return `${c.commit.slice(0, 7)}${decorations(c)} ${c.message.split('\n')[0]}${c.files ? `\n${c.files.map(change).join('\n')}` : ''}`;
}

function change(f: FileChange): string {
  const size = f.lfs?.after ? ` (large, ${formatBytes(f.lfs.after.size)})` : f.lfs?.before ? ' (large)' : '';
  return `  ${f.change === 'added' ? 'A' : f.change === 'deleted' ? 'D' : 'M'}  ${f.path}${size}`;
}

function full(c: LogEntry): string {
  const lines = [`commit ${c.commit}${decorations(c)}`];
  if (c.parents.length > 1) lines.push(`Merge: ${c.parents.map((p) => p.slice(0, 7)).join(' ')}`);
  lines.push(`Author: ${c.author.name} <${c.author.email}>`, `Date:   ${c.author.gitDate}`, '', ...c.message.split('\n').map((l) => `    ${expandTabs(l)}`));
  if (c.files) lines.push('', ...c.files.map(change));
  return lines.join('\n');
}

/** git's medium format expands tabs in each message line to 8-column stops (its --expand-tabs default), before indenting. */
function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}
