/** `hub diff [--cached] [REV_A [REV_B] | A..B | A...B] [--name-only|--name-status] [-- PATHS...]`, `hub diff --no-index FILE_A FILE_B`. */
import type { Command } from 'commander';
import type { DiffResult } from '../../diff/diff-result.js';
import { UsageError } from '../../errors.js';
import { action } from '../action.js';
import { renderDiff } from '../diff-render.js';
import { emit } from '../render.js';
import { rootOf } from '../program.js';

interface DiffFlags {
  /** false with --no-index (commander's negatable option). */
  index?: boolean;
  stat?: boolean;
  stats?: boolean;
  exitCode?: boolean;
  key?: string | false;
  limit: string;
  remote?: string;
  token?: string;
  cached?: boolean;
  staged?: boolean;
  nameOnly?: boolean;
  nameStatus?: boolean;
}

/** Declares `hub diff`. */
export function register(program: Command): void {
  program
    .command('diff')
    .description('show what changed between two revisions, a revision and the working tree, or two files: tensors, tables, text')
    .argument('[args...]', 'REV_A [REV_B], A..B, A...B (from their merge base) [-- PATHS...], or with --no-index FILE_A FILE_B')
    .option('--cached', 'REV (default HEAD) against the index: what hub commit would record')
    .option('--staged', 'the same as --cached')
    .option('--name-only', 'only the names of changed files')
    .option('--name-status', "names with git's status letter (A, D, M, R100)")
    .option('--no-index', 'compare two files outside any repository')
    .option('--stat', 'file level only: what changed, sizes, new versus shared chunk bytes')
    .option('--stats', 'numeric statistics of changed float tensors (max and mean |a-b|, relative L2, cosine)')
    .option('--key <columns>', 'key column(s) of tables, comma-separated: report modified rows and cells (default: the first leading column unique in both files, if any)')
    .option('--no-key', 'compare table rows as a multiset: no key, none detected')
    .option('--limit <n>', 'examples shown per kind of change', '10')
    .option('--exit-code', 'exit 1 when there are differences, 0 when none (errors exit 2 or more)')
    .option('--remote <name>', 'where to read content the store lacks', 'origin')
    .option('--token <token>', 'access token for that remote (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, args: string[], flags: DiffFlags, command: Command) => {
        const { diff } = await import('../../core/diff/diff.js');
        const raw = (rootOf(command) as unknown as { rawArgs: string[] }).rawArgs;
        const dashes = raw.indexOf('--', raw.indexOf('diff'));
        const paths = dashes >= 0 ? raw.slice(dashes + 1) : [];
        const positional = args.slice(0, args.length - paths.length);
        if (flags.index === false && positional.length !== 2) throw new UsageError('--no-index needs exactly two files', {}, 'no_index_args');
        const limit = Number(flags.limit);
        const r = await diff(ctx, {
          revisions: flags.index === false ? [] : positional,
          paths,
          noIndex: flags.index === false ? [positional[0], positional[1]] : undefined,
          statOnly: flags.stat || flags.nameOnly || flags.nameStatus,
          cached: flags.cached || flags.staged,
          stats: flags.stats,
          key: flags.key === false ? [] : flags.key?.split(',').map((k) => k.trim()).filter(Boolean),
          limit: Number.isInteger(limit) ? limit : Number.NaN,
          remote: flags.remote,
          token: flags.token,
        });
        emit(ctx, r, (x) => (flags.nameOnly || flags.nameStatus ? renderNames(x, !!flags.nameStatus) : renderDiff(x, { stat: !!flags.stat })));
        return exitCodeOf(r, !!flags.exitCode, ctx.stderr);
      }),
    );
}

/** 0, or 1 with --exit-code when different; a file that could not be compared exits with its error's code (at least 2 with --exit-code). */
function exitCodeOf(r: DiffResult, exitCode: boolean, stderr: (text: string) => void): number {
  const failed = r.files.filter((f) => f.error);
  for (const f of failed) stderr(`hub: error: ${f.error!.message}\n`);
  if (failed.length) return exitCode ? Math.max(2, failed[0].error!.exitCode) : failed[0].error!.exitCode;
  return exitCode && !r.identical ? 1 : 0;
}

/** git's --name-only and --name-status lines. */
function renderNames(r: DiffResult, status: boolean): string {
  const letter = { added: 'A', deleted: 'D', modified: 'M', renamed: 'R100' } as const;
  return r.files.map((f) => (!status ? f.path : f.status === 'renamed' ? `R100\t${f.oldPath}\t${f.path}` : `${letter[f.status]}\t${f.path}`)).join('\n');
}
