/**
 * Which metadata store a server root uses (`--database`, DESIGN.md §5): without it, the embedded
 * SQLite file `<root>/meta.sqlite` (metadata.ts); with `postgres://USER@HOST:PORT/DATABASE`,
 * that PostgreSQL database (metadata-pg/), shared by every server given the same URL. Each store
 * is loaded only when chosen, so a SQLite server never loads `pg`, nor the reverse.
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { Metadata } from './metadata-types.js';

/** An open metadata store and where the pre-receive hook finds it (`HUB_SERVE_DB`: a file or a URL). */
export interface OpenedMetadata {
  meta: Metadata;
  hookDatabase: string;
}

/** Options of {@link openMetadata}. */
export interface OpenMetadataOptions {
  /** Told about database connection failures that no request sees (PostgreSQL only). */
  onError?: (err: Error) => void;
}

/**
 * Opens the metadata of the server root `root`: `database` (a `postgres://` or `postgresql://`
 * URL), else `<root>/meta.sqlite`. A `database` that is no such URL is UsageError `bad_database_url`.
 */
export async function openMetadata(root: string, database: string | undefined, opts: OpenMetadataOptions = {}): Promise<OpenedMetadata> {
  if (database === undefined) {
    const path = join(root, 'meta.sqlite');
    const { SqliteMetadata } = await import('./metadata.js');
    return { meta: SqliteMetadata.open(path), hookDatabase: path };
  }
  if (!/^postgres(ql)?:\/\//i.test(database)) {
    throw new UsageError(`--database takes postgres://USER@HOST:PORT/DATABASE (without it, the server root's own SQLite file), not ${JSON.stringify(database.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@'))}`, {}, 'bad_database_url');
  }
  const { PgMetadata } = await import('./metadata-pg/pg-metadata.js');
  return { meta: await PgMetadata.open(database, opts), hookDatabase: database };
}
