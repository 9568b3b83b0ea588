// Opening a SQLite file that another process is writing in its rollback journal: the switch to
// WAL is refused at once (SQLite runs no busy handler for it), so four servers starting on one
// fresh root could fail with "database is locked" (CI). The other process here is a real one.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, ExitCode } from '../../../src/errors.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import { ChunkIndex } from '../../../src/store/chunk-index.js';
import { useWalJournal } from '../../../src/store/sqlite-wal.js';
import { repoRoot } from '../../helpers/paths.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const holders: ChildProcess[] = [];
afterEach(() => {
  for (const h of holders.splice(0)) h.kill();
});

/** A process that creates `path` in rollback mode and holds its write lock for `ms`; resolves once it holds it. */
function holdWriteLock(path: string, ms: number): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.exec('CREATE TABLE IF NOT EXISTS other (x)');
    db.exec('BEGIN IMMEDIATE');
    db.exec('INSERT INTO other VALUES (1)');
    process.stdout.write('held\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  holders.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('held') && resolve(child));
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
}

const journalMode = (path: string): string => {
  const db = new Database(path, { readonly: true });
  try {
    return String(db.pragma('journal_mode', { simple: true }));
  } finally {
    db.close();
  }
};

describe('switching a shared SQLite file to WAL while another process writes it', () => {
  it('is refused at once by SQLite itself, busy timeout or not (why useWalJournal exists)', async () => {
    const path = join(tmpDir('hub-wal-'), 'db.sqlite');
    await holdWriteLock(path, 10_000);
    const db = new Database(path, { timeout: 5_000 });
    try {
      expect(() => db.pragma('journal_mode = WAL')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    } finally {
      db.close();
    }
  });

  it('waits for the writer: the metadata store opens in WAL mode', async () => {
    const path = join(tmpDir('hub-wal-'), 'meta.sqlite');
    const holder = await holdWriteLock(path, 400);
    const meta = SqliteMetadata.open(path);
    try {
      expect(holder.exitCode ?? (await new Promise((r) => holder.once('exit', r)))).toBe(0);
      expect(journalMode(path)).toBe('wal');
      expect(await meta.createFirstAdminToken('first start')).toMatch(/\S/);
    } finally {
      await meta.close();
    }
  });

  it('waits for the writer: the chunk index opens in WAL mode', async () => {
    const path = join(tmpDir('hub-wal-'), 'index.sqlite');
    await holdWriteLock(path, 400);
    const index = new ChunkIndex(path);
    try {
      expect(journalMode(path)).toBe('wal');
      expect(index.hasXorb('ab'.repeat(32))).toBe(false);
    } finally {
      index.close();
    }
  });

  it('gives up after its wait with a conflict naming the file, and leaves the database as it was', async () => {
    const path = join(tmpDir('hub-wal-'), 'db.sqlite');
    await holdWriteLock(path, 10_000);
    const db = new Database(path, { timeout: 5_000 });
    try {
      let caught: unknown;
      try {
        useWalJournal(db, path, 150);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConflictError);
      expect(caught).toMatchObject({ code: 'store_busy', exitCode: ExitCode.conflict });
      expect((caught as Error).message).toContain(path);
      expect(String(db.pragma('journal_mode', { simple: true }))).toBe('delete');
    } finally {
      db.close();
    }
  });
});
