/** `hub remote [-v]`, `hub remote add NAME URL|OWNER/NAME`, `hub remote remove NAME`. */
import type { Command } from 'commander';
import type { RemoteResult } from '../../core/sync/remote.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub remote`. */
export function register(program: Command): void {
  const list = (verbose: boolean) => (r: RemoteResult) => r.remotes.map((x) => (verbose ? `${x.name}\t${x.url}` : x.name)).join('\n');
  const remote = program
    .command('remote')
    .description('list, add or remove remotes (OWNER/NAME resolves against HUB_ENDPOINT)')
    .option('-v, --verbose', 'show URLs')
    .action(
      action(async (ctx, opts: { verbose?: boolean }) => {
        const core = await import('../../core/sync/remote.js');
        emit(ctx, await core.remote(ctx, {}), list(!!opts.verbose));
      }),
    );
  remote
    .command('add')
    .argument('<name>')
    .argument('<url>', 'http(s) URL or OWNER/NAME')
    .action(
      action(async (ctx, name: string, url: string) => {
        const core = await import('../../core/sync/remote.js');
        emit(ctx, await core.remote(ctx, { add: { name, url } }), (r) => `added ${r.added}: ${r.remotes.find((x) => x.name === r.added)?.url}`);
      }),
    );
  remote
    .command('remove')
    .argument('<name>')
    .action(
      action(async (ctx, name: string) => {
        const core = await import('../../core/sync/remote.js');
        emit(ctx, await core.remote(ctx, { remove: name }), (r) => `removed ${r.removed}`);
      }),
    );
}
