/**
 * The pre-receive hook's look-up of a repository's objects when the server's metadata is in
 * PostgreSQL (lfs-presence.ts): one connection, one read-only transaction, one query for every
 * pointer of the push. Like the SQLite look-up, it never migrates or writes.
 */
import pg from 'pg';
import { CONNECT_TIMEOUT_MS, PG_TYPES } from './pg-connect.js';

/** The sizes at which repository `repoId` holds those of `oids` it holds, read from the database at `url`. */
export async function pgObjectSizes(url: string, repoId: number, oids: readonly string[]): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types: PG_TYPES });
  client.on('error', () => {}); // reported by the query that fails
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const rows = await client.query<{ oid: string; size: number }>('SELECT oid, size FROM objects WHERE repo_id = $1 AND oid = ANY($2::text[])', [repoId, [...oids]]);
    await client.query('COMMIT');
    return new Map(rows.rows.map((r) => [r.oid, r.size]));
  } finally {
    await client.end().catch(() => {});
  }
}
