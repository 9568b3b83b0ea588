/** `hub token create|list|revoke --root DIR [--database URL] [--storage ...]`: manage a server's tokens, on the server machine. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { Metadata } from '../../server/metadata-types.js';
import { action } from '../action.js';
import type { CliContext } from '../context.js';
import { emit } from '../render.js';
import { serverOptions, serverTarget, type ServerOptionValues } from '../server-options.js';

/** Declares `hub token`. */
export function register(program: Command): void {
  const token = program.command('token').description('manage access tokens of a hub server (run on the server machine)');
  serverOptions(token.command('create').description('create a token for USER (created if new) and print it once'))
    .requiredOption('--user <name>', 'user the token belongs to')
    .option('--write', 'allow pushes and uploads (default: read only)')
    .option('--admin', 'make the user an administrator')
    .action(
      action(async (ctx, opts: ServerOptionValues & { user: string; write?: boolean; admin?: boolean }) => {
        await withMetadata(ctx, opts, 'hub token create', async (meta) => {
          await meta.ensureUser(opts.user, opts.admin ? { admin: true } : undefined);
          const t = await meta.createToken(opts.user, { write: !!opts.write, label: 'hub token create' });
          emit(ctx, { user: opts.user, write: !!opts.write, token: t.token }, (r) => r.token);
        });
      }),
    );
  serverOptions(token.command('list').description("list live tokens (never their values), or USER's with --user"))
    .option('--user <name>', 'only the tokens of this user')
    .action(
      action(async (ctx, opts: ServerOptionValues & { user?: string }) => {
        await withMetadata(ctx, opts, 'hub token list', async (meta) => {
          const tokens = await meta.listTokens(opts.user);
          emit(ctx, { tokens }, (r) => r.tokens.map((t) => `${t.id}\t${t.user}\t${t.write ? 'write' : 'read'}\t${new Date(t.createdAt).toISOString()}\t${t.label ?? ''}`).join('\n'));
        });
      }),
    );
  serverOptions(token.command('revoke').description('revoke the token ID (as shown by hub token list) for good'))
    .argument('<id>', 'token id')
    .action(
      action(async (ctx, id: string, opts: ServerOptionValues) => {
        if (!/^[0-9]{1,15}$/.test(id)) throw new UsageError(`a token id is a number, not '${id}'`, {}, 'bad_token_id');
        await withMetadata(ctx, opts, 'hub token revoke', async (meta) => {
          await meta.revokeToken(Number(id));
          emit(ctx, { id: Number(id), revoked: true }, (r) => `revoked token ${r.id}`);
        });
      }),
    );
}

/** Runs `fn` on the metadata of the server the options name, closing it afterwards. */
async function withMetadata(ctx: CliContext, opts: ServerOptionValues, command: string, fn: (meta: Metadata) => Promise<void>): Promise<void> {
  const target = await serverTarget(ctx, opts, command);
  const { openServerMetadata } = await import('../../server/server-root.js');
  const meta = await openServerMetadata(target.root, target.database);
  try {
    await fn(meta);
  } finally {
    await meta.close();
  }
}
