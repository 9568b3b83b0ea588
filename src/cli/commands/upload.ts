/** `hub upload OWNER/NAME PATH...`: commit local files to a remote repository without a clone, as `hf upload`. */
import type { Command } from 'commander';
import type { UploadResult } from '../../core/sync/upload.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

interface UploadFlags {
  revision?: string;
  message?: string;
  description?: string;
  repoType?: string;
  pathInRepo?: string;
  token?: string;
}

/** Declares `hub upload`. */
export function register(program: Command): void {
  program
    .command('upload')
    .description('commit local files and folders to a remote repository without a clone (as `hf upload`); large files send only the chunks the server lacks')
    .argument('<target>', 'OWNER/NAME, datasets/OWNER/NAME or a URL (also OWNER/NAME@BRANCH)')
    .argument('<paths...>', 'files and folders to upload (a folder: its files, recursively)')
    .option('--revision <branch>', 'the branch to commit to (default: main)')
    .option('-m, --message <msg>', 'the commit message (default: "Upload PATH with hub")')
    .option('--description <text>', 'the commit description (body)')
    .option('--repo-type <type>', 'model (default) or dataset, for an OWNER/NAME target')
    .option('--path-in-repo <path>', 'the folder the files go into; for a single file, its path in the repository')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, target: string, paths: string[], opts: UploadFlags) => {
        const { upload } = await import('../../core/sync/upload.js');
        emit(ctx, await upload(ctx, target, paths, opts), summary);
      }),
    );
}

function summary(r: UploadResult): string {
  const large = r.files.filter((f) => f.large).length;
  const bytes = r.files.reduce((n, f) => n + f.size, 0);
  const files = `${r.files.length} file${r.files.length === 1 ? '' : 's'}`;
  return `uploaded ${files} (${formatBytes(bytes)}, ${large} large) to ${r.remote} on ${r.revision}: commit ${r.commit.slice(0, 7)}; ${r.objects.uploaded} of ${r.objects.checked} large files new to the server, ${formatBytes(r.bytesSent)} sent${r.transfer ? ` (${r.transfer})` : ''}`;
}
