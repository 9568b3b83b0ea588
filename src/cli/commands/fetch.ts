/** `hub fetch [REMOTE] [--revision REV]`: history and large-file content, without touching the working tree. */
import type { Command } from 'commander';
import type { FetchResult } from '../../core/sync/fetch.js';
import { action } from '../action.js';
import { emit, formatBytes } from '../render.js';

/** Declares `hub fetch`. */
export function register(program: Command): void {
  program
    .command('fetch')
    .description("fetch the remote's branches and tags, and bring the large files of its current-branch tip (or REV) into the store")
    .argument('[remote]', 'remote name', 'origin')
    .option('--revision <rev>', 'fetch content for REV: a branch of the remote, a tag or a commit')
    .option('--include <glob...>', 'fetch content only for large files matching GLOB')
    .option('--exclude <glob...>', 'do not fetch content for large files matching GLOB')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, remote: string, opts: { revision?: string; token?: string; include?: string[]; exclude?: string[] }) => {
        const { fetchRemote } = await import('../../core/sync/fetch.js');
        emit(ctx, await fetchRemote(ctx, { remote, ...opts }), render);
      }),
    );
}

function render(r: FetchResult): string {
  const refs = r.updated.map((u) => `${u.from ? 'updated' : 'new'} ${u.ref.replace(/^refs\/(remotes|tags)\//, '')} ${u.to.slice(0, 7)}`);
  const content = r.commit
    ? `${r.revision} (${r.commit.slice(0, 7)}): ${r.objects.fetched} of ${r.objects.wanted} large files fetched, ${formatBytes(r.bytesReceived)} of content received${r.transfer ? ` (${r.transfer})` : ''}`
    : `no remote branch for the current branch: history only (pass --revision to fetch content)`;
  return [...refs, `fetched ${r.remote}: ${content}`].join('\n');
}
