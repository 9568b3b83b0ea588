/**
 * ChunkVisibility (chunk-visibility.ts) on PostgreSQL. The rules and the merged form of
 * `served_ranges` are chunk-visibility.ts's (mergeRange, mergeRuns); what is PostgreSQL's here
 * is who may write at once: every change to a repository's rows runs in a transaction that first
 * takes that repository's row lock (`FOR NO KEY UPDATE`, lockRepos), so two servers recording
 * ranges of one repository never interleave their read-merge-write, and a repository being
 * deleted waits for them (or they find it gone).
 */
import type pg from 'pg';
import type { ServedRange } from '../../store/chunk-api.js';
import { mergeRange, mergeRuns, type ChunkRuns, type ChunkVisibility, type RangeRow } from '../chunk-visibility.js';
import type { User } from '../user.js';
import { transaction } from './pg-connect.js';

/**
 * Locks the rows of the repositories `ids` that exist (in id order, so two transactions never
 * wait for each other in a cycle) until the transaction ends; returns the ids it locked.
 */
export async function lockRepos(client: pg.ClientBase, ids: readonly number[]): Promise<number[]> {
  const rows = await client.query<{ id: number }>('SELECT id FROM repos WHERE id = ANY($1::int[]) ORDER BY id FOR NO KEY UPDATE', [[...ids]]);
  return rows.rows.map((r) => r.id);
}

/** Merges `ranges` into the repository's rows; inside a transaction holding the repository's lock (lockRepos). */
export async function addRanges(client: pg.ClientBase, repoId: number, ranges: readonly ServedRange[]): Promise<void> {
  for (const r of ranges) {
    // rows are disjoint and maximal: those overlapping or touching [start, end] are exactly these
    const touching = await client.query<RangeRow>(
      'SELECT byte_start, byte_end, chunk_start, chunk_end FROM served_ranges WHERE repo_id = $1 AND xorb = $2 AND byte_start <= $3 AND byte_end >= $4 ORDER BY byte_start',
      [repoId, r.xorb, r.end, r.start],
    );
    const change = mergeRange(r, touching.rows);
    if (!change) continue;
    if (change.replaced.length > 0) {
      await client.query('DELETE FROM served_ranges WHERE repo_id = $1 AND xorb = $2 AND byte_start = ANY($3::bigint[])', [repoId, r.xorb, change.replaced.map((t) => t.byte_start)]);
    }
    const m = change.merged;
    await client.query('INSERT INTO served_ranges (repo_id, xorb, byte_start, byte_end, chunk_start, chunk_end) VALUES ($1, $2, $3, $4, $5, $6)', [repoId, r.xorb, m.byte_start, m.byte_end, m.chunk_start, m.chunk_end]);
  }
}

/** ChunkVisibility on a PostgreSQL database with pg-schema.ts's tables. */
export class PgChunkVisibility implements ChunkVisibility {
  constructor(private readonly pool: pg.Pool, private readonly now: () => number) {}

  async serves(repoId: number, xorb: string, start: number, end: number): Promise<boolean> {
    const row = await this.pool.query<{ byte_end: number }>('SELECT byte_end FROM served_ranges WHERE repo_id = $1 AND xorb = $2 AND byte_start <= $3 ORDER BY byte_start DESC LIMIT 1', [repoId, xorb, start]);
    return row.rows.length > 0 && end <= row.rows[0].byte_end;
  }

  async viewEnd(repoId: number, xorb: string): Promise<number> {
    const row = await this.pool.query<{ byte_end: number }>('SELECT byte_end FROM served_ranges WHERE repo_id = $1 AND xorb = $2 ORDER BY byte_start DESC LIMIT 1', [repoId, xorb]);
    return row.rows[0]?.byte_end ?? 0;
  }

  async readableChunks(user: User, xorb: string): Promise<ChunkRuns> {
    const uploaded = await this.pool.query('SELECT 1 FROM xorb_uploads WHERE user_id = $1 AND xorb = $2', [user.id, xorb]);
    if (uploaded.rows.length > 0) return 'all';
    // the repositories `user` may read: access.ts's rule (public, owned, member, or any for an admin)
    const rows = await this.pool.query<{ chunk_start: number; chunk_end: number }>(
      `SELECT DISTINCT s.chunk_start, s.chunk_end FROM served_ranges s JOIN repos r ON r.id = s.repo_id
       WHERE s.xorb = $1 AND ($3 OR NOT r.private OR r.owner_id = $2
         OR EXISTS (SELECT 1 FROM members m WHERE m.repo_id = r.id AND m.user_id = $2))
       ORDER BY s.chunk_start`,
      [xorb, user.id, user.admin],
    );
    return mergeRuns(rows.rows);
  }

  async addRangesToHolders(oid: string, ranges: readonly ServedRange[]): Promise<void> {
    await transaction(this.pool, async (client) => {
      const holders = await client.query<{ repo_id: number }>('SELECT DISTINCT repo_id FROM objects WHERE oid = $1', [oid]);
      for (const id of await lockRepos(client, holders.rows.map((h) => h.repo_id))) await addRanges(client, id, ranges);
    });
  }

  async recordUpload(userId: number, xorb: string): Promise<void> {
    await this.pool.query('INSERT INTO xorb_uploads (user_id, xorb, uploaded_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, xorb) DO NOTHING', [userId, xorb, this.now()]);
  }

  async backfillQueue(limit: number): Promise<Array<{ repoId: number; oid: string }>> {
    const rows = await this.pool.query<{ repoId: number; oid: string }>('SELECT repo_id AS "repoId", oid FROM served_ranges_backfill ORDER BY repo_id, oid LIMIT $1', [limit]);
    return rows.rows;
  }

  async completeBackfill(repoId: number, oid: string, ranges: readonly ServedRange[]): Promise<void> {
    await transaction(this.pool, async (client) => {
      if ((await lockRepos(client, [repoId])).length === 0) return;
      await addRanges(client, repoId, ranges);
      await client.query('DELETE FROM served_ranges_backfill WHERE repo_id = $1 AND oid = $2', [repoId, oid]);
    });
  }
}
