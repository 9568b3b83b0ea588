/** `hub init [DIR]`: create a hub repository (a git repository hub and git-lfs both read). */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';
import { hubVersion } from '../version.js';

/** Declares `hub init`. */
export function register(program: Command): void {
  program
    .command('init')
    .description('create an empty hub repository in DIR (default: here), or reinitialise one')
    .argument('[dir]', 'where to create it')
    .action(
      action(async (ctx, dir: string | undefined) => {
        const { init } = await import('../../core/worktree/init-track.js');
        emit(ctx, await init(ctx, dir, hubVersion()), (r) => `${r.reinitialized ? 'Reinitialized existing' : 'Initialized empty'} hub repository in ${r.path}`);
      }),
    );
}
