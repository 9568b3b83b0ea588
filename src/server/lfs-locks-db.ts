/**
 * The file locks of `hub serve` (the Git LFS File Locking API, docs/protocol.md "Locks"), in the
 * metadata database: one row per locked path of a repository. A path is locked by at most one
 * user (the UNIQUE constraint decides a race between two creates), a lock goes with its
 * repository or owner, and listings are ordered by path, so a cursor is the path a page starts at.
 *
 * Locks are per repository, not per ref: the API's `ref` is accepted by the routes and ignored
 * here, as the spec's "single branch locking" allows.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { User } from './user.js';

/** Tables of this module; metadata.ts applies them with its schema (version 3). */
export const LOCKS_SCHEMA = `
CREATE TABLE IF NOT EXISTS lfs_locks (
  id TEXT PRIMARY KEY,
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  locked_at INTEGER NOT NULL,
  UNIQUE (repo_id, path)
);
`;

/** A lock as stored: `lockedAt` in ms since the epoch. */
export interface LockRecord {
  id: string;
  path: string;
  ownerId: number;
  owner: string;
  lockedAt: number;
}

/** A page of locks; `next` is the path the next page starts at, when there is one. */
export interface LockPage {
  locks: LockRecord[];
  next?: string;
}

/** What a listing selects: an exact path or id, from path `from` on, at most `limit` locks. */
export interface LockQuery {
  path?: string;
  id?: string;
  from?: string;
  limit: number;
}

/** The lock queries of `hub serve`. */
export interface LfsLocks {
  /** Locks `path` of repository `repoId` for `owner`; when it is locked already, the existing lock and `created: false`. */
  create(repoId: number, path: string, owner: User): Promise<{ created: boolean; lock: LockRecord }>;
  /** The locks of a repository matching `query`, ordered by path. */
  list(repoId: number, query: LockQuery): Promise<LockPage>;
  /** The lock `id` of a repository, if it exists. */
  get(repoId: number, id: string): Promise<LockRecord | undefined>;
  /** Deletes the lock `id` of a repository; false when it was gone already. */
  remove(repoId: number, id: string): Promise<boolean>;
}

/** A lock row as both databases' queries select it (SELECT_LOCKS). */
export interface LockRow {
  id: string;
  path: string;
  owner_id: number;
  owner: string;
  locked_at: number;
}

/** The lock columns with the owner's name; each database appends its WHERE. */
export const SELECT_LOCKS = 'SELECT l.id, l.path, l.owner_id, u.name AS owner, l.locked_at FROM lfs_locks l JOIN users u ON u.id = l.owner_id';

export function toLock(row: LockRow): LockRecord {
  return { id: row.id, path: row.path, ownerId: row.owner_id, owner: row.owner, lockedAt: row.locked_at };
}

/** LfsLocks on a better-sqlite3 database that has LOCKS_SCHEMA. */
export class SqliteLfsLocks implements LfsLocks {
  constructor(private readonly db: Database.Database, private readonly now: () => number) {}

  async create(repoId: number, path: string, owner: User): Promise<{ created: boolean; lock: LockRecord }> {
    // IMMEDIATE: the look-up and the insert see one state even with several server processes
    return this.db.transaction(() => {
      const held = this.db.prepare<[number, string], LockRow>(`${SELECT_LOCKS} WHERE l.repo_id = ? AND l.path = ?`).get(repoId, path);
      if (held) return { created: false, lock: toLock(held) };
      const id = randomUUID();
      this.db.prepare('INSERT INTO lfs_locks (id, repo_id, path, owner_id, locked_at) VALUES (?, ?, ?, ?, ?)').run(id, repoId, path, owner.id, this.now());
      return { created: true, lock: toLock(this.db.prepare<[number, string], LockRow>(`${SELECT_LOCKS} WHERE l.repo_id = ? AND l.id = ?`).get(repoId, id)!) };
    }).immediate();
  }

  async list(repoId: number, query: LockQuery): Promise<LockPage> {
    const where = ['l.repo_id = @repo'];
    if (query.path !== undefined) where.push('l.path = @path');
    if (query.id !== undefined) where.push('l.id = @id');
    if (query.from !== undefined) where.push('l.path >= @from');
    // one more than asked: whether there is a next page, and where it starts
    const rows = this.db
      .prepare<Record<string, unknown>, LockRow>(`${SELECT_LOCKS} WHERE ${where.join(' AND ')} ORDER BY l.path LIMIT @limit`)
      .all({ repo: repoId, path: query.path, id: query.id, from: query.from, limit: query.limit + 1 });
    const locks = rows.slice(0, query.limit).map(toLock);
    return rows.length > query.limit ? { locks, next: rows[query.limit].path } : { locks };
  }

  async get(repoId: number, id: string): Promise<LockRecord | undefined> {
    const row = this.db.prepare<[number, string], LockRow>(`${SELECT_LOCKS} WHERE l.repo_id = ? AND l.id = ?`).get(repoId, id);
    return row && toLock(row);
  }

  async remove(repoId: number, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM lfs_locks WHERE repo_id = ? AND id = ?').run(repoId, id).changes > 0;
  }
}
