/**
 * Which xorb bytes each repository of `hub serve` may serve, and which chunks each user may name
 * in a manifest (docs/protocol.md "Visibility"). Storage dedup is global: a xorb is stored once
 * whatever repositories use it. But a repository serves only the byte ranges of the chunk records
 * that the manifests of its own objects reference (`served_ranges`), and a user may name in a
 * manifest only chunks they can read: every chunk of a xorb they uploaded in full
 * (`xorb_uploads`: the server verified each byte against the xorb hash, so they provably know
 * them), or a chunk some repository they may read serves.
 *
 * `served_ranges` is kept merged: per repository and xorb, one row per maximal run of
 * consecutive chunk records (a chunk run and its byte run grow together, since records are
 * contiguous), so "may this repository serve bytes [a, b) of xorb X" is one indexed lookup of the
 * row starting at or before `a`. Repositories only ever gain objects (a deleted repository takes
 * its rows with it), so rows are only ever merged, never split.
 */
import type Database from 'better-sqlite3';
import type { ServedRange } from '../store/chunk-api.js';
import type { User } from './user.js';

/** Tables of this module; metadata.ts applies them with its schema (version 2). */
export const VISIBILITY_SCHEMA = `
CREATE TABLE IF NOT EXISTS served_ranges (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  xorb TEXT NOT NULL,
  byte_start INTEGER NOT NULL,
  byte_end INTEGER NOT NULL,
  chunk_start INTEGER NOT NULL,
  chunk_end INTEGER NOT NULL,
  PRIMARY KEY (repo_id, xorb, byte_start)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS served_ranges_by_xorb ON served_ranges(xorb, chunk_start);
CREATE TABLE IF NOT EXISTS xorb_uploads (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  xorb TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, xorb)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS served_ranges_backfill (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  oid TEXT NOT NULL,
  PRIMARY KEY (repo_id, oid)
) WITHOUT ROWID;
`;

/** The SQL that fills the backfill queue when a version-1 database is upgraded: every object held then. */
export const QUEUE_BACKFILL = 'INSERT OR IGNORE INTO served_ranges_backfill (repo_id, oid) SELECT repo_id, oid FROM objects';

/** Chunks [start, end) of one xorb, or every chunk of it. */
export type ChunkRuns = 'all' | Array<{ start: number; end: number }>;

/** True when `runs` (in any order, possibly meeting end to end) together hold every chunk of [start, end). */
export function coversChunks(runs: ChunkRuns, start: number, end: number): boolean {
  if (runs === 'all') return true;
  // covered by the union: runs of several repositories may meet end to end
  for (let at = start; ; ) {
    let reach = at;
    for (const r of runs) if (r.start <= at && r.end > reach) reach = r.end;
    if (reach >= end) return true;
    if (reach === at) return false;
    at = reach;
  }
}

/** A row of `served_ranges`: bytes [byte_start, byte_end) of a xorb, its chunk records [chunk_start, chunk_end). */
export interface RangeRow {
  byte_start: number;
  byte_end: number;
  chunk_start: number;
  chunk_end: number;
}

/**
 * How `r` joins a repository's rows of its xorb: the merged row and the rows it replaces, or
 * undefined when one row serves `r` already. `touching` are the rows that overlap or touch
 * [r.start, r.end] (with merged rows, those with `byte_start <= r.end AND byte_end >= r.start`).
 */
export function mergeRange(r: ServedRange, touching: readonly RangeRow[]): { merged: RangeRow; replaced: readonly RangeRow[] } | undefined {
  if (touching.length === 1 && touching[0].byte_start <= r.start && r.end <= touching[0].byte_end) return undefined; // already served
  const merged: RangeRow = { byte_start: r.start, byte_end: r.end, chunk_start: r.chunkStart, chunk_end: r.chunkEnd };
  for (const t of touching) {
    merged.byte_start = Math.min(merged.byte_start, t.byte_start);
    merged.byte_end = Math.max(merged.byte_end, t.byte_end);
    merged.chunk_start = Math.min(merged.chunk_start, t.chunk_start);
    merged.chunk_end = Math.max(merged.chunk_end, t.chunk_end);
  }
  return { merged, replaced: touching };
}

/** Chunk runs ordered by start, merged where they overlap or meet. */
export function mergeRuns(rows: ReadonlyArray<{ chunk_start: number; chunk_end: number }>): Array<{ start: number; end: number }> {
  const runs: Array<{ start: number; end: number }> = [];
  for (const r of rows) {
    const last = runs.at(-1);
    if (last && r.chunk_start <= last.end) last.end = Math.max(last.end, r.chunk_end);
    else runs.push({ start: r.chunk_start, end: r.chunk_end });
  }
  return runs;
}

/** The visibility queries of `hub serve`, over the metadata database. */
export interface ChunkVisibility {
  /** Whether repository `repoId` serves every byte of [start, end) of `xorb`. */
  serves(repoId: number, xorb: string, start: number, end: number): Promise<boolean>;
  /** The end of the last byte of `xorb` the repository serves (its view of the xorb), or 0 for none. */
  viewEnd(repoId: number, xorb: string): Promise<number>;
  /** The chunks of `xorb` `user` may name in a manifest (sorted, merged): 'all' when they uploaded it. */
  readableChunks(user: User, xorb: string): Promise<ChunkRuns>;
  /** Lets every repository holding `oid` serve `ranges` too (the store wrote a new manifest for it). */
  addRangesToHolders(oid: string, ranges: readonly ServedRange[]): Promise<void>;
  /** Records that `user` uploaded every byte of `xorb` (verified against its hash). */
  recordUpload(userId: number, xorb: string): Promise<void>;
  /** Objects held before version 2 whose ranges are still to be recorded (at most `limit`). */
  backfillQueue(limit: number): Promise<Array<{ repoId: number; oid: string }>>;
  /** Records the ranges of a queued object and takes it off the queue. */
  completeBackfill(repoId: number, oid: string, ranges: readonly ServedRange[]): Promise<void>;
}

/** ChunkVisibility on a better-sqlite3 database that has VISIBILITY_SCHEMA. */
export class SqliteChunkVisibility implements ChunkVisibility {
  constructor(private readonly db: Database.Database, private readonly now: () => number) {}

  async serves(repoId: number, xorb: string, start: number, end: number): Promise<boolean> {
    const row = this.db
      .prepare<[number, string, number], { byte_end: number }>('SELECT byte_end FROM served_ranges WHERE repo_id = ? AND xorb = ? AND byte_start <= ? ORDER BY byte_start DESC LIMIT 1')
      .get(repoId, xorb, start);
    return row !== undefined && end <= row.byte_end;
  }

  async viewEnd(repoId: number, xorb: string): Promise<number> {
    const row = this.db.prepare<[number, string], { byte_end: number }>('SELECT byte_end FROM served_ranges WHERE repo_id = ? AND xorb = ? ORDER BY byte_start DESC LIMIT 1').get(repoId, xorb);
    return row?.byte_end ?? 0;
  }

  async readableChunks(user: User, xorb: string): Promise<ChunkRuns> {
    if (this.db.prepare('SELECT 1 FROM xorb_uploads WHERE user_id = ? AND xorb = ?').get(user.id, xorb)) return 'all';
    // the repositories `user` may read: access.ts's rule (public, owned, member, or any for an admin)
    const rows = this.db
      .prepare<{ xorb: string; user: number; admin: number }, { chunk_start: number; chunk_end: number }>(
        `SELECT DISTINCT s.chunk_start, s.chunk_end FROM served_ranges s JOIN repos r ON r.id = s.repo_id
         WHERE s.xorb = @xorb AND (@admin = 1 OR r.private = 0 OR r.owner_id = @user
           OR EXISTS (SELECT 1 FROM members m WHERE m.repo_id = r.id AND m.user_id = @user))
         ORDER BY s.chunk_start`,
      )
      .all({ xorb, user: user.id, admin: user.admin ? 1 : 0 });
    return mergeRuns(rows);
  }

  async recordUpload(userId: number, xorb: string): Promise<void> {
    this.db.prepare('INSERT INTO xorb_uploads (user_id, xorb, uploaded_at) VALUES (?, ?, ?) ON CONFLICT (user_id, xorb) DO NOTHING').run(userId, xorb, this.now());
  }

  async backfillQueue(limit: number): Promise<Array<{ repoId: number; oid: string }>> {
    return this.db.prepare<[number], { repoId: number; oid: string }>('SELECT repo_id AS repoId, oid FROM served_ranges_backfill ORDER BY repo_id, oid LIMIT ?').all(limit);
  }

  async completeBackfill(repoId: number, oid: string, ranges: readonly ServedRange[]): Promise<void> {
    this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM repos WHERE id = ?').get(repoId)) return;
      this.addRanges(repoId, ranges);
      this.db.prepare('DELETE FROM served_ranges_backfill WHERE repo_id = ? AND oid = ?').run(repoId, oid);
    }).immediate();
  }

  /** Merges `ranges` into the repository's rows; call inside a write transaction. */
  addRanges(repoId: number, ranges: readonly ServedRange[]): void {
    const before = this.db.prepare<[number, string, number], RangeRow>(
      'SELECT byte_start, byte_end, chunk_start, chunk_end FROM served_ranges WHERE repo_id = ? AND xorb = ? AND byte_start <= ? ORDER BY byte_start DESC LIMIT 1',
    );
    const within = this.db.prepare<[number, string, number, number], RangeRow>(
      'SELECT byte_start, byte_end, chunk_start, chunk_end FROM served_ranges WHERE repo_id = ? AND xorb = ? AND byte_start > ? AND byte_start <= ?',
    );
    const remove = this.db.prepare('DELETE FROM served_ranges WHERE repo_id = ? AND xorb = ? AND byte_start = ?');
    const insert = this.db.prepare('INSERT INTO served_ranges (repo_id, xorb, byte_start, byte_end, chunk_start, chunk_end) VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of ranges) {
      // rows that overlap or touch [start, end): the one starting at or before it, and those starting inside it
      const prev = before.get(repoId, r.xorb, r.start);
      const change = mergeRange(r, [...(prev && prev.byte_end >= r.start ? [prev] : []), ...within.all(repoId, r.xorb, r.start, r.end)]);
      if (!change) continue;
      for (const t of change.replaced) remove.run(repoId, r.xorb, t.byte_start);
      const m = change.merged;
      insert.run(repoId, r.xorb, m.byte_start, m.byte_end, m.chunk_start, m.chunk_end);
    }
  }

  async addRangesToHolders(oid: string, ranges: readonly ServedRange[]): Promise<void> {
    this.db.transaction(() => {
      for (const { repo_id } of this.db.prepare<[string], { repo_id: number }>('SELECT repo_id FROM objects WHERE oid = ?').all(oid)) this.addRanges(repo_id, ranges);
    }).immediate();
  }
}
