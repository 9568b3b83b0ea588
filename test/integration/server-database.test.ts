/**
 * `--database` of `hub serve` and the server-side `hub token` commands (issue 18): a bad URL or a
 * database that cannot be reached is one line with DESIGN.md §6's exit code, and never shows the
 * password; in the PostgreSQL run, two servers sharing one database and one root are one service.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { rootDatabase, testPostgres } from '../helpers/test-database.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** A port nothing listens on (connections are refused at once). */
const CLOSED = 'postgres://hub:sekrit@127.0.0.1:1/hub';

describe('hub serve and hub token with a --database they cannot use', () => {
  it('a URL that is not postgres:// is a usage error (2), for serve and token alike', async () => {
    for (const args of [
      ['serve', '--root', tmpDir(), '--port', '0', '--database', 'mysql://x@127.0.0.1/db'],
      ['token', 'list', '--root', tmpDir(), '--database', 'meta.sqlite'],
      ['token', 'create', '--root', tmpDir(), '--user', 'a', '--database', 'postgres://:sekrit@/'],
    ]) {
      const r = await runHub(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(lines(r.stderr)[0], args.join(' ')).toMatch(/^hub: error: --database takes postgres:\/\/USER@HOST:PORT\/DATABASE/);
      expect(lines(r.stderr).length, r.stderr).toBeLessThanOrEqual(2); // the line, and at most a hint
      expect(r.stderr).not.toContain('sekrit');
      expect(r.stdout).toBe('');
    }
  });

  it('a database nobody answers for is a network error (6): one line naming it, without the password, and no server', async () => {
    for (const args of [
      ['serve', '--root', tmpDir(), '--port', '0', '--database', CLOSED],
      ['token', 'create', '--root', tmpDir(), '--user', 'alice', '--database', CLOSED],
    ]) {
      const r = await runHub(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(6);
      expect(lines(r.stderr)[0]).toBe('hub: error: cannot reach the database at postgres://hub:***@127.0.0.1:1/hub: connect ECONNREFUSED 127.0.0.1:1');
      expect(r.stderr).not.toContain('sekrit');
      expect(r.stdout).toBe(''); // no admin token, no URL: nothing was started
    }
    const json = await runHub(['token', 'list', '--root', tmpDir(), '--database', CLOSED, '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'database_unreachable', exitCode: 6 });
  });
});

describe.skipIf(testPostgres() === undefined)('two hub serve processes on one PostgreSQL database and one root', () => {
  it('serve as one: a push through one clones from the other, tokens and their revocation count on both, one first admin token', async () => {
    const root = tmpDir('hub-shared-');
    const a = await startHubServe(root);
    const b = await startHubServe(root);
    try {
      expect(a.database).toBe(await rootDatabase(root));
      expect(b.database).toBe(a.database);
      expect(a.adminToken).toMatch(/^hf_/);
      expect(b.adminToken).toBe(''); // the database had a token already: none printed
      // a token made on the server machine for the shared database works on both
      const carol = (await runHubJson(['token', 'create', '--root', root, '--user', 'carol', '--write'])).token as string;
      await runHubJson(['repo', 'create', 'carol/m', '--endpoint', a.url, '--token', carol]);
      expect((await request(`${b.url}/api/models/carol/m`, { headers: { authorization: `Bearer ${carol}` } })).statusCode).toBe(200);

      // push (LFS objects and the ref update) to a, clone from b: the bytes and the pre-receive check agree
      const git = gitClient();
      const work = tmpDir();
      const src = join(work, 'src');
      git.run(work, 'clone', '-q', authUrl(a.host, '/carol/m', carol), src);
      git.run(src, 'lfs', 'track', '*.safetensors');
      makeModel(join(src, 'model.safetensors'), '4MiB', 31);
      writeFileSync(join(src, 'README.md'), 'two servers\n');
      git.run(src, 'add', '-A');
      git.run(src, 'commit', '-q', '-m', 'first');
      git.run(src, 'push', '-q', 'origin', 'main');
      const dst = join(work, 'dst');
      git.run(work, 'clone', '-q', authUrl(b.host, '/carol/m', carol), dst);
      const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
      expect(sha(join(dst, 'model.safetensors'))).toBe(sha(join(src, 'model.safetensors')));

      // revoked through b's token API: a refuses it at its next request
      const listed = await request(`${a.url}/api/tokens`, { headers: { authorization: `Bearer ${carol}` } });
      const id = ((await listed.body.json()) as { tokens: Array<{ id: number }> }).tokens[0].id;
      const revoked = await request(`${b.url}/api/tokens/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${carol}` } });
      expect(revoked.statusCode).toBe(200);
      await revoked.body.dump();
      const refused = await request(`${a.url}/api/models/carol/m`, { headers: { authorization: `Bearer ${carol}` } });
      expect(refused.statusCode).toBe(401);
      await refused.body.dump();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('servers starting at once on one fresh root', () => {
  it('print exactly one first admin token between them, and it works on every one (SQLite run: one file; PostgreSQL run: one database)', async () => {
    const root = tmpDir('hub-first-');
    await rootDatabase(root); // the PostgreSQL run's database exists before the servers race for its first token
    const servers = await Promise.all(Array.from({ length: 4 }, () => startHubServe(root)));
    try {
      const printed = servers.map((s) => s.adminToken).filter((t) => t !== '');
      expect(printed).toHaveLength(1);
      for (const s of servers) {
        const who = await request(`${s.url}/api/whoami-v2`, { headers: { authorization: `Bearer ${printed[0]}` } });
        expect(((await who.body.json()) as { name: string; isAdmin: boolean })).toMatchObject({ name: 'admin', isAdmin: true });
      }
      const tokens = await runHubJson(['token', 'list', '--root', root]);
      expect((tokens.tokens as unknown[]).length).toBe(1);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
