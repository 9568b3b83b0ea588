/** `hub lock PATH...`, `hub unlock PATH... | --id ID [--force]`, `hub locks`: Git LFS file locks on a remote. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { action } from '../action.js';
import { emit } from '../render.js';

/** Declares `hub lock`, `hub unlock` and `hub locks`. */
export function register(program: Command): void {
  program
    .command('lock')
    .description("lock files on the remote's LFS server so nobody else pushes changes to them; the working files become writable")
    .argument('<paths...>', 'files to lock')
    .option('-r, --remote <name>', 'remote whose LFS server holds the locks (default: the upstream remote, else origin)')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, paths: string[], opts: { remote?: string; token?: string }) => {
        const { lock } = await import('../../core/locks/locks.js');
        emit(ctx, await lock(ctx, paths, opts), (r) => r.locks.map((l) => `Locked ${l.path}`).join('\n'));
      }),
    );
  program
    .command('unlock')
    .description('release locks (by path, or one by --id); --force breaks a lock of another user where the server allows it')
    .argument('[paths...]', 'files to unlock')
    .option('-i, --id <id>', 'the id of the lock to release (as hub locks shows it)')
    .option('-f, --force', "unlock even with uncommitted changes, or another user's lock")
    .option('-r, --remote <name>', 'remote whose LFS server holds the locks (default: the upstream remote, else origin)')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, paths: string[], opts: { id?: string; force?: boolean; remote?: string; token?: string }) => {
        const { unlock } = await import('../../core/locks/locks.js');
        const r = await unlock(ctx, { ...opts, paths });
        emit(ctx, r, (x) => x.unlocked.map((l) => `Unlocked ${l.path}`).join('\n'));
      }),
    );
  program
    .command('locks')
    .description("list the locks on the remote's LFS server")
    .option('-p, --path <path>', 'only the lock on this file')
    .option('-i, --id <id>', 'only the lock with this id')
    .option('-l, --limit <n>', 'at most N locks')
    .option('--verify', 'ask the server which locks are yours (marked O; needs write access)')
    .option('-r, --remote <name>', 'remote whose LFS server holds the locks (default: the upstream remote, else origin)')
    .option('--token <token>', 'access token (else HUB_TOKEN or hub login)')
    .action(
      action(async (ctx, opts: { path?: string; id?: string; limit?: string; verify?: boolean; remote?: string; token?: string }) => {
        if (opts.limit !== undefined && !/^[1-9]\d{0,8}$/.test(opts.limit)) throw new UsageError(`--limit must be a positive whole number, not '${opts.limit}'`, {}, 'bad_limit');
        const { listRemoteLocks } = await import('../../core/locks/locks.js');
        const r = await listRemoteLocks(ctx, { ...opts, limit: opts.limit === undefined ? undefined : Number(opts.limit) });
        emit(ctx, r, (x) => x.locks.map((l) => `${l.ours === undefined ? '' : l.ours ? 'O ' : '  '}${l.path}\t${l.owner ?? '?'}\tID:${l.id}`).join('\n'));
      }),
    );
}
