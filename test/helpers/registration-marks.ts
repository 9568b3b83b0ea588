// The marks of registrations in flight (src/server/registrations.ts) in a test server's metadata,
// read and written with the database's own client: SQLite's file in the root, or the PostgreSQL
// database of the PostgreSQL run.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { TestServer } from './hub-server.js';

async function onDatabase<T>(s: TestServer, sqlite: (db: Database.Database) => T, postgres: (c: pg.Client) => Promise<T>): Promise<T> {
  if (s.database) {
    const c = new pg.Client({ connectionString: s.database });
    await c.connect();
    try {
      return await postgres(c);
    } finally {
      await c.end();
    }
  }
  const db = new Database(join(s.root, 'meta.sqlite'), { timeout: 10_000 });
  try {
    return sqlite(db);
  } finally {
    db.close();
  }
}

/** How many marks the metadata holds, live or not (of `oid` only, when given). */
export function countMarks(s: TestServer, oid?: string): Promise<number> {
  return onDatabase(
    s,
    (db) => (db.prepare('SELECT count(*) AS n FROM registering WHERE ? IS NULL OR oid = ?').get(oid ?? null, oid ?? null) as { n: number }).n,
    async (c) => Number((await c.query('SELECT count(*) AS n FROM registering WHERE $1::text IS NULL OR oid = $1', [oid ?? null])).rows[0].n),
  );
}

/** Adds a mark for (repository `repoId`, `oid`) last renewed `ageMs` ago (a stopped server's, when older than REGISTRATION_STALE_MS); its id. */
export function addOldMark(s: TestServer, repoId: number, oid: string, ageMs: number): Promise<number> {
  return onDatabase(
    s,
    (db) => Number(db.prepare('INSERT INTO registering (repo_id, oid, renewed_at) VALUES (?, ?, ?)').run(repoId, oid, Date.now() - ageMs).lastInsertRowid),
    async (c) => Number((await c.query(`INSERT INTO registering (repo_id, oid, renewed_at) VALUES ($1, $2, now() - $3::interval) RETURNING id`, [repoId, oid, `${ageMs} milliseconds`])).rows[0].id),
  );
}
