/** `hub clone URL|OWNER/NAME [DIR]`, `hub pull [REMOTE]`, `hub push [REMOTE [BRANCH...]]`. */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit, formatBytes, plural } from '../render.js';
import { hubVersion } from '../version.js';
import type { PullResult } from '../../core/sync/pull.js';

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
        emit(ctx, r, (x) => `cloned ${x.remote} into ${x.path}${x.revision ? ` at ${x.revision}${x.branch ? '' : ' (detached HEAD)'}` : ''}: ${plural(x.largeFiles, 'large file')}, ${formatBytes(x.bytesReceived)} of content received${x.transfer ? ` (${x.transfer})` : ''}`);
      }),
    );
  program
    .command('pull')
    .description('fetch the remote branch and merge it (fast-forward when possible, else a merge commit; conflicts exit 7); large files bring only the chunks the store lacks (HUB_OFFLINE: from what was fetched)')
    .argument('[remote]', 'remote name (default origin)')
    .option('--revision <rev>', "merge REV instead of the remote's branch of the same name: a branch of the remote, a tag or a commit")
    .option('--include <glob...>', 'fetch content only for large files matching GLOB (also completes files a partial clone left as pointers)')
    .option('--exclude <glob...>', 'do not fetch content for large files matching GLOB')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, remote: string | undefined, opts: { revision?: string; token?: string; include?: string[]; exclude?: string[] }) => {
        const { pull } = await import('../../core/sync/pull.js');
        const r = await pull(ctx, { remote, revision: opts.revision, token: opts.token, include: opts.include, exclude: opts.exclude });
        emit(ctx, r, pullLine);
      }),
    );
  program
    .command('push')
    .description("upload the large-file content the remote lacks, then push branches (default: the current one, to its upstream's remote or origin)")
    .argument('[remote]', 'remote name (default: the upstream remote, else origin)')
    .argument('[branches...]', 'branches to push (default: the current branch)')
    .option('-u, --set-upstream', 'record REMOTE/BRANCH as the upstream of each branch pushed')
    .option('-f, --force', 'push even if it is not a fast-forward (the remote loses commits)')
    .option('--force-with-lease', "force, but only while the remote's branch is where your last fetch saw it")
    .option('-d, --delete', 'delete the branches on the remote')
    .option('--tags', 'also push every tag (and the large files they need)')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, remote: string | undefined, branches: string[], opts: { token?: string; tags?: boolean; setUpstream?: boolean; force?: boolean; forceWithLease?: boolean; delete?: boolean }) => {
        const { push } = await import('../../core/sync/push.js');
        const r = await push(ctx, { remote, branches, token: opts.token, tags: opts.tags, setUpstream: opts.setUpstream, force: opts.force, forceWithLease: opts.forceWithLease, delete: opts.delete });
        emit(ctx, r, (x) => {
          if (x.objects.uploaded === 0 && x.branches.every((b) => b.upToDate) && !x.tags.length && !x.upstreamSet.length) return 'Everything up-to-date'; // git's words
          const what = x.branches.map((b) => (b.deleted ? `deleted ${b.branch}` : `${b.forced ? 'force-pushed' : 'pushed'} ${b.branch} (${b.commit!.slice(0, 7)})`)).join(', ');
          const upstream = x.upstreamSet.length ? `; upstream of ${x.upstreamSet.join(', ')} set to ${x.remote}` : '';
          return `${what} to ${x.remote}: ${x.objects.uploaded} of ${plural(x.objects.checked, 'large file')} uploaded, ${formatBytes(x.bytesSent)} sent${x.transfer ? ` (${x.transfer})` : ''}${x.tags.length ? `; tags: ${x.tags.join(', ')}` : ''}${upstream}`;
        });
      }),
    );
}

/** The human line of `hub pull`: what moved, what was written, what stayed a pointer. */
function pullLine(x: PullResult): string {
  if (x.upToDate) return 'already up to date';
  const at = `${x.branch} (${x.to.slice(0, 7)})`;
  const moved = x.mergeCommit ? `merged ${x.revision} into ${x.branch}: merge commit ${x.to.slice(0, 7)}` : x.from !== x.to ? `fast-forwarded ${x.branch} to ${x.to.slice(0, 7)}` : undefined;
  const what = x.checkedOut ? `${moved ? `${moved}; ` : ''}checked out ${at} in this --no-checkout clone` : (moved ?? `fetched the content of pointers at ${at}`);
  const pointers = x.notFetched.length ? `, ${plural(x.notFetched.length, 'large file')} left as ${x.notFetched.length === 1 ? 'a pointer' : 'pointers'} (not selected)` : '';
  return `${what}: ${plural(x.written.length, 'file')} written, ${x.removed.length} removed, ${formatBytes(x.bytesReceived)} of content received${pointers}`;
}
