/** `hub login [--token T]`, `hub logout`, `hub whoami` (server from --endpoint or HUB_ENDPOINT). */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { WhoAmI } from '../../core/sync/login.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Reads a token from the terminal without echoing it (only ever called when stdin is a TTY). */
function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

const who = (w: WhoAmI) => `${w.name} on ${w.endpoint} (${w.write ? 'write' : 'read-only'} token${w.admin ? ', admin' : ''})`;

/** Declares `hub login`, `hub logout` and `hub whoami`. */
export function register(program: Command): void {
  program
    .command('login')
    .description('check a token with the server and store it for later commands (mode 0600)')
    .option('--token <token>', 'the token (else HUB_TOKEN, else a hidden prompt on a terminal)')
    .option('--endpoint <url>', 'server base URL (else HUB_ENDPOINT)')
    .action(
      action(async (ctx, opts: { token?: string; endpoint?: string }) => {
        const { login } = await import('../../core/sync/login.js');
        const readToken = process.stdin.isTTY ? () => promptHidden('Token: ') : undefined;
        emit(ctx, await login(ctx, { ...opts, readToken }), (w) => `logged in as ${who(w)}`);
      }),
    );
  program
    .command('logout')
    .description('forget the stored token of the server')
    .option('--endpoint <url>', 'server base URL (else HUB_ENDPOINT)')
    .action(
      action(async (ctx, opts: { endpoint?: string }) => {
        const { logout } = await import('../../core/sync/login.js');
        emit(ctx, await logout(ctx, opts), (r) => (r.removed ? `logged out of ${r.endpoint}` : `was not logged in to ${r.endpoint}`));
      }),
    );
  program
    .command('whoami')
    .description('show who the token in use belongs to')
    .option('--endpoint <url>', 'server base URL (else HUB_ENDPOINT)')
    .option('--token <token>', 'the token to check')
    .action(
      action(async (ctx, opts: { endpoint?: string; token?: string }) => {
        const { whoami } = await import('../../core/sync/login.js');
        emit(ctx, await whoami(ctx, opts), who);
      }),
    );
}
