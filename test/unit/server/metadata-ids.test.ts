// Token and repository ids are never reused (schema 4): a Xet CAS token names its hub token and
// repository by id, an upload grant its repository, so a reused id would let what was issued for
// a revoked token or a deleted repository speak for the next one. A schema-3 database (plain
// INTEGER PRIMARY KEY) is rebuilt in place, its rows and references kept.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/hash/sha256.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const oid = sha256Hex(Buffer.from('object'));

/** Revokes the newest token and deletes the newest repository, then makes one of each: their ids must be new. */
async function expectNoReuse(meta: SqliteMetadata): Promise<void> {
  const last = await meta.createToken('alice', { write: true });
  await meta.revokeToken(last.id);
  const next = await meta.createToken('alice', { write: true });
  expect(next.id).toBeGreaterThan(last.id);
  const repo = await meta.createRepo({ type: 'model', owner: 'alice', name: 'gone', private: true });
  await meta.deleteRepo(repo.id);
  const again = await meta.createRepo({ type: 'model', owner: 'alice', name: 'gone', private: true });
  expect(again.id).toBeGreaterThan(repo.id);
}

/** The database at `path` back to schema 3's tables (the same columns, ids a plain INTEGER PRIMARY KEY), open with foreign keys off. */
function toSchema3(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('foreign_keys = OFF');
  db.exec(`
    CREATE TABLE t3 (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, write INTEGER NOT NULL, label TEXT, created_at INTEGER NOT NULL);
    INSERT INTO t3 SELECT * FROM tokens; DROP TABLE tokens; ALTER TABLE t3 RENAME TO tokens;
    CREATE TABLE r3 (id INTEGER PRIMARY KEY, type TEXT NOT NULL CHECK (type IN ('model', 'dataset')), owner_id INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL COLLATE NOCASE, private INTEGER NOT NULL, created_at INTEGER NOT NULL, UNIQUE (type, owner_id, name));
    INSERT INTO r3 SELECT * FROM repos; DROP TABLE repos; ALTER TABLE r3 RENAME TO repos;`);
  return db;
}

describe('metadata ids', () => {
  it('a new database never hands a revoked token id or a deleted repository id to a new one', async () => {
    const meta = SqliteMetadata.open(join(tmpDir(), 'meta.sqlite'));
    await meta.ensureUser('alice');
    await expectNoReuse(meta);
    await meta.close();
  });

  it('rebuilds a schema-3 database with ids that are not reused, keeping tokens, repositories, members, objects and locks', async () => {
    const path = join(tmpDir(), 'meta.sqlite');
    const meta = SqliteMetadata.open(path);
    await meta.ensureUser('alice');
    await meta.ensureUser('bob');
    const token = await meta.createToken('bob', { write: false, label: 'kept' });
    const repo = await meta.createRepo({ type: 'model', owner: 'alice', name: 'm', private: true });
    await meta.addMember(repo.id, 'bob', false);
    await meta.addObject(repo.id, oid, 5);
    await meta.locks.create(repo.id, 'w.bin', (await meta.getUser('alice'))!);
    await meta.close();
    const db = toSchema3(path);
    db.pragma('user_version = 3');
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'tokens'").pluck().get()).not.toMatch(/AUTOINCREMENT/);
    db.close();

    const upgraded = SqliteMetadata.open(path);
    expect(await upgraded.resolveToken(token.token)).toMatchObject({ user: { name: 'bob' }, write: false, tokenId: token.id });
    const kept = (await upgraded.getRepo('model', 'alice', 'm'))!;
    expect(kept.id).toBe(repo.id);
    expect(await upgraded.membership(repo.id, (await upgraded.getUser('bob'))!.id)).toEqual({ write: false });
    expect(await upgraded.listObjects(repo.id)).toHaveLength(1);
    expect((await upgraded.locks.list(repo.id, { limit: 10 })).locks.map((l) => l.path)).toEqual(['w.bin']);
    await expectNoReuse(upgraded);
    // the references follow the new tables: deleting the repository still takes its rows along
    await upgraded.deleteRepo(repo.id);
    expect(await upgraded.listObjects(repo.id)).toEqual([]);
    expect((await upgraded.locks.list(repo.id, { limit: 10 })).locks).toEqual([]);
    await upgraded.close();
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(5);
    expect(check.pragma('foreign_key_check')).toEqual([]);
    expect(check.prepare("SELECT sql FROM sqlite_master WHERE name = 'repos'").pluck().get()).toMatch(/AUTOINCREMENT/);
    check.close();
  });

  it('refuses to upgrade a schema-3 database whose rows name what is gone (corrupt_metadata, exit 5) and leaves it as it was', async () => {
    const path = join(tmpDir(), 'meta.sqlite');
    const meta = SqliteMetadata.open(path);
    await meta.ensureUser('alice');
    await meta.createRepo({ type: 'model', owner: 'alice', name: 'm', private: false });
    await meta.close();
    const db = toSchema3(path);
    db.exec(`INSERT INTO objects (repo_id, oid, size) VALUES (99, '${oid}', 1);`);
    db.pragma('user_version = 3');
    db.close();
    let err: { code?: string; exitCode?: number; message?: string } | undefined;
    try {
      SqliteMetadata.open(path);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err).toMatchObject({ code: 'corrupt_metadata', exitCode: 5 });
    expect(err!.message).toMatch(/^metadata database .* has 1 row whose references are gone; not upgraded$/);
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(3);
    expect(check.prepare("SELECT sql FROM sqlite_master WHERE name = 'tokens'").pluck().get()).not.toMatch(/AUTOINCREMENT/);
    check.close();
  });
});
