/**
 * Registrations in flight: a server proving an uploaded file (the SHA-256 of all its bytes, a
 * third of a second per 512 MiB) marks (repository, oid) in the metadata database while it does
 * (docs/protocol.md, "Upload"). A client told so sends its pack at once, and the pre-receive
 * hook, which may run on another server of the root, finding a pointer whose object the
 * repository does not hold yet, waits while a live mark names it and then checks again: the
 * history's request overlaps the proof, and no ref moves before the content is proven (DESIGN §4).
 *
 * A mark lives while its server renews it (every {@link REGISTRATION_RENEW_MS}); one not renewed
 * for {@link REGISTRATION_STALE_MS} is a stopped server's and counts as gone. The object is held
 * (`objects` row) before its mark is removed, so a hook never sees neither.
 */
import type Database from 'better-sqlite3';

/** How often a server renews the mark of a registration it is running. */
export const REGISTRATION_RENEW_MS = 1_000;
/** A mark not renewed for this long counts as gone (its server stopped). */
export const REGISTRATION_STALE_MS = 10_000;

/** The marks of registrations in flight, in the metadata database. */
export interface Registrations {
  /** Marks (repository, oid) as being registered; the mark's id, for {@link renew} and {@link end}. */
  begin(repoId: number, oid: string): Promise<number>;
  /** Keeps mark `id` live. */
  renew(id: number): Promise<void>;
  /** Removes mark `id` (its registration ended, held or refused). */
  end(id: number): Promise<void>;
}

/** The table of this module; metadata.ts applies it with its schema (version 5). */
export const REGISTRATIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS registering (
  id INTEGER PRIMARY KEY,
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  oid TEXT NOT NULL,
  renewed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS registering_repo_oid ON registering (repo_id, oid);
`;

/** The marks in the SQLite metadata file (`renewed_at`: ms since the epoch, this machine's clock). */
export class SqliteRegistrations implements Registrations {
  constructor(private readonly db: Database.Database, private readonly now: () => number) {}

  async begin(repoId: number, oid: string): Promise<number> {
    return this.db.transaction(() => {
      // stale marks (a server killed mid-registration) are cleared by the next one of the repository
      this.db.prepare('DELETE FROM registering WHERE repo_id = ? AND renewed_at < ?').run(repoId, this.now() - REGISTRATION_STALE_MS);
      return Number(this.db.prepare('INSERT INTO registering (repo_id, oid, renewed_at) VALUES (?, ?, ?)').run(repoId, oid, this.now()).lastInsertRowid);
    }).immediate();
  }

  async renew(id: number): Promise<void> {
    this.db.prepare('UPDATE registering SET renewed_at = ? WHERE id = ?').run(this.now(), id);
  }

  async end(id: number): Promise<void> {
    this.db.prepare('DELETE FROM registering WHERE id = ?').run(id);
  }
}

/**
 * For repository `repoId` of an open SQLite metadata file (the hook's read-only connection): the
 * oids of `oids` that a live mark names. The hook asks every 10 ms while it waits, so the table's
 * presence is checked and the statement prepared once.
 */
export function sqliteRegisteringOf(db: Database.Database, repoId: number): (oids: readonly string[]) => Set<string> {
  // a database from before version 5 has no marks
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'registering'").get()) return () => new Set();
  const stmt = db.prepare<[number, string, number], { n: number }>('SELECT count(*) AS n FROM registering WHERE repo_id = ? AND oid = ? AND renewed_at >= ?');
  return (oids) => {
    const since = Date.now() - REGISTRATION_STALE_MS;
    return new Set(oids.filter((oid) => stmt.get(repoId, oid, since)!.n > 0));
  };
}
