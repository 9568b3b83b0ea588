/** `hub download URL|OWNER/NAME [PATH...]`: the files of one revision, without a working repository. */
import type { Command } from 'commander';
import type { DownloadResult } from '../../core/download/download.js';
import { action } from '../action.js';
import { emit, formatBytes, plural } from '../render.js';

interface DownloadFlags {
  localDir?: string;
  revision?: string;
  include?: string[];
  exclude?: string[];
  token?: string;
  repoType?: string;
}

/** Declares `hub download`. */
export function register(program: Command): void {
  program
    .command('download')
    .description('download the files of one revision (default: the default branch) without a working repository, as `hf download`')
    .argument('<source>', 'URL or OWNER/NAME')
    .argument('[paths...]', 'files or directories of the revision (default: all)')
    .option('--local-dir <dir>', 'write the files to DIR (default: a snapshot folder under $HUB_HOME/snapshots)')
    .option('--revision <rev>', 'a branch, a tag or a full commit id (default: the remote default branch); also OWNER/NAME@REV')
    .option('--repo-type <type>', 'model (default) or dataset, for an OWNER/NAME source')
    .option('--include <glob...>', 'only files matching GLOB (gitignore-style)')
    .option('--exclude <glob...>', 'not the files matching GLOB')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, source: string, paths: string[], opts: DownloadFlags) => {
        const { download } = await import('../../core/download/download.js');
        const r = await download(ctx, source, { paths, ...opts });
        // like `hf download --quiet`: only the local path, for scripts
        ctx.signal.throwIfAborted(); // interrupted: no path printed (as emit)
        if (ctx.quiet && !ctx.json) ctx.stdout(`${r.path}\n`);
        else emit(ctx, r, summary);
      }),
    );
}

function summary(r: DownloadResult): string {
  const bytes = r.files.reduce((n, f) => n + f.size, 0);
  const moved = r.fromCache ? 'from the cache (the server could not be reached)' : r.offline ? 'offline' : `${formatBytes(r.bytesReceived)} of content received${r.transfer ? ` (${r.transfer})` : ''}`;
  return `downloaded ${plural(r.files.length, 'file')}, ${formatBytes(bytes)}, of ${r.revision} (${r.commit.slice(0, 7)}) to ${r.path}: ${r.written} written, ${r.skipped} already up to date, ${moved}`;
}
