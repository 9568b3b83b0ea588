/** `hub ls-files [-s]`. */
import type { Command } from 'commander';
import type { LsFilesEntry } from '../../core/worktree/ls-files.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub ls-files`. */
export function register(program: Command): void {
  program
    .command('ls-files')
    .description('list the files of the index; large files with their size and whether their content is here')
    .option('-s, --stage', "git's staged format: MODE BLOB STAGE<TAB>PATH (conflict stages included)")
    .action(
      action(async (ctx, opts: { stage?: boolean }) => {
        const { lsFiles } = await import('../../core/worktree/ls-files.js');
        emit(ctx, await lsFiles(ctx), (r) => r.files.map((f) => (opts.stage ? `${f.mode} ${f.blob} ${f.stage}\t${f.path}` : human(f))).join('\n'));
      }),
    );
}

function human(f: LsFilesEntry): string {
  if (!f.large) return f.path;
  return `${f.path}\t(large, ${formatBytes(f.large.size)}, ${f.large.present ? 'content present' : 'pointer only: not fetched'})`;
}
