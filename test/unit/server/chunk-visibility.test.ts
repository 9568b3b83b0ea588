import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/hash/sha256.js';
import { coversChunks } from '../../../src/server/chunk-visibility.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import type { ServedRange } from '../../../src/store/chunk-api.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const X = 'a'.repeat(64);
const Y = 'b'.repeat(64);
const oid = (n: number) => sha256Hex(Buffer.from(`object ${n}`));

/** Chunk i of a xorb whose record i spans bytes [100 i, 100 (i + 1)). */
const run = (xorb: string, chunkStart: number, chunkEnd: number): ServedRange => ({ xorb, chunkStart, chunkEnd, start: chunkStart * 100, end: chunkEnd * 100 });

function open(dir = tmpDir()) {
  const path = join(dir, 'meta.sqlite');
  return { meta: SqliteMetadata.open(path), path };
}

describe('served ranges of a repository', () => {
  it('serves exactly the byte ranges of the chunk runs it was given, merged, and nothing of another repository', async () => {
    const { meta } = open();
    await meta.ensureUser('alice');
    const a = await meta.createRepo({ type: 'model', owner: 'alice', name: 'a', private: false });
    const b = await meta.createRepo({ type: 'model', owner: 'alice', name: 'b', private: false });
    await meta.addObject(a.id, oid(1), 10, [run(X, 0, 3), run(X, 5, 6)]);
    await meta.addObject(a.id, oid(2), 10, [run(X, 3, 4), run(Y, 2, 4)]); // touches [0, 3): merged
    await meta.addObject(b.id, oid(3), 10, [run(X, 10, 12)]);
    const v = meta.visibility;
    expect(await v.serves(a.id, X, 0, 400)).toBe(true);
    expect(await v.serves(a.id, X, 150, 320)).toBe(true);
    expect(await v.serves(a.id, X, 350, 450)).toBe(false); // chunk 4 is in no manifest of a
    expect(await v.serves(a.id, X, 400, 500)).toBe(false);
    expect(await v.serves(a.id, X, 500, 600)).toBe(true);
    expect(await v.serves(a.id, X, 500, 601)).toBe(false);
    expect(await v.serves(a.id, X, 1000, 1100)).toBe(false); // b's
    expect(await v.serves(b.id, X, 1000, 1200)).toBe(true);
    expect(await v.serves(b.id, X, 0, 100)).toBe(false);
    expect(await v.serves(a.id, Y, 200, 400)).toBe(true);
    expect([await v.viewEnd(a.id, X), await v.viewEnd(a.id, Y), await v.viewEnd(b.id, X), await v.viewEnd(b.id, Y)]).toEqual([600, 400, 1200, 0]);
    // filling the gap joins the runs into one
    await meta.addObject(b.id, oid(4), 10, [run(X, 4, 5)]);
    expect(await v.serves(a.id, X, 0, 600)).toBe(false);
    await meta.addObject(a.id, oid(4), 10, [run(X, 4, 5)]);
    expect(await v.serves(a.id, X, 0, 600)).toBe(true);
    await meta.close();
  });

  it('agrees with a per-chunk model on random runs (merging never serves a byte no run covered)', async () => {
    const rand = seededRandom(testSeed('served ranges'));
    const { meta } = open();
    await meta.ensureUser('alice');
    const repo = await meta.createRepo({ type: 'model', owner: 'alice', name: 'r', private: false });
    const covered = new Array<boolean>(64).fill(false);
    for (let i = 0; i < 40; i++) {
      const start = Math.floor(rand() * 63);
      const end = start + 1 + Math.floor(rand() * Math.min(6, 64 - start - 1));
      await meta.addObject(repo.id, oid(100 + i), 1, [run(X, start, end)]);
      for (let c = start; c < end; c++) covered[c] = true;
      for (let c = 0; c < 64; c++) expect(await meta.visibility.serves(repo.id, X, c * 100, c * 100 + 100), `chunk ${c} after ${i + 1} runs`).toBe(covered[c]);
    }
    expect(await meta.visibility.viewEnd(repo.id, X)).toBe((covered.lastIndexOf(true) + 1) * 100);
    await meta.close();
  });

  it('lets every holder of an object serve a rewritten manifest\'s ranges', async () => {
    const { meta } = open();
    await meta.ensureUser('alice');
    const a = await meta.createRepo({ type: 'model', owner: 'alice', name: 'a', private: true });
    const b = await meta.createRepo({ type: 'model', owner: 'alice', name: 'b', private: true });
    await meta.addObject(a.id, oid(1), 10, [run(X, 0, 2)]);
    await meta.visibility.addRangesToHolders(oid(1), [run(Y, 0, 2)]);
    expect(await meta.visibility.serves(a.id, Y, 0, 200)).toBe(true);
    expect(await meta.visibility.serves(b.id, Y, 0, 200)).toBe(false);
    await meta.close();
  });
});

describe('chunks a user may name', () => {
  it('are those of public repositories, of repositories they own or are a member of (any for an admin), and every chunk of a xorb they uploaded', async () => {
    const { meta } = open();
    for (const u of ['alice', 'bob', 'carol']) await meta.ensureUser(u);
    const root = await meta.ensureUser('root', { admin: true });
    const pub = await meta.createRepo({ type: 'model', owner: 'alice', name: 'pub', private: false });
    const priv = await meta.createRepo({ type: 'model', owner: 'alice', name: 'priv', private: true });
    await meta.addObject(pub.id, oid(1), 1, [run(X, 0, 2)]);
    await meta.addObject(priv.id, oid(2), 1, [run(X, 2, 5), run(X, 7, 8)]);
    await meta.addMember(priv.id, 'carol', false);
    const v = meta.visibility;
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(async (n) => (await meta.getUser(n))!));
    expect(await v.readableChunks(bob, X)).toEqual([{ start: 0, end: 2 }]);
    expect(await v.readableChunks(alice, X)).toEqual([{ start: 0, end: 5 }, { start: 7, end: 8 }]);
    expect(await v.readableChunks(carol, X)).toEqual([{ start: 0, end: 5 }, { start: 7, end: 8 }]);
    expect(await v.readableChunks(root, X)).toEqual([{ start: 0, end: 5 }, { start: 7, end: 8 }]);
    expect(await v.readableChunks(bob, Y)).toEqual([]);
    expect(coversChunks(await v.readableChunks(bob, X), 1, 3)).toBe(false);
    expect(coversChunks(await v.readableChunks(alice, X), 1, 5)).toBe(true);
    expect(coversChunks(await v.readableChunks(alice, X), 4, 8)).toBe(false);
    await v.recordUpload(bob.id, X);
    await v.recordUpload(bob.id, X); // idempotent
    expect(await v.readableChunks(bob, X)).toBe('all');
    expect(coversChunks('all', 0, 8192)).toBe(true);
    expect(await v.readableChunks(carol, Y)).toEqual([]);
    await meta.close();
  });
});

describe('upgrading a schema-1 metadata database', () => {
  it('queues every object held before the upgrade for its served ranges, once', async () => {
    const dir = tmpDir();
    const first = open(dir);
    await first.meta.ensureUser('alice');
    const repo = await first.meta.createRepo({ type: 'model', owner: 'alice', name: 'm', private: true });
    await first.meta.addObject(repo.id, oid(1), 1);
    await first.meta.addObject(repo.id, oid(2), 2);
    await first.meta.close();
    const db = new Database(first.path);
    for (const table of ['served_ranges', 'xorb_uploads', 'served_ranges_backfill']) db.exec(`DROP TABLE ${table}`);
    db.pragma('user_version = 1');
    db.close();

    const { meta } = open(dir);
    expect(await meta.visibility.backfillQueue(10)).toEqual([
      { repoId: repo.id, oid: oid(1) },
      { repoId: repo.id, oid: oid(2) },
    ].sort((a, b) => a.oid.localeCompare(b.oid)));
    await meta.visibility.completeBackfill(repo.id, oid(1), [run(X, 0, 1)]);
    expect(await meta.visibility.serves(repo.id, X, 0, 100)).toBe(true);
    expect(await meta.visibility.backfillQueue(10)).toEqual([{ repoId: repo.id, oid: oid(2) }]);
    // objects added after the upgrade carry their ranges and are never queued
    await meta.addObject(repo.id, oid(3), 3, [run(Y, 0, 1)]);
    expect(await meta.visibility.backfillQueue(10)).toHaveLength(1);
    await meta.close();
    const again = open(dir).meta;
    expect(await again.visibility.backfillQueue(10)).toHaveLength(1);
    await again.close();
  });
});
