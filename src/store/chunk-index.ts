/**
 * The chunk index: chunk hash -> (xorb, chunk number, byte offset of its record, length), plus
 * the list of xorbs and the registry of repositories that use the store. SQLite (WAL) keeps it
 * on disk with B-tree lookups, so a 1 TB store (16 M chunks) never has to fit in JS objects.
 *
 * The index is a cache of what the xorb files say: a row is added only after its xorb file is
 * durable, so a crash can leave a xorb without rows (harmless: its chunks are written again),
 * never a row without a xorb.
 *
 * The schema is versioned (SQLite's `PRAGMA user_version`): opening an older index migrates it
 * in one transaction, step by step (MIGRATIONS); an index from a newer hub is refused with one
 * line rather than read wrongly.
 */
import Database from 'better-sqlite3';
import { ExitCode, HubError } from '../errors.js';
import { fromXetHex, xetHex } from '../hash/xet-hex.js';
import { useWalJournal } from './sqlite-wal.js';

/** Where a chunk is stored. */
export interface ChunkLocation {
  xorb: string;
  index: number;
  offset: number;
  length: number;
}

/** One chunk of a xorb as recorded by `addXorb`. */
export interface IndexedChunk {
  hash: Uint8Array;
  index: number;
  offset: number;
  length: number;
}

/** The schema version this code reads and writes. */
export const CHUNK_INDEX_VERSION = 2;

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS xorbs (
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  bytes INTEGER NOT NULL,
  chunks INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  hash BLOB PRIMARY KEY,
  xorb INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_by_xorb ON chunks(xorb);
CREATE TABLE IF NOT EXISTS repos (
  path TEXT PRIMARY KEY,
  added INTEGER NOT NULL
);
`;

/**
 * Version 2: what a Xet download learned of a remote's xorbs (xorb hash, chunk number -> chunk
 * hash and length), so a later download knows which of a reconstruction's chunks the store
 * already has although it packed them into xorbs of its own (a Xet reconstruction names xorb
 * chunk ranges, not chunk hashes). A row is written only after the file it came from verified.
 */
const SCHEMA_V2 = `
CREATE TABLE IF NOT EXISTS xorb_chunks (
  xorb BLOB NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  length INTEGER NOT NULL,
  PRIMARY KEY (xorb, idx)
) WITHOUT ROWID;
`;

/**
 * MIGRATIONS[v] takes an index from version v to v + 1 (inside the caller's transaction). Version
 * 0 is a new file or an index written before versioning, which already holds the v1 tables
 * (`IF NOT EXISTS` keeps them and their rows).
 */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [(db) => db.exec(SCHEMA_V1), (db) => db.exec(SCHEMA_V2)];

/** One chunk of a xorb by number: its hash and length. */
export interface XorbChunk {
  index: number;
  hash: Uint8Array;
  length: number;
}

/** The chunk index of one store. Open it once per process and close it when done. */
export class ChunkIndex {
  private readonly db: Database.Database;
  private readonly lookupStmt: Database.Statement<[Buffer], { xorb: Buffer; idx: number; offset: number; length: number }>;
  /** The last xorb name `lookup` made (xorbName). */
  private lastXorb: { blob: Buffer; hex: string } | undefined;
  private readonly addXorbTx: Database.Transaction<(xorb: string, bytes: number, chunks: readonly IndexedChunk[]) => void>;
  private readonly ownChunksStmt: Database.Statement<[Buffer, number, number], { idx: number; hash: Buffer; length: number }>;
  private readonly learnedStmt: Database.Statement<[Buffer, number, number], { idx: number; hash: Buffer; length: number }>;
  private xorbChunksStmt: Database.Statement<[Buffer], { chunks: number }> | undefined;
  private readonly learnTx: Database.Transaction<(entries: Iterable<{ xorb: string; chunks: readonly XorbChunk[] }>) => void>;

  constructor(path: string) {
    // the busy timeout must be in force before the first statement: switching to WAL and
    // creating the schema take locks that a concurrent hub process may hold for a moment
    this.db = new Database(path, { timeout: 60_000 });
    const version = schemaVersion(this.db);
    if (version > CHUNK_INDEX_VERSION) {
      this.db.close();
      throw new HubError('store_too_new', `the chunk index ${path} has schema version ${version}, newer than this hub reads (${CHUNK_INDEX_VERSION})`, ExitCode.error, {
        hint: 'upgrade hub, or give this hub a store of its own with HUB_HOME',
        data: { path, version, supported: CHUNK_INDEX_VERSION },
      });
    }
    useWalJournal(this.db, path);
    // NORMAL is enough: losing the last transactions on power loss only drops index rows,
    // and every row is a cache of a durable xorb file.
    this.db.pragma('synchronous = NORMAL');
    // Write transactions start IMMEDIATE: a deferred one that reads first and then writes can
    // fail with SQLITE_BUSY at once (no busy wait) when another process wrote in between.
    if (version < CHUNK_INDEX_VERSION) {
      this.db
        .transaction(() => {
          // another process may have migrated it since the version was read
          for (let v = schemaVersion(this.db); v < CHUNK_INDEX_VERSION; v++) MIGRATIONS[v](this.db);
          this.db.pragma(`user_version = ${CHUNK_INDEX_VERSION}`);
        })
        .immediate();
    }
    this.lookupStmt = this.db.prepare(
      'SELECT x.hash AS xorb, c.idx AS idx, c.offset AS offset, c.length AS length FROM chunks c JOIN xorbs x ON x.id = c.xorb WHERE c.hash = ?',
    );
    const insertXorb = this.db.prepare('INSERT INTO xorbs (hash, bytes, chunks) VALUES (?, ?, ?) ON CONFLICT(hash) DO NOTHING');
    const xorbId = this.db.prepare<[Buffer], { id: number }>('SELECT id FROM xorbs WHERE hash = ?');
    const insertChunk = this.db.prepare('INSERT OR IGNORE INTO chunks (hash, xorb, idx, offset, length) VALUES (?, ?, ?, ?, ?)');
    this.addXorbTx = this.db.transaction((xorb: string, bytes: number, chunks: readonly IndexedChunk[]) => {
      const key = Buffer.from(fromXetHex(xorb));
      insertXorb.run(key, bytes, chunks.length);
      const id = xorbId.get(key)!.id;
      for (const c of chunks) insertChunk.run(Buffer.from(c.hash), id, c.index, c.offset, c.length);
    });
    this.ownChunksStmt = this.db.prepare('SELECT c.idx AS idx, c.hash AS hash, c.length AS length FROM chunks c JOIN xorbs x ON x.id = c.xorb WHERE x.hash = ? AND c.idx >= ? AND c.idx < ? ORDER BY c.idx');
    this.learnedStmt = this.db.prepare('SELECT idx, hash, length FROM xorb_chunks WHERE xorb = ? AND idx >= ? AND idx < ? ORDER BY idx');
    const learn = this.db.prepare('INSERT OR IGNORE INTO xorb_chunks (xorb, idx, hash, length) VALUES (?, ?, ?, ?)');
    this.learnTx = this.db.transaction((entries: Iterable<{ xorb: string; chunks: readonly XorbChunk[] }>) => {
      for (const e of entries) {
        const key = Buffer.from(fromXetHex(e.xorb));
        for (const c of e.chunks) learn.run(key, c.index, Buffer.from(c.hash), c.length);
      }
    });
  }

  /**
   * The hashes and lengths of chunks [start, end) of xorb `xorb`, or undefined when any is
   * unknown: from the store's own xorb of that name (a xorb this store wrote has the same name
   * and chunk order wherever it was uploaded), else from what Xet downloads learned.
   */
  xorbChunks(xorb: string, start: number, end: number): XorbChunk[] | undefined {
    const key = Buffer.from(fromXetHex(xorb));
    for (const stmt of [this.ownChunksStmt, this.learnedStmt]) {
      const rows = stmt.all(key, start, end);
      if (rows.length === end - start) return rows.map((r) => ({ index: r.idx, hash: new Uint8Array(r.hash), length: r.length }));
    }
    return undefined;
  }

  /** Records chunks of remote xorbs (see SCHEMA_V2); known ones keep their row. */
  learnXorbChunks(entries: Iterable<{ xorb: string; chunks: readonly XorbChunk[] }>): void {
    this.learnTx.immediate(entries);
  }

  /** Where the chunk with this hash is, if the store has it. */
  lookup(hash: Uint8Array): ChunkLocation | undefined {
    const row = this.lookupStmt.get(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength));
    return row && { xorb: this.xorbName(row.xorb), index: row.idx, offset: row.offset, length: row.length };
  }

  /**
   * The hex name of a xorb column, one string for a run of rows of the same xorb. Neighbouring
   * chunks of a file mostly share a xorb; a string per row made the locations a pull keeps for
   * its local chunks grow by ~80 bytes per chunk (13 MiB for a 10 GiB model).
   */
  private xorbName(blob: Buffer): string {
    const last = this.lastXorb;
    if (last && last.blob.equals(blob)) return last.hex;
    const hex = xetHex(blob);
    this.lastXorb = { blob, hex };
    return hex;
  }

  /**
   * Runs `fn` (lookups only) inside one read transaction: SQLite then takes its file locks once
   * instead of once per lookup, which is most of a lookup's cost.
   */
  readBatch<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Records a durable xorb and its chunks (chunks already indexed elsewhere keep their row). */
  addXorb(xorb: string, bytes: number, chunks: readonly IndexedChunk[]): void {
    this.addXorbTx.immediate(xorb, bytes, chunks);
  }

  /** True when the index lists xorb `xorb`. */
  hasXorb(xorb: string): boolean {
    return this.db.prepare('SELECT 1 FROM xorbs WHERE hash = ?').get(Buffer.from(fromXetHex(xorb))) !== undefined;
  }

  /** The number of chunks of xorb `xorb`, if the index lists it. */
  xorbChunkCount(xorb: string): number | undefined {
    // asked once per xorb of a push's question: one statement for all of them
    this.xorbChunksStmt ??= this.db.prepare<[Buffer], { chunks: number }>('SELECT chunks FROM xorbs WHERE hash = ?');
    return this.xorbChunksStmt.get(Buffer.from(fromXetHex(xorb)))?.chunks;
  }

  /** Forgets a xorb and every chunk row that points into it. */
  removeXorb(xorb: string): void {
    const key = Buffer.from(fromXetHex(xorb));
    this.db.transaction(() => {
      const row = this.db.prepare<[Buffer], { id: number }>('SELECT id FROM xorbs WHERE hash = ?').get(key);
      if (!row) return;
      this.db.prepare('DELETE FROM chunks WHERE xorb = ?').run(row.id);
      this.db.prepare('DELETE FROM xorbs WHERE id = ?').run(row.id);
    }).immediate();
  }

  /** Every xorb the index knows, with its size and chunk count. */
  *xorbs(): IterableIterator<{ xorb: string; bytes: number; chunks: number }> {
    for (const row of this.db.prepare<[], { hash: Buffer; bytes: number; chunks: number }>('SELECT hash, bytes, chunks FROM xorbs').iterate()) {
      yield { xorb: xetHex(row.hash), bytes: row.bytes, chunks: row.chunks };
    }
  }

  /** The chunk rows that point into one xorb, in chunk order. */
  chunksOf(xorb: string): Array<{ hash: Uint8Array; index: number; offset: number; length: number }> {
    const rows = this.db
      .prepare<[Buffer], { hash: Buffer; idx: number; offset: number; length: number }>(
        'SELECT c.hash AS hash, c.idx AS idx, c.offset AS offset, c.length AS length FROM chunks c JOIN xorbs x ON x.id = c.xorb WHERE x.hash = ? ORDER BY c.idx',
      )
      .all(Buffer.from(fromXetHex(xorb)));
    return rows.map((r) => ({ hash: new Uint8Array(r.hash), index: r.idx, offset: r.offset, length: r.length }));
  }

  /** Total bytes of the indexed chunks. */
  chunkBytes(): number {
    return (this.db.prepare('SELECT coalesce(sum(length), 0) AS n FROM chunks').get() as { n: number }).n;
  }

  /** Number of chunk rows. */
  chunkCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
  }

  /** Registers a repository as a user of the store (gc keeps what it needs). */
  registerRepo(path: string): void {
    this.db.prepare('INSERT INTO repos (path, added) VALUES (?, ?) ON CONFLICT(path) DO NOTHING').run(path, Date.now());
  }

  /** Removes a repository from the registry. */
  unregisterRepo(path: string): void {
    this.db.prepare('DELETE FROM repos WHERE path = ?').run(path);
  }

  /** Paths of the registered repositories. */
  repos(): string[] {
    return this.db.prepare<[], { path: string }>('SELECT path FROM repos ORDER BY path').all().map((r) => r.path);
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}

/** The schema version of an open index (0 for a new file or one written before versioning). */
function schemaVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}
