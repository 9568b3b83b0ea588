/**
 * The marks of registrations in flight (registrations.ts) in PostgreSQL. Times are the database's
 * own clock (`now()`), so servers on several machines agree on which marks are live.
 */
import type pg from 'pg';
import { REGISTRATION_STALE_MS, type Registrations } from '../registrations.js';

/** The table, created by schema version 5 (pg-schema.ts). */
export const PG_REGISTRATIONS_SCHEMA = `
CREATE TABLE registering (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  oid TEXT COLLATE "C" NOT NULL,
  renewed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX registering_repo_oid ON registering (repo_id, oid);
`;

const STALE = `${REGISTRATION_STALE_MS} milliseconds`;

/** The marks in PostgreSQL. */
export class PgRegistrations implements Registrations {
  constructor(private readonly pool: pg.Pool) {}

  async begin(repoId: number, oid: string): Promise<number> {
    // stale marks (a server killed mid-registration) are cleared by the next one of the repository
    await this.pool.query(`DELETE FROM registering WHERE repo_id = $1 AND renewed_at < now() - $2::interval`, [repoId, STALE]);
    const row = await this.pool.query<{ id: string }>('INSERT INTO registering (repo_id, oid) VALUES ($1, $2) RETURNING id', [repoId, oid]);
    return Number(row.rows[0].id);
  }

  async renew(id: number): Promise<void> {
    await this.pool.query('UPDATE registering SET renewed_at = now() WHERE id = $1', [id]);
  }

  async end(id: number): Promise<void> {
    await this.pool.query('DELETE FROM registering WHERE id = $1', [id]);
  }
}

/** The oids of `oids` that a live mark of repository `repoId` names (the hook's read-only connection). */
export async function pgRegistering(client: pg.ClientBase, repoId: number, oids: readonly string[]): Promise<Set<string>> {
  const rows = await client.query<{ oid: string }>(`SELECT DISTINCT oid FROM registering WHERE repo_id = $1 AND oid = ANY($2::text[]) AND renewed_at >= now() - $3::interval`, [repoId, [...oids], STALE]);
  return new Set(rows.rows.map((r) => r.oid));
}
