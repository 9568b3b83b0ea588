/** `hub branch [-d|-D] [NAME [START]]` and `hub tag [-d] [NAME [REV]]`. */
import type { Command } from 'commander';
import type { BranchList, TagList } from '../../core/worktree/branch-tag.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub branch` and `hub tag`. */
export function register(program: Command): void {
  program
    .command('branch')
    .description('list branches, create NAME (at START or HEAD), or delete it with -d')
    .argument('[name]')
    .argument('[start]')
    .option('-d, --delete', 'delete the branch (if merged into HEAD)')
    .option('-D', 'delete the branch even if not merged')
    .action(
      action(async (ctx, name: string | undefined, start: string | undefined, opts: { delete?: boolean; D?: boolean }) => {
        const { branch } = await import('../../core/worktree/branch-tag.js');
        const r = await branch(ctx, { name, start, delete: opts.delete || opts.D, force: opts.D });
        emit(ctx, r, (x) => ('branches' in x ? (x as BranchList).branches.map((b) => `${b.current ? '*' : ' '} ${b.name}`).join('\n') : 'deleted' in x ? `Deleted branch ${x.deleted} (was ${x.commit.slice(0, 7)})` : `Created branch ${x.created} at ${x.commit.slice(0, 7)}`));
      }),
    );
  program
    .command('tag')
    .description('list tags, tag REV (default HEAD) as NAME, or delete NAME with -d')
    .argument('[name]')
    .argument('[rev]')
    .option('-d, --delete', 'delete the tag')
    .action(
      action(async (ctx, name: string | undefined, rev: string | undefined, opts: { delete?: boolean }) => {
        const { tag } = await import('../../core/worktree/branch-tag.js');
        const r = await tag(ctx, { name, rev, delete: opts.delete });
        emit(ctx, r, (x) => ('tags' in x ? (x as TagList).tags.map((t) => t.name).join('\n') : 'deleted' in x ? `Deleted tag ${x.deleted} (was ${x.commit.slice(0, 7)})` : `Tagged ${x.commit.slice(0, 7)} as ${x.created}`));
      }),
    );
}
