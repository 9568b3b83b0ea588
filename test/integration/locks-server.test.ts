/**
 * The Git LFS File Locking API of `hub serve` over real HTTP (issue 15, docs/protocol.md "Locks"):
 * the access matrix (the same rules as pushes: listing reads, everything else writes; a private
 * repository is a missing one to those who cannot read it), who may unlock whose lock (force
 * only for the repository owner and admins), the answers' shapes and media type, paging, and
 * bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, type Answer } from '../helpers/http-answer.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { addMembers } from '../helpers/server-metadata.js';

const LFS = 'application/vnd.git-lfs+json';
type Who = 'anonymous' | 'alice-read' | 'alice-write' | 'bob-write' | 'carol-write' | 'wrong-token';
type Op = 'list' | 'create' | 'verify';

/**
 * Expected statuses per identity, for [alice/pub, alice/priv] and each operation. alice owns
 * both, bob is a write member of both, carol is nobody's member. Reads are listing; create and
 * verify need write access (403 for those who can see the repository, 404 for a private one
 * they cannot; anonymous callers always get 401 so clients retry with credentials).
 */
const MATRIX: Record<Who, Record<'pub' | 'priv', Record<Op, number>>> = {
  anonymous: { pub: { list: 200, create: 401, verify: 401 }, priv: { list: 401, create: 401, verify: 401 } },
  'alice-read': { pub: { list: 200, create: 403, verify: 403 }, priv: { list: 200, create: 403, verify: 403 } },
  'alice-write': { pub: { list: 200, create: 201, verify: 200 }, priv: { list: 200, create: 201, verify: 200 } },
  'bob-write': { pub: { list: 200, create: 201, verify: 200 }, priv: { list: 200, create: 201, verify: 200 } },
  'carol-write': { pub: { list: 200, create: 403, verify: 403 }, priv: { list: 404, create: 404, verify: 404 } },
  'wrong-token': { pub: { list: 401, create: 401, verify: 401 }, priv: { list: 401, create: 401, verify: 401 } },
};

describe('hub serve: the Git LFS locks API', () => {
  let server: TestServer;
  const tokens = {} as Record<Exclude<Who, 'anonymous'>, string>;
  const auth = (who: Who): Record<string, string> => (who === 'anonymous' ? {} : { authorization: `Bearer ${tokens[who]}` });
  const base = (repo: string) => `${server.url}/${repo}.git/info/lfs/locks`;
  const post = (url: string, who: Who | string, body: unknown): Promise<Answer> =>
    http(url, { method: 'POST', headers: { accept: LFS, 'content-type': LFS, ...(typeof who === 'string' && who in MATRIX ? auth(who as Who) : { authorization: `Bearer ${who}` }) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const get = (url: string, who: Who): Promise<Answer> => http(url, { headers: { accept: LFS, ...auth(who) } });

  beforeAll(async () => {
    server = await startHubServe();
    for (const [who, user, write] of [
      ['alice-write', 'alice', true],
      ['alice-read', 'alice', false],
      ['bob-write', 'bob', true],
      ['carol-write', 'carol', true],
    ] as const) {
      tokens[who] = (await runHubJson(['token', 'create', '--root', server.root, '--user', user, ...(write ? ['--write'] : [])])).token;
    }
    tokens['wrong-token'] = 'hf_notarealtoken';
    await runHubJson(['repo', 'create', 'alice/pub', '--endpoint', server.url, '--token', tokens['alice-write']]);
    await runHubJson(['repo', 'create', 'alice/priv', '--private', '--endpoint', server.url, '--token', tokens['alice-write']]);
    await addMembers(server, 'alice', ['pub', 'priv'], 'bob', true);
  });
  afterAll(async () => server?.stop());

  it('answers every identity as a push would: reads list, writes create and verify; private is missing to outsiders', async () => {
    let cells = 0;
    for (const who of Object.keys(MATRIX) as Who[]) {
      for (const vis of ['pub', 'priv'] as const) {
        const repo = `alice/${vis}`;
        for (const op of ['list', 'create', 'verify'] as Op[]) {
          const what = `${who} ${op} ${repo}`;
          const a = op === 'list' ? await get(base(repo), who) : op === 'create' ? await post(base(repo), who, { path: `by-${who}.bin` }) : await post(`${base(repo)}/verify`, who, {});
          cells++;
          expect(a.status, `${what}: ${a.text}`).toBe(MATRIX[who][vis][op]);
          expect(String(a.headers['content-type']), what).toBe(LFS);
          if (a.status >= 400) {
            expect(typeof a.json?.message, what).toBe('string');
            expect(a.text.toLowerCase(), what).not.toContain(a.status === 403 ? 'by-' : 'priv');
          }
          if (a.status === 401) expect(String(a.headers['lfs-authenticate']), what).toMatch(/^Basic realm=/);
          if (op === 'create' && a.status === 201) expect(a.json.lock).toMatchObject({ id: expect.any(String), path: `by-${who}.bin`, owner: { name: who.split('-')[0] } });
        }
      }
    }
    expect(cells).toBe(36);
    // only the allowed creates happened: each repository holds alice's and bob's locks, nobody else's
    for (const repo of ['alice/pub', 'alice/priv']) {
      const listed = await get(base(repo), 'alice-write');
      expect(listed.json.locks.map((l: { path: string }) => l.path).sort()).toEqual(['by-alice-write.bin', 'by-bob-write.bin']);
    }
  });

  it('a second lock of a path is 409 with the holder; verify splits ours and theirs per caller', async () => {
    const created = await post(base('alice/pub'), 'alice-write', { path: 'dir/weights.bin', ref: { name: 'refs/heads/main' } });
    expect(created.status).toBe(201);
    expect(created.json.lock.locked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await post(base('alice/pub'), 'bob-write', { path: 'dir/weights.bin' });
    expect(again.status).toBe(409);
    expect(String(again.headers['content-type'])).toBe(LFS);
    expect(again.json.lock).toEqual(created.json.lock);
    expect(again.json.message).toBe('dir/weights.bin is already locked by alice');
    const asBob = await post(`${base('alice/pub')}/verify`, 'bob-write', { ref: { name: 'refs/heads/main' } });
    expect(asBob.json.ours.map((l: { path: string }) => l.path)).toEqual(['by-bob-write.bin']);
    expect(asBob.json.theirs.map((l: { path: string }) => l.path)).toEqual(['by-alice-write.bin', 'dir/weights.bin']);
    const asAlice = await post(`${base('alice/pub')}/verify`, 'alice-write', {});
    expect(asAlice.json.ours.map((l: { path: string }) => l.path)).toEqual(['by-alice-write.bin', 'dir/weights.bin']);
    // GET by path and by id
    const byPath = await get(`${base('alice/pub')}?path=${encodeURIComponent('dir/weights.bin')}&refspec=refs%2Fheads%2Fmain`, 'anonymous');
    expect(byPath.json).toEqual({ locks: [created.json.lock] });
    const byId = await get(`${base('alice/pub')}?id=${created.json.lock.id}`, 'carol-write');
    expect(byId.json).toEqual({ locks: [created.json.lock] });
    expect((await get(`${base('alice/pub')}?path=nothing-here`, 'anonymous')).json).toEqual({ locks: [] });
  });

  it('unlocking: the owner of the lock; force only by the repository owner or an admin', async () => {
    const lockOf = async (who: Who, path: string) => (await post(base('alice/pub'), who, { path })).json.lock.id as string;
    const unlock = (id: string, who: Who | string, force?: boolean) => post(`${base('alice/pub')}/${id}/unlock`, who, force === undefined ? {} : { force });
    const alices = await lockOf('alice-write', 'u/alice.bin');
    expect((await unlock(alices, 'anonymous')).status).toBe(401);
    expect((await unlock(alices, 'alice-read')).status).toBe(403);
    expect((await unlock(alices, 'carol-write', true)).status).toBe(403);
    const bobNoForce = await unlock(alices, 'bob-write');
    expect(bobNoForce.status).toBe(403);
    expect(bobNoForce.json.message).toContain('locked by alice');
    const bobForce = await unlock(alices, 'bob-write', true);
    expect(bobForce.status, 'a write member may not break the lock of another').toBe(403);
    expect(bobForce.json.message).toContain('repository owner or an admin');
    const own = await unlock(alices, 'alice-write');
    expect(own.status).toBe(200);
    expect(own.json.lock).toMatchObject({ id: alices, path: 'u/alice.bin', owner: { name: 'alice' } });
    expect((await unlock(alices, 'alice-write')).status).toBe(404); // gone
    const bobs = await lockOf('bob-write', 'u/bob.bin');
    expect((await unlock(bobs, 'alice-write')).status, 'force is needed even for the repository owner').toBe(403);
    expect((await unlock(bobs, 'alice-write', true)).status).toBe(200);
    const again = await lockOf('bob-write', 'u/bob.bin');
    expect((await unlock(again, server.adminToken, true)).status, 'a server admin may force').toBe(200);
    // a private repository's lock is missing to an outsider, whatever they ask
    const priv = (await post(base('alice/priv'), 'alice-write', { path: 'secret.bin' })).json.lock.id as string;
    const outsider = await post(`${base('alice/priv')}/${priv}/unlock`, 'carol-write', { force: true });
    expect(outsider.status).toBe(404);
    expect(outsider.text).not.toContain('secret');
  });

  it('pages with next_cursor through GET and verify; a limit is clamped, a bad one refused', async () => {
    await runHubJson(['repo', 'create', 'alice/many', '--endpoint', server.url, '--token', tokens['alice-write']]);
    const paths = Array.from({ length: 7 }, (_, i) => `f${i}.bin`);
    for (const [i, p] of paths.entries()) expect((await post(base('alice/many'), i % 2 ? 'alice-write' : server.adminToken, { path: p })).status).toBe(201);
    const seen: string[] = [];
    let url = `${base('alice/many')}?limit=3`;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(5);
      const a = await get(url, 'anonymous');
      expect(a.json.locks.length).toBeLessThanOrEqual(3);
      seen.push(...a.json.locks.map((l: { path: string }) => l.path));
      if (!a.json.next_cursor) break;
      url = `${base('alice/many')}?limit=3&cursor=${encodeURIComponent(a.json.next_cursor)}`;
    }
    expect(seen).toEqual(paths);
    const ours: string[] = [];
    const theirs: string[] = [];
    let cursor: string | undefined;
    do {
      const a = await post(`${base('alice/many')}/verify`, 'alice-write', { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(a.status).toBe(200);
      ours.push(...a.json.ours.map((l: { path: string }) => l.path));
      theirs.push(...a.json.theirs.map((l: { path: string }) => l.path));
      cursor = a.json.next_cursor;
    } while (cursor);
    expect(ours).toEqual(paths.filter((_, i) => i % 2));
    expect(theirs).toEqual(paths.filter((_, i) => !(i % 2)));
    expect((await get(`${base('alice/many')}?limit=100000`, 'anonymous')).json.locks).toHaveLength(7);
    for (const bad of ['limit=-1', 'limit=abc', 'cursor=%2F%2F']) expect((await get(`${base('alice/many')}?${bad}`, 'anonymous')).status, bad).toBe(422);
  });

  it('refuses bad input with one JSON message: paths, bodies, methods; locks live only under the LFS path', async () => {
    const url = base('alice/pub');
    for (const path of ['../escape', '/abs', 'a//b', '', 'x\u0001y']) {
      const a = await post(url, 'alice-write', { path });
      expect(a.status, JSON.stringify(path)).toBe(422);
      expect(String(a.headers['content-type'])).toBe(LFS);
    }
    expect((await post(url, 'alice-write', { path: 7 })).status).toBe(422);
    expect((await post(url, 'alice-write', { path: 'ok.bin', ref: 'main' })).status).toBe(422);
    expect((await post(url, 'alice-write', '{"path": ')).status).toBe(400);
    expect((await post(url, 'alice-write', '[[[[[[[[[[[[]]]]]]]]]]]]')).status).toBe(400);
    expect((await post(url, 'alice-write', JSON.stringify({ path: 'big.bin', pad: 'x'.repeat(70_000) }))).status).toBe(413);
    expect((await post(`${url}/x/unlock`, 'alice-write', { force: 'yes' })).status).toBe(422);
    expect((await http(url, { method: 'DELETE', headers: auth('alice-write') })).status).toBe(405);
    expect((await http(`${url}/verify`, { headers: auth('alice-write') })).status).toBe(405);
    expect((await http(url, { headers: { accept: 'text/html', ...auth('alice-write') } })).status).toBe(406);
    // the HF-style route tree has no locks
    expect((await http(`${server.url}/api/models/alice/pub/locks`, { headers: auth('alice-write') })).status).toBe(404);
    expect((await http(`${server.url}/api/models/alice/pub/locks`, { method: 'POST', headers: auth('alice-write'), body: '{"path":"a"}' })).status).toBe(404);
  });
});
