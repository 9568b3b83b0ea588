/** `hub clone URL|OWNER/NAME [DIR]`, `hub pull [REMOTE]`, `hub push [REMOTE]`. */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';
import { hubVersion } from '../version.js';

/** Declares `hub clone`, `hub pull` and `hub push`. */
export function register(program: Command): void {
  program
    .command('clone')
    .description('clone a repository; large files come through the store, verified (OWNER/NAME resolves against HUB_ENDPOINT)')
    .argument('<source>', 'URL or OWNER/NAME')
    .argument('[dir]', 'target directory')
    .option('--no-checkout', 'fetch history only')
    .option('--revision <rev>', 'check out REV: a branch of the remote, or a tag or commit (detached HEAD); also OWNER/NAME@REV')
    .option('--repo-type <type>', 'model (default) or dataset, for an OWNER/NAME source')
    .option('--include <glob...>', 'fetch content only for large files matching GLOB (others stay pointers)')
    .option('--exclude <glob...>', 'do not fetch content for large files matching GLOB')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, source: string, dir: string | undefined, opts: { checkout: boolean; revision?: string; repoType?: string; token?: string; include?: string[]; exclude?: string[] }) => {
        const { clone } = await import('../../core/sync/clone.js');
        const r = await clone(ctx, source, dir, { token: opts.token, noCheckout: !opts.checkout, version: hubVersion(), include: opts.include, exclude: opts.exclude, revision: opts.revision, repoType: opts.repoType });
        emit(ctx, r, (x) => `cloned ${x.remote} into ${x.path}${x.revision ? ` at ${x.revision}${x.branch ? '' : ' (detached HEAD)'}` : ''}: ${x.largeFiles} large files, ${formatBytes(x.bytesReceived)} of content received${x.transfer ? ` (${x.transfer})` : ''}`);
      }),
    );
  program
    .command('pull')
    .description('fetch the remote branch and fast-forward to it; large files bring only the chunks the store lacks (HUB_OFFLINE: from what was fetched)')
    .argument('[remote]', 'remote name', 'origin')
    .option('--revision <rev>', "fast-forward to REV instead of the remote's branch of the same name: a branch of the remote, a tag or a commit")
    .option('--include <glob...>', 'fetch content only for large files matching GLOB (also completes files a partial clone left as pointers)')
    .option('--exclude <glob...>', 'do not fetch content for large files matching GLOB')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, remote: string, opts: { revision?: string; token?: string; include?: string[]; exclude?: string[] }) => {
        const { pull } = await import('../../core/sync/pull.js');
        const r = await pull(ctx, { remote, revision: opts.revision, token: opts.token, include: opts.include, exclude: opts.exclude });
        emit(ctx, r, (x) => (x.upToDate ? 'already up to date' : `fast-forwarded ${x.branch} to ${x.to.slice(0, 7)}: ${x.written.length} files written, ${x.removed.length} removed, ${formatBytes(x.bytesReceived)} of content received`));
      }),
    );
  program
    .command('push')
    .description('upload the large-file content the remote lacks, then push the current branch')
    .argument('[remote]', 'remote name', 'origin')
    .option('--tags', 'also push every tag (and the large files they need)')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, remote: string, opts: { token?: string; tags?: boolean }) => {
        const { push } = await import('../../core/sync/push.js');
        const r = await push(ctx, { remote, token: opts.token, tags: opts.tags });
        emit(ctx, r, (x) => `pushed ${x.branch} to ${x.remote} (${x.commit.slice(0, 7)}): ${x.objects.uploaded} of ${x.objects.checked} large files uploaded, ${formatBytes(x.bytesSent)} sent${x.transfer ? ` (${x.transfer})` : ''}${x.tags.length ? `; tags: ${x.tags.join(', ')}` : ''}`);
      }),
    );
}
