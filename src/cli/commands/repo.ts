/** `hub repo create|delete OWNER/NAME`: repositories on a running hub server (a client command). */
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub repo`. */
export function register(program: Command): void {
  const repo = program.command('repo').description('repositories on a hub server');
  repo
    .command('create')
    .description('create OWNER/NAME on the server (HUB_ENDPOINT or --endpoint; HUB_TOKEN or --token)')
    .argument('<id>', 'OWNER/NAME')
    .option('--private', 'visible only to members')
    .option('--dataset', 'a dataset repository (URL under /datasets/)')
    .option('--endpoint <url>', 'server base URL')
    .option('--token <token>', 'access token')
    .action(
      action(async (ctx, id: string, opts: { private?: boolean; dataset?: boolean; endpoint?: string; token?: string }) => {
        const { repoCreate } = await import('../../core/sync/repo-create.js');
        emit(ctx, await repoCreate(ctx, id, opts), (r) => `created ${r.private ? 'private ' : ''}${r.type} ${r.id}: ${r.url}`);
      }),
    );
  repo
    .command('delete')
    .description('delete OWNER/NAME on the server, with its history (the owner or an admin; HUB_TOKEN or --token)')
    .argument('<id>', 'OWNER/NAME')
    .option('--dataset', 'a dataset repository (URL under /datasets/)')
    .option('--endpoint <url>', 'server base URL')
    .option('--token <token>', 'access token')
    .action(
      action(async (ctx, id: string, opts: { dataset?: boolean; endpoint?: string; token?: string }) => {
        const { repoDelete } = await import('../../core/sync/repo-delete.js');
        emit(ctx, await repoDelete(ctx, id, opts), (r) => `deleted ${r.type} ${r.id}`);
      }),
    );
}
