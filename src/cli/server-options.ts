/**
 * The options every server-side admin command shares with `hub serve` (`hub token ...`,
 * `hub gc --root`): the data folder, the metadata database and the content storage, so an
 * operator passes one set of flags everywhere. A storage other than the one the root's server
 * recorded is refused (root-storage.ts) before anything is done.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { StorageLocation } from '../store/storage-location.js';
import type { CliContext } from './context.js';

/** The shared options as commander parses them. */
export interface ServerOptionValues {
  root?: string;
  database?: string;
  storage?: string;
  s3Endpoint?: string;
}

/** A server's data folder, metadata database and content storage, checked. */
export interface ServerTarget {
  root: string;
  database?: string;
  storage: StorageLocation;
}

/** Declares `--root` (required unless `rootOptional`), `--database`, `--storage` and `--s3-endpoint` on `command`. */
export function serverOptions(command: Command, rootHelp = 'the server data folder', rootOptional = false): Command {
  (rootOptional ? command.option('--root <dir>', rootHelp) : command.requiredOption('--root <dir>', rootHelp))
    .option('--database <url>', "the server's PostgreSQL database, as given to hub serve --database (default: SQLite in the data folder)")
    .option('--storage <where>', "the server's content storage, as given to hub serve --storage: local or s3://BUCKET[/PREFIX]")
    .option('--s3-endpoint <url>', 'the S3-compatible service, as given to hub serve --s3-endpoint');
  return command;
}

/**
 * The target the options name (`opts.root` must be set); UsageError for a bad or mismatched
 * storage. `usesStorage`: the command works on the content (gc), so no `--storage` means the
 * root's own store and is checked too; a command that only reads the metadata (tokens) checks a
 * `--storage` it is given and needs none.
 */
export async function serverTarget(ctx: CliContext, opts: ServerOptionValues, command: string, usesStorage = false): Promise<ServerTarget> {
  const { parseStorageLocation } = await import('../store/storage-location.js');
  const { checkRootStorage } = await import('../server/root-storage.js');
  const root = resolve(ctx.cwd, opts.root!);
  const storage = parseStorageLocation(opts.storage, opts.s3Endpoint);
  if (usesStorage || opts.storage !== undefined) checkRootStorage(root, storage, command);
  return { root, database: opts.database, storage };
}
