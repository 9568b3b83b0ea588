/**
 * The Metadata contract (metadata-types.ts), the same for every implementation: SQLite always,
 * PostgreSQL in the PostgreSQL run (test/vitest.postgres.config.ts). The oracle is the other
 * implementation: a random sequence of operations, valid and not, runs on both, and every answer
 * must agree (records, orderings, error codes). Row ids are compared through the order things
 * were created in, and a token or repository once removed is named by an id nothing has: SQLite
 * hands the id of a deleted last row out again (a stale id names the new row there), PostgreSQL
 * never does.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/hash/sha256.js';
import { SqliteMetadata } from '../../../src/server/metadata.js';
import type { Metadata } from '../../../src/server/metadata-types.js';
import { PgMetadata } from '../../../src/server/metadata-pg/pg-metadata.js';
import type { ServedRange } from '../../../src/store/chunk-api.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { freshDatabase, testPostgres } from '../../helpers/test-database.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const NOW = 1_700_000_000_000;

type Opener = () => Promise<Metadata>;

const BACKENDS: Array<[string, Opener]> = [
  ['SQLite', async () => SqliteMetadata.open(join(tmpDir(), 'meta.sqlite'), { now: () => NOW })],
  ...(testPostgres() ? [['PostgreSQL', async () => PgMetadata.open((await freshDatabase())!, { now: () => NOW })] as [string, Opener]] : []),
];

/** The error as the contract defines it: its code and exit code (messages may name row ids). */
async function outcome<T>(fn: () => Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await fn() };
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === undefined) throw err; // not a HubError: a bug, not an answer
    return { error: `${e.code} ${e.exitCode}` };
  }
}

const USERS = ['alice', 'Alice', 'bob', 'BOB', 'carol', 'root', 'ghost', '-bad', 'a/b', ''];
const NAMES = ['m', 'M', 'weights', 'Weights', 'x.git', 'data', '..'];
const OIDS = Array.from({ length: 5 }, (_, i) => sha256Hex(Buffer.from(`object ${i}`)));
const XORBS = ['a'.repeat(64), 'b'.repeat(64)];
const PATHS = ['a', 'b', 'B', 'dir/z', 'dir/Z', 'é'];

/** One backend's view of the things created so far, to name them by creation order. */
class Ids {
  tokens: Array<{ id: number; token: string }> = [];
  repos: number[] = [];
  locks: string[] = [];
  /** Token ids of the live tokens (index -> id), repository ids of the live repositories. */
  tokenId(i: number): number {
    return this.tokens[i]?.id ?? NONE;
  }
  // the last thing created with the id: SQLite hands the id of a deleted last row out again
  token(id: number): number | string {
    const i = this.tokens.findLastIndex((t) => t.id === id);
    return i < 0 ? `unknown ${id}` : i;
  }
  repo(id: number): number | string {
    const i = this.repos.lastIndexOf(id);
    return i < 0 ? `unknown ${id}` : i;
  }
}

describe('every Metadata implementation answers alike', () => {
  it(`a random sequence of operations on ${BACKENDS.map(([n]) => n).join(' and ')} (and SQLite twice, as a control)`, async () => {
    const seed = testSeed('metadata contract');
    // SQLite against SQLite too: the comparison itself must hold where nothing can differ
    const runs = [BACKENDS[0], ...BACKENDS];
    const metas = await Promise.all(runs.map(([, open]) => open()));
    const ids = metas.map(() => new Ids());
    const random = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const int = (n: number) => Math.floor(random() * n);
    const ranges = (): ServedRange[] =>
      Array.from({ length: int(3) }, () => {
        const start = int(20);
        const end = start + 1 + int(4);
        return { xorb: pick(XORBS), chunkStart: start, chunkEnd: end, start: start * 100, end: end * 100 };
      });
    const users = async (m: Metadata) => Promise.all(USERS.map((u) => m.getUser(u)));
    const kinds = new Map<string, number>();
    try {
      for (let step = 0; step < 400; step++) {
        // one operation with its random arguments drawn once, applied to every backend
        const op = pick(OPS);
        const args = op.args({ pick, int, ranges });
        const answers = [];
        for (const [b, m] of metas.entries()) answers.push(await outcome(() => op.run(m, ids[b], args, users)));
        kinds.set(op.name, (kinds.get(op.name) ?? 0) + 1);
        for (const [b, answer] of answers.entries()) expect(answer, `step ${step}: ${op.name}(${JSON.stringify(args)}) on ${runs[b][0]} (seed ${seed})`).toEqual(answers[0]);
      }
    } finally {
      for (const m of metas) await m.close();
    }
    // the sequence exercised every operation
    expect([...kinds.keys()].sort()).toEqual(OPS.map((o) => o.name).sort());
  });
});

interface Draw {
  pick: <T>(xs: readonly T[]) => T;
  int: (n: number) => number;
  ranges: () => ServedRange[];
}

type UsersOf = (m: Metadata) => Promise<Array<{ id: number; name: string; admin: boolean } | undefined>>;

interface Op {
  name: string;
  args: (d: Draw) => any;
  run: (m: Metadata, ids: Ids, a: any, users: UsersOf) => Promise<unknown>;
}

const REPO_INDEX = 6; // indexes past the repositories created name none

async function userId(m: Metadata, name: string): Promise<number> {
  return (await m.getUser(name))?.id ?? NONE;
}

/** An id no row has. */
const NONE = 999_999;
const repoOf = (ids: Ids, i: number) => ids.repos[i] ?? NONE;
const normRepo = (ids: Ids) => (r: { id: number } | undefined) => r && { ...r, id: ids.repo(r.id) };

const OPS: Op[] = [
  { name: 'ensureUser', args: (d) => ({ name: d.pick(USERS), admin: d.pick([undefined, true, false]) }), run: async (m, _, a) => m.ensureUser(a.name, a.admin === undefined ? undefined : { admin: a.admin }) },
  { name: 'getUser', args: (d) => ({ name: d.pick(USERS) }), run: async (m, _, a) => m.getUser(a.name) },
  {
    name: 'createToken',
    args: (d) => ({ user: d.pick(USERS), write: d.pick([true, false]), label: d.pick([undefined, 'laptop', 'bad\nlabel']) }),
    run: async (m, ids, a) => {
      const t = await m.createToken(a.user, { write: a.write, label: a.label });
      ids.tokens.push(t);
      return t.token.length;
    },
  },
  {
    name: 'resolveToken',
    args: (d) => ({ i: d.int(8), garbage: d.pick(['', 'hf_nope', 'x'.repeat(2000)]) }),
    run: async (m, ids, a) => {
      const grant = await m.resolveToken(ids.tokens[a.i]?.token ?? a.garbage);
      return grant && { ...grant, tokenId: ids.token(grant.tokenId) };
    },
  },
  {
    name: 'revokeToken',
    args: (d) => ({ i: d.int(8) }),
    run: async (m, ids, a) => {
      await m.revokeToken(ids.tokenId(a.i));
      ids.tokens[a.i] = { id: NONE, token: 'revoked' };
    },
  },
  {
    name: 'listTokens',
    args: (d) => ({ user: d.pick([undefined, ...USERS]) }),
    run: async (m, ids, a) => (await m.listTokens(a.user)).map((t) => ({ ...t, id: ids.token(t.id) })),
  },
  { name: 'getToken', args: (d) => ({ i: d.int(8) }), run: async (m, ids, a) => { const t = await m.getToken(ids.tokenId(a.i)); return t && { ...t, id: ids.token(t.id) }; } },
  { name: 'countTokens', args: () => ({}), run: async (m) => m.countTokens() },
  {
    name: 'createRepo',
    args: (d) => ({ type: d.pick(['model', 'dataset', 'space']), owner: d.pick(USERS), name: d.pick(NAMES), private: d.pick([true, false]) }),
    run: async (m, ids, a) => {
      const r = await m.createRepo({ type: a.type, owner: a.owner, name: a.name, private: a.private });
      ids.repos.push(r.id);
      return { ...r, id: ids.repo(r.id) };
    },
  },
  { name: 'getRepo', args: (d) => ({ type: d.pick(['model', 'dataset']), owner: d.pick(USERS), name: d.pick(NAMES) }), run: async (m, ids, a) => normRepo(ids)(await m.getRepo(a.type, a.owner, a.name)) },
  { name: 'listRepos', args: () => ({}), run: async (m, ids) => (await m.listRepos()).map(normRepo(ids)) },
  { name: 'setPrivate', args: (d) => ({ i: d.int(REPO_INDEX), p: d.pick([true, false]) }), run: async (m, ids, a) => m.setPrivate(repoOf(ids, a.i), a.p) },
  {
    name: 'deleteRepo',
    args: (d) => ({ i: d.int(REPO_INDEX) }),
    run: async (m, ids, a) => {
      await m.deleteRepo(repoOf(ids, a.i));
      ids.repos[a.i] = NONE;
    },
  },
  { name: 'addMember', args: (d) => ({ i: d.int(REPO_INDEX), user: d.pick(USERS), write: d.pick([true, false]) }), run: async (m, ids, a) => m.addMember(repoOf(ids, a.i), a.user, a.write) },
  { name: 'membership', args: (d) => ({ i: d.int(REPO_INDEX), user: d.pick(USERS) }), run: async (m, ids, a) => m.membership(repoOf(ids, a.i), await userId(m, a.user)) },
  {
    name: 'addObject',
    args: (d) => ({ i: d.int(REPO_INDEX), oid: d.pick([...OIDS, 'NOT-AN-OID']), size: d.pick([1, 2, -1]), ranges: d.ranges() }),
    run: async (m, ids, a) => m.addObject(repoOf(ids, a.i), a.oid, a.size, a.ranges),
  },
  { name: 'objectSize', args: (d) => ({ i: d.int(REPO_INDEX), oid: d.pick(OIDS) }), run: async (m, ids, a) => [await m.hasObject(repoOf(ids, a.i), a.oid), await m.objectSize(repoOf(ids, a.i), a.oid)] },
  { name: 'objectSizes', args: (d) => ({ i: d.int(REPO_INDEX) }), run: async (m, ids, a) => [...(await m.objectSizes(repoOf(ids, a.i), OIDS)).entries()].sort() },
  { name: 'listObjects', args: (d) => ({ i: d.int(REPO_INDEX) }), run: async (m, ids, a) => m.listObjects(repoOf(ids, a.i)) },
  {
    name: 'serves',
    args: (d) => ({ i: d.int(REPO_INDEX), xorb: d.pick(XORBS), start: d.int(25) * 100, len: 1 + d.int(500) }),
    run: async (m, ids, a) => [await m.visibility.serves(repoOf(ids, a.i), a.xorb, a.start, a.start + a.len), await m.visibility.viewEnd(repoOf(ids, a.i), a.xorb)],
  },
  {
    name: 'readableChunks',
    args: (d) => ({ user: d.pick(USERS), xorb: d.pick(XORBS) }),
    run: async (m, _, a) => {
      const user = await m.getUser(a.user);
      return user ? m.visibility.readableChunks(user, a.xorb) : 'no user';
    },
  },
  { name: 'addRangesToHolders', args: (d) => ({ oid: d.pick(OIDS), ranges: d.ranges() }), run: async (m, _, a) => m.visibility.addRangesToHolders(a.oid, a.ranges) },
  {
    name: 'recordUpload',
    args: (d) => ({ user: d.pick(USERS), xorb: d.pick(XORBS) }),
    run: async (m, _, a) => {
      const user = await m.getUser(a.user);
      return user ? m.visibility.recordUpload(user.id, a.xorb) : 'no user';
    },
  },
  {
    name: 'lockCreate',
    args: (d) => ({ i: d.int(REPO_INDEX), path: d.pick(PATHS), user: d.pick(USERS) }),
    run: async (m, ids, a) => {
      const user = await m.getUser(a.user);
      const repo = ids.repos[a.i];
      if (!user || repo === undefined || !(await m.listRepos()).some((r) => r.id === repo)) return 'nothing to lock';
      const { created, lock } = await m.locks.create(repo, a.path, user);
      if (created) ids.locks.push(lock.id);
      return { created, path: lock.path, owner: lock.owner, lockedAt: lock.lockedAt, lock: ids.locks.indexOf(lock.id) };
    },
  },
  {
    name: 'lockList',
    args: (d) => ({ i: d.int(REPO_INDEX), limit: 1 + d.int(3), from: d.pick([undefined, ...PATHS]) }),
    run: async (m, ids, a) => {
      const page = await m.locks.list(repoOf(ids, a.i), { limit: a.limit, from: a.from });
      return { ...page, locks: page.locks.map((l) => ({ ...l, id: ids.locks.indexOf(l.id), ownerId: undefined })) };
    },
  },
  {
    name: 'lockRemove',
    args: (d) => ({ i: d.int(REPO_INDEX), lock: d.int(6) }),
    run: async (m, ids, a) => {
      const id = ids.locks[a.lock] ?? 'none';
      return [await m.locks.get(repoOf(ids, a.i), id).then((l) => l?.path), await m.locks.remove(repoOf(ids, a.i), id)];
    },
  },
];

describe.each(BACKENDS)('withRepoLock on %s', (_, open) => {
  it('runs one holder of a repository at a time, in the order they asked; other repositories do not wait', async () => {
    const meta = await open();
    try {
      const repo = 1;
      const events: string[] = [];
      let releaseFirst!: () => void;
      const gate = new Promise<void>((r) => (releaseFirst = r));
      let firstIn!: () => void;
      const firstHolds = new Promise<void>((r) => (firstIn = r));
      const first = meta.withRepoLock(repo, async () => {
        events.push('first in');
        firstIn();
        await gate;
        events.push('first out');
        return 'first';
      });
      await firstHolds;
      const second = meta.withRepoLock(repo, async () => {
        events.push('second in');
        return 'second';
      });
      // another repository's lock is free meanwhile
      expect(await meta.withRepoLock(repo + 1, async () => 'other')).toBe('other');
      await waitForWaiter(meta);
      expect(events).toEqual(['first in']);
      releaseFirst();
      expect(await Promise.all([first, second])).toEqual(['first', 'second']);
      expect(events).toEqual(['first in', 'first out', 'second in']);
      // a holder that throws releases the lock too
      await expect(meta.withRepoLock(repo, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await meta.withRepoLock(repo, async () => 'after')).toBe('after');
    } finally {
      await meta.close();
    }
  });
});

/** Returns once a second holder is blocked on the lock (PostgreSQL: its lock request waits in pg_locks; SQLite: a few turns of the event loop, all it takes to start). */
async function waitForWaiter(meta: Metadata): Promise<void> {
  if (!(meta instanceof PgMetadata)) {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    return;
  }
  const pool = (meta as unknown as { pool: { query: (sql: string) => Promise<{ rows: Array<{ n: number }> }> } }).pool;
  for (let i = 0; i < 1000; i++) {
    const { rows } = await pool.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the second holder never waited for the lock');
}
