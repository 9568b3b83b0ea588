/**
 * The pre-receive hook's look-up of a repository's objects when the server's metadata is in
 * PostgreSQL (lfs-presence.ts): one connection whose transactions are all read-only, one query
 * for every pointer of the push, and one for the registrations in flight it waits for. Like the
 * SQLite look-up, it never migrates or writes.
 */
import pg from 'pg';
import { CONNECT_TIMEOUT_MS, PG_TYPES } from './pg-connect.js';
import { pgRegistering } from './pg-registrations.js';

/** A read-only view of repository `repoId`'s objects in the database at `url`. */
export async function pgPresence(url: string, repoId: number): Promise<{ sizes(oids: readonly string[]): Promise<Map<string, number>>; registering(oids: readonly string[]): Promise<Set<string>>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types: PG_TYPES });
  client.on('error', () => {}); // reported by the query that fails
  await client.connect();
  try {
    await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  let marks: boolean | undefined; // a database from before schema version 5 has no marks
  return {
    async sizes(oids) {
      const rows = await client.query<{ oid: string; size: number }>('SELECT oid, size FROM objects WHERE repo_id = $1 AND oid = ANY($2::text[])', [repoId, [...oids]]);
      return new Map(rows.rows.map((r) => [r.oid, r.size]));
    },
    async registering(oids) {
      marks ??= (await client.query<{ t: string | null }>("SELECT to_regclass('registering')::text AS t")).rows[0].t !== null;
      return marks ? pgRegistering(client, repoId, oids) : new Set();
    },
    close: () => client.end().catch(() => {}),
  };
}
