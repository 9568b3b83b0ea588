/**
 * What only the PostgreSQL metadata has to get right (the contract itself is
 * metadata-contract.test.ts): its migrations, and the races between servers sharing one
 * database, played with two stores (two pools, as two servers have) on one database. Runs in the
 * PostgreSQL run only (test/vitest.postgres.config.ts).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { sha256Hex } from '../../../src/hash/sha256.js';
import { checkLfsObjects } from '../../../src/server/lfs-presence.js';
import { PgMetadata } from '../../../src/server/metadata-pg/pg-metadata.js';
import { PG_SCHEMA_VERSION } from '../../../src/server/metadata-pg/pg-schema.js';
import { openMetadata } from '../../../src/server/open-metadata.js';
import type { ServedRange } from '../../../src/store/chunk-api.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { freshDatabase, testPostgres } from '../../helpers/test-database.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Two stores on one new database, as two servers sharing it have. */
async function twoServers(): Promise<{ url: string; a: PgMetadata; b: PgMetadata; close: () => Promise<void> }> {
  const url = (await freshDatabase())!;
  const a = await PgMetadata.open(url);
  const b = await PgMetadata.open(url);
  return { url, a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

const oid = (n: number) => sha256Hex(Buffer.from(`object ${n}`));

describe.skipIf(testPostgres() === undefined)('PostgreSQL metadata', () => {
  it('migrates an empty database to the current schema once, and reopens it as it is', async () => {
    const url = (await freshDatabase())!;
    expect(await sql(url, "SELECT to_regclass('schema_version') AS t")).toEqual([{ t: null }]);
    // two servers starting at once: the advisory lock makes one migrate and the other find it done
    const [a, b] = await Promise.all([PgMetadata.open(url), PgMetadata.open(url)]);
    await Promise.all([a.close(), b.close()]);
    expect(await sql(url, 'SELECT version FROM schema_version')).toEqual([{ version: PG_SCHEMA_VERSION }]);
    const tables = (await sql<{ t: string }>(url, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((r) => r.t);
    expect(tables).toEqual(['lfs_locks', 'members', 'objects', 'registering', 'repos', 'schema_version', 'served_ranges', 'served_ranges_backfill', 'tokens', 'users', 'xorb_uploads']);
    const meta = await PgMetadata.open(url);
    try {
      await meta.ensureUser('alice');
      expect((await meta.createRepo({ type: 'model', owner: 'alice', name: 'm', private: false })).name).toBe('m');
    } finally {
      await meta.close();
    }
    const again = await PgMetadata.open(url);
    expect(await again.getRepo('model', 'ALICE', 'M')).toMatchObject({ owner: 'alice', name: 'm' });
    await again.close();
  });

  it('refuses a database a newer hub wrote, with one line, and changes nothing', async () => {
    const url = (await freshDatabase())!;
    await (await PgMetadata.open(url)).close();
    await sql(url, 'UPDATE schema_version SET version = $1', [PG_SCHEMA_VERSION + 1]);
    const err = await PgMetadata.open(url).then(
      () => undefined,
      (e: unknown) => e as { code: string; exitCode: number; message: string; hint?: string },
    );
    expect(err).toMatchObject({ code: 'metadata_too_new', exitCode: ExitCode.error, hint: 'upgrade hub' });
    expect(err!.message).toBe(`metadata database ${url} has schema version ${PG_SCHEMA_VERSION + 1}; this hub knows up to ${PG_SCHEMA_VERSION}`);
    expect(await sql(url, 'SELECT version FROM schema_version')).toEqual([{ version: PG_SCHEMA_VERSION + 1 }]);
  });

  it('lets exactly one of two servers create a repository name they race for (in any case); the other gets repo_exists', async () => {
    const { a, b, close } = await twoServers();
    try {
      await a.ensureUser('acme');
      for (let i = 0; i < 20; i++) {
        const results = await Promise.allSettled([
          a.createRepo({ type: 'model', owner: 'acme', name: `race-${i}`, private: false }),
          b.createRepo({ type: 'model', owner: 'ACME', name: `RACE-${i}`, private: true }),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won, `round ${i}`).toHaveLength(1);
        expect(lost[0].reason, `round ${i}`).toMatchObject({ code: 'repo_exists', exitCode: ExitCode.conflict });
      }
      expect(await b.listRepos()).toHaveLength(20);
      // users raced for the same way: one row, both see it
      const [u1, u2] = await Promise.all([a.ensureUser('zed'), b.ensureUser('ZED', { admin: true })]);
      expect(u1.id).toBe(u2.id);
      expect((await a.getUser('zed'))?.admin).toBe(true);
    } finally {
      await close();
    }
  });

  it('of four servers starting at once on an empty database exactly one creates the first admin token', async () => {
    const url = (await freshDatabase())!;
    const stores = await Promise.all(Array.from({ length: 4 }, () => PgMetadata.open(url)));
    try {
      const made = await Promise.all(stores.map((m) => m.createFirstAdminToken('first start')));
      const tokens = made.filter((t) => t !== undefined);
      expect(tokens).toHaveLength(1);
      expect(await stores[3].resolveToken(tokens[0]!)).toMatchObject({ user: { name: 'admin', admin: true }, write: true });
      expect(await stores[0].countTokens()).toBe(1);
      expect(await stores[1].createFirstAdminToken('again')).toBeUndefined(); // a restart makes none
    } finally {
      await Promise.all(stores.map((m) => m.close()));
    }
  });

  it('a token one server revokes is refused by the other at once; a lock one takes, the other sees held', async () => {
    const { a, b, close } = await twoServers();
    try {
      const alice = await a.ensureUser('alice');
      const bob = await b.ensureUser('bob');
      const t = await a.createToken('alice', { write: true });
      expect(await b.resolveToken(t.token)).toEqual({ user: alice, write: true, tokenId: t.id });
      await a.revokeToken(t.id);
      expect(await b.resolveToken(t.token)).toBeUndefined();
      await expect(b.revokeToken(t.id)).rejects.toMatchObject({ code: 'token_not_found' });

      const repo = await a.createRepo({ type: 'model', owner: 'alice', name: 'm', private: false });
      const [x, y] = await Promise.all([a.locks.create(repo.id, 'model.bin', alice), b.locks.create(repo.id, 'model.bin', bob)]);
      expect([x.created, y.created].sort()).toEqual([false, true]);
      expect(x.lock).toEqual(y.lock);
    } finally {
      await close();
    }
  });

  it('keeps served ranges merged and exact while two servers record objects of one repository at once', async () => {
    const seed = testSeed('pg concurrent ranges');
    const random = seededRandom(seed);
    const { a, b, url, close } = await twoServers();
    try {
      await a.ensureUser('alice');
      const repo = await a.createRepo({ type: 'model', owner: 'alice', name: 'm', private: false });
      const X = 'c'.repeat(64);
      const covered = new Array<boolean>(200).fill(false);
      const adds: Array<Promise<void>> = [];
      for (let i = 0; i < 60; i++) {
        const start = Math.floor(random() * 190);
        const end = start + 1 + Math.floor(random() * 8);
        for (let c = start; c < Math.min(end, 200); c++) covered[c] = true;
        const range: ServedRange = { xorb: X, chunkStart: start, chunkEnd: end, start: start * 100, end: end * 100 };
        adds.push((i % 2 ? a : b).addObject(repo.id, oid(i), 1, [range]));
      }
      await Promise.all(adds);
      const rows = await sql<{ byte_start: number; byte_end: number }>(url, 'SELECT byte_start::int, byte_end::int FROM served_ranges WHERE repo_id = $1 ORDER BY byte_start', [repo.id]);
      // merged: no two rows overlap or touch
      for (let i = 1; i < rows.length; i++) expect(rows[i].byte_start, `rows ${JSON.stringify(rows)} (seed ${seed})`).toBeGreaterThan(rows[i - 1].byte_end);
      // exact: a chunk is served exactly when some object's range covered it
      for (let c = 0; c < 200; c++) expect(await b.visibility.serves(repo.id, X, c * 100, c * 100 + 100), `chunk ${c} (seed ${seed})`).toBe(covered[c]);
      expect(await a.listObjects(repo.id)).toHaveLength(60);
    } finally {
      await close();
    }
  });

  it('serializes the holders of one repository lock across servers; a holder on another repository runs meanwhile', async () => {
    const { a, b, url, close } = await twoServers();
    try {
      const events: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      const first = a.withRepoLock(7, async () => {
        events.push('a in');
        holding();
        await gate;
        events.push('a out');
      });
      await held;
      const second = b.withRepoLock(7, async () => void events.push('b in'));
      await b.withRepoLock(8, async () => void events.push('b on another repository'));
      // b's request for repository 7 is queued in the database, not merely not started yet
      for (let i = 0; ; i++) {
        const [{ n }] = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 7 AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        if (n === 1) break;
        if (i > 1000) throw new Error('b never waited for the lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(events).toEqual(['a in', 'b on another repository']);
      release();
      await Promise.all([first, second]);
      expect(events).toEqual(['a in', 'b on another repository', 'a out', 'b in']);
    } finally {
      await close();
    }
  });

  it('answers the pre-receive hook from PostgreSQL (HUB_SERVE_DB a postgres:// URL), read-only', async () => {
    const url = (await freshDatabase())!;
    const meta = await PgMetadata.open(url);
    try {
      await meta.ensureUser('acme');
      const repo = await meta.createRepo({ type: 'model', owner: 'acme', name: 'dbcheck', private: false });
      const other = await meta.createRepo({ type: 'model', owner: 'acme', name: 'elsewhere', private: false });
      await meta.addObject(repo.id, oid(1), 1234);
      await meta.addObject(other.id, oid(2), 99); // held by another repository: not good enough
      const env = { HUB_SERVE_DB: url, HUB_REPO_ID: String(repo.id) };
      expect(await checkLfsObjects([{ oid: oid(1), size: 1234 }, { oid: oid(2), size: 99 }, { oid: oid(1), size: 1234 }], env)).toEqual([{ oid: oid(2), size: 99 }]);
      expect(await checkLfsObjects([{ oid: oid(1), size: 1235 }], env)).toEqual([{ oid: oid(1), size: 1235, held: 1234 }]);
      const unreachable = { HUB_SERVE_DB: 'postgres://postgres@127.0.0.1:1/none', HUB_REPO_ID: '1' };
      await expect(checkLfsObjects([{ oid: oid(1), size: 1 }], unreachable)).rejects.toMatchObject({ code: 'lfs_check_unavailable' });
    } finally {
      await meta.close();
    }
  });

  it('names a database that does not exist (3) and a refused login (4) in one line, without the password', async () => {
    const server = new URL(testPostgres()!);
    const missing = new URL(server);
    missing.pathname = '/hub_no_such_database';
    await expect(openMetadata(tmpDir(), missing.toString())).rejects.toMatchObject({ code: 'database_not_found', exitCode: ExitCode.notFound });
    const stranger = new URL(server);
    stranger.username = 'no_such_role';
    stranger.password = 'sekrit';
    const err = await openMetadata(tmpDir(), stranger.toString()).then(
      () => undefined,
      (e: unknown) => e as { code: string; exitCode: number; message: string },
    );
    // trust authentication still needs the role to exist
    expect(err).toMatchObject({ code: 'database_auth', exitCode: ExitCode.auth });
    expect(err!.message).not.toContain('sekrit');
    expect(err!.message).not.toContain('\n');
  });
});
