/** `hub token create|list|revoke --root DIR [--database URL]`: manage a server's tokens, on the server machine. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub token`. */
export function register(program: Command): void {
  const token = program.command('token').description('manage access tokens of a hub server (run on the server machine)');
  token
    .command('create')
    .description('create a token for USER (created if new) and print it once')
    .requiredOption('--root <dir>', 'the server data folder')
    .option('--database <url>', "the server's PostgreSQL database, as given to hub serve --database")
    .requiredOption('--user <name>', 'user the token belongs to')
    .option('--write', 'allow pushes and uploads (default: read only)')
    .option('--admin', 'make the user an administrator')
    .action(
      action(async (ctx, opts: { root: string; database?: string; user: string; write?: boolean; admin?: boolean }) => {
        const { openServerMetadata } = await import('../../server/server-root.js');
        const meta = await openServerMetadata(resolve(ctx.cwd, opts.root), opts.database);
        try {
          await meta.ensureUser(opts.user, opts.admin ? { admin: true } : undefined);
          const t = await meta.createToken(opts.user, { write: !!opts.write, label: 'hub token create' });
          emit(ctx, { user: opts.user, write: !!opts.write, token: t.token }, (r) => r.token);
        } finally {
          await meta.close();
        }
      }),
    );
  token
    .command('list')
    .description("list live tokens (never their values), or USER's with --user")
    .requiredOption('--root <dir>', 'the server data folder')
    .option('--database <url>', "the server's PostgreSQL database, as given to hub serve --database")
    .option('--user <name>', 'only the tokens of this user')
    .action(
      action(async (ctx, opts: { root: string; database?: string; user?: string }) => {
        const { openServerMetadata } = await import('../../server/server-root.js');
        const meta = await openServerMetadata(resolve(ctx.cwd, opts.root), opts.database);
        try {
          const tokens = await meta.listTokens(opts.user);
          emit(ctx, { tokens }, (r) => r.tokens.map((t) => `${t.id}\t${t.user}\t${t.write ? 'write' : 'read'}\t${new Date(t.createdAt).toISOString()}\t${t.label ?? ''}`).join('\n'));
        } finally {
          await meta.close();
        }
      }),
    );
  token
    .command('revoke')
    .description('revoke the token ID (as shown by hub token list) for good')
    .requiredOption('--root <dir>', 'the server data folder')
    .option('--database <url>', "the server's PostgreSQL database, as given to hub serve --database")
    .argument('<id>', 'token id')
    .action(
      action(async (ctx, id: string, opts: { root: string; database?: string }) => {
        if (!/^[0-9]{1,15}$/.test(id)) throw new UsageError(`a token id is a number, not '${id}'`, {}, 'bad_token_id');
        const { openServerMetadata } = await import('../../server/server-root.js');
        const meta = await openServerMetadata(resolve(ctx.cwd, opts.root), opts.database);
        try {
          await meta.revokeToken(Number(id));
          emit(ctx, { id: Number(id), revoked: true }, (r) => `revoked token ${r.id}`);
        } finally {
          await meta.close();
        }
      }),
    );
}
