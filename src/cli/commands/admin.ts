/** `hub token create --root DIR --user U [--write]` (server-side) and `hub repo create OWNER/NAME` (client). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub token` and `hub repo`. */
export function register(program: Command): void {
  const token = program.command('token').description('manage access tokens of a hub server (run on the server machine)');
  token
    .command('create')
    .description('create a token for USER (created if new) and print it once')
    .requiredOption('--root <dir>', 'the server data folder')
    .requiredOption('--user <name>', 'user the token belongs to')
    .option('--write', 'allow pushes and uploads (default: read only)')
    .option('--admin', 'make the user an administrator')
    .action(
      action(async (ctx, opts: { root: string; user: string; write?: boolean; admin?: boolean }) => {
        const { SqliteMetadata } = await import('../../server/metadata.js');
        const meta = SqliteMetadata.open(resolve(ctx.cwd, opts.root, 'meta.sqlite'));
        try {
          meta.ensureUser(opts.user, opts.admin ? { admin: true } : undefined);
          const t = meta.createToken(opts.user, { write: !!opts.write, label: 'hub token create' });
          emit(ctx, { user: opts.user, write: !!opts.write, token: t.token }, (r) => r.token);
        } finally {
          meta.close();
        }
      }),
    );
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
        const { repoCreate } = await import('../../core/repo-create.js');
        emit(ctx, await repoCreate(ctx, id, opts), (r) => `created ${r.private ? 'private ' : ''}${r.type} ${r.id}: ${r.url}`);
      }),
    );
}
