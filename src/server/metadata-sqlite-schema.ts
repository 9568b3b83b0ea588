/**
 * The tables of the SQLite metadata (metadata.ts) and the rebuild that brought older databases to
 * schema 4 (ids never reused).
 */
import type Database from 'better-sqlite3';

/** The columns of `tokens` and `repos` (schema 4), for SCHEMA and for the rebuild of older tables. */
const TOKENS_COLUMNS = `(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  write INTEGER NOT NULL,
  label TEXT,
  created_at INTEGER NOT NULL
)`;
const REPOS_COLUMNS = `(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL CHECK (type IN ('model', 'dataset')),
  owner_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL COLLATE NOCASE,
  private INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (type, owner_id, name)
)`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  admin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens ${TOKENS_COLUMNS};
CREATE TABLE IF NOT EXISTS repos ${REPOS_COLUMNS};
CREATE TABLE IF NOT EXISTS members (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  write INTEGER NOT NULL,
  PRIMARY KEY (repo_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  oid TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (repo_id, oid)
) WITHOUT ROWID;
`;

/**
 * Schema 4: a plain INTEGER PRIMARY KEY hands the id of the newest row, once deleted, to the next
 * one, so a revoked token's id went to the next token and a deleted repository's to the next
 * repository; whatever still names the old id (a Xet CAS token names its hub token and its
 * repository by id, an upload grant its repository) would then speak for the new one.
 * AUTOINCREMENT never reuses an id. SQLite cannot change a primary key in place: each table is
 * copied into a new one and renamed over the old (the tables that reference it name it, so they
 * follow), with foreign keys off meanwhile (open() turns them off around this migration).
 */
export const REUSED_IDS_TO_FRESH = `
CREATE TABLE tokens_v4 ${TOKENS_COLUMNS};
INSERT INTO tokens_v4 SELECT id, hash, user_id, write, label, created_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v4 RENAME TO tokens;
CREATE TABLE repos_v4 ${REPOS_COLUMNS};
INSERT INTO repos_v4 SELECT id, type, owner_id, name, private, created_at FROM repos;
DROP TABLE repos;
ALTER TABLE repos_v4 RENAME TO repos;
`;

/** Whether the database has the tokens table of a schema before 4 (ids not AUTOINCREMENT). */
export function reusesIds(db: Database.Database): boolean {
  const row = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tokens'").get();
  return row !== undefined && !/AUTOINCREMENT/i.test(row.sql);
}

