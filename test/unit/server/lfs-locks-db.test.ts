import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

async function setup(now = () => 1_700_000_000_000) {
  const path = join(tmpDir(), 'meta.sqlite');
  const meta = SqliteMetadata.open(path, { now });
  const alice = await meta.ensureUser('alice');
  const bob = await meta.ensureUser('bob');
  const repo = await meta.createRepo({ type: 'model', owner: 'alice', name: 'm', private: false });
  const other = await meta.createRepo({ type: 'model', owner: 'alice', name: 'n', private: false });
  return { path, meta, alice, bob, repo, other };
}

describe('SqliteLfsLocks', () => {
  it('locks a path once: a second create returns the holder, another repository is independent', async () => {
    const { meta, alice, bob, repo, other } = await setup();
    const first = await meta.locks.create(repo.id, 'w/model.bin', alice);
    expect(first).toEqual({ created: true, lock: { id: expect.any(String), path: 'w/model.bin', ownerId: alice.id, owner: 'alice', lockedAt: 1_700_000_000_000 } });
    const again = await meta.locks.create(repo.id, 'w/model.bin', bob);
    expect(again).toEqual({ created: false, lock: first.lock });
    expect((await meta.locks.create(repo.id, 'w/model.bin', alice)).created).toBe(false); // the holder too
    expect((await meta.locks.create(other.id, 'w/model.bin', bob)).created).toBe(true);
    // paths are exact: another case is another file
    expect((await meta.locks.create(repo.id, 'W/model.bin', bob)).created).toBe(true);
  });

  it('lists by path order in pages, filters by path and id, and removes only within its repository', async () => {
    const { meta, alice, bob, repo, other } = await setup();
    const paths = ['c', 'a', 'e', 'b', 'd'];
    const ids = new Map<string, string>();
    for (const [i, p] of paths.entries()) ids.set(p, (await meta.locks.create(repo.id, p, i % 2 ? bob : alice)).lock.id);
    const first = await meta.locks.list(repo.id, { limit: 2 });
    expect(first.locks.map((l) => l.path)).toEqual(['a', 'b']);
    expect(first.next).toBe('c');
    const second = await meta.locks.list(repo.id, { limit: 2, from: first.next });
    expect(second.locks.map((l) => l.path)).toEqual(['c', 'd']);
    const last = await meta.locks.list(repo.id, { limit: 2, from: second.next });
    expect(last).toEqual({ locks: [expect.objectContaining({ path: 'e' })] });
    expect((await meta.locks.list(repo.id, { limit: 100, path: 'd' })).locks.map((l) => l.id)).toEqual([ids.get('d')]);
    expect((await meta.locks.list(repo.id, { limit: 100, id: ids.get('b') })).locks.map((l) => l.path)).toEqual(['b']);
    expect((await meta.locks.list(other.id, { limit: 100 })).locks).toEqual([]);
    expect(await meta.locks.remove(other.id, ids.get('a')!)).toBe(false); // not that repository's lock
    expect((await meta.locks.get(repo.id, ids.get('a')!))?.path).toBe('a');
    expect(await meta.locks.remove(repo.id, ids.get('a')!)).toBe(true);
    expect(await meta.locks.remove(repo.id, ids.get('a')!)).toBe(false);
    expect(await meta.locks.get(repo.id, ids.get('a')!)).toBeUndefined();
    expect((await meta.locks.create(repo.id, 'a', bob)).created).toBe(true); // free again
  });

  it('a deleted repository takes its locks with it', async () => {
    const { meta, alice, repo } = await setup();
    const { lock } = await meta.locks.create(repo.id, 'x', alice);
    await meta.deleteRepo(repo.id);
    expect(await meta.locks.get(repo.id, lock.id)).toBeUndefined();
  });

  it('upgrades a schema-2 database (no locks table) to 3, keeping its data', async () => {
    const { path, meta, repo } = await setup();
    await meta.close();
    const db = new Database(path);
    db.exec('DROP TABLE lfs_locks');
    db.pragma('user_version = 2');
    db.close();
    const reopened = SqliteMetadata.open(path);
    expect((await reopened.getRepo('model', 'alice', 'm'))?.id).toBe(repo.id);
    expect((await reopened.locks.create(repo.id, 'x', (await reopened.getUser('bob'))!)).created).toBe(true);
    await reopened.close();
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(5); // and on to the current schema
    check.close();
  });
});
