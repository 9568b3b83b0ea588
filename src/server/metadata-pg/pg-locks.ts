/**
 * LfsLocks (lfs-locks-db.ts) on PostgreSQL. A path is locked by whoever's insert the UNIQUE
 * (repo_id, path) constraint lets through: two servers creating one lock at once both try
 * `INSERT ... ON CONFLICT DO NOTHING`, one row lands, and the other reads it and answers with
 * the existing lock. Paths compare and order byte by byte (`COLLATE "C"`), as in SQLite, so a
 * cursor means the same on both.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { SELECT_LOCKS, toLock, type LfsLocks, type LockPage, type LockQuery, type LockRecord, type LockRow } from '../lfs-locks-db.js';
import type { User } from '../user.js';

/** LfsLocks on a PostgreSQL database with pg-schema.ts's tables. */
export class PgLfsLocks implements LfsLocks {
  constructor(private readonly pool: pg.Pool, private readonly now: () => number) {}

  async create(repoId: number, path: string, owner: User): Promise<{ created: boolean; lock: LockRecord }> {
    // the holder may unlock between our refused insert and our read: then the path is free, try again
    for (;;) {
      const inserted = await this.pool.query<LockRow>(
        `WITH ins AS (INSERT INTO lfs_locks (id, repo_id, path, owner_id, locked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (repo_id, path) DO NOTHING RETURNING *)
         SELECT ins.id, ins.path, ins.owner_id, u.name AS owner, ins.locked_at FROM ins JOIN users u ON u.id = ins.owner_id`,
        [randomUUID(), repoId, path, owner.id, this.now()],
      );
      if (inserted.rows.length > 0) return { created: true, lock: toLock(inserted.rows[0]) };
      const held = await this.pool.query<LockRow>(`${SELECT_LOCKS} WHERE l.repo_id = $1 AND l.path = $2`, [repoId, path]);
      if (held.rows.length > 0) return { created: false, lock: toLock(held.rows[0]) };
    }
  }

  async list(repoId: number, query: LockQuery): Promise<LockPage> {
    const where = ['l.repo_id = $1'];
    const args: unknown[] = [repoId];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (query.path !== undefined) add('l.path = ?', query.path);
    if (query.id !== undefined) add('l.id = ?', query.id);
    if (query.from !== undefined) add('l.path >= ?', query.from);
    // one more than asked: whether there is a next page, and where it starts
    args.push(query.limit + 1);
    const rows = (await this.pool.query<LockRow>(`${SELECT_LOCKS} WHERE ${where.join(' AND ')} ORDER BY l.path LIMIT $${args.length}`, args)).rows;
    const locks = rows.slice(0, query.limit).map(toLock);
    return rows.length > query.limit ? { locks, next: rows[query.limit].path } : { locks };
  }

  async get(repoId: number, id: string): Promise<LockRecord | undefined> {
    const row = await this.pool.query<LockRow>(`${SELECT_LOCKS} WHERE l.repo_id = $1 AND l.id = $2`, [repoId, id]);
    return row.rows[0] && toLock(row.rows[0]);
  }

  async remove(repoId: number, id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM lfs_locks WHERE repo_id = $1 AND id = $2', [repoId, id])).rowCount ?? 0) > 0;
  }
}
