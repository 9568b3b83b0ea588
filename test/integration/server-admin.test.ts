/**
 * Issue 11, point 4, against live servers: the server root and everything in it is readable by
 * its owner only (0700 folders, 0600 files); an anonymous HF write to a public repository is 401
 * (a private one stays hidden: 404); `--public-url` decides every link the server writes, whatever
 * the Host header says; `hub token list|revoke` (and the token API), and `hub repo delete` (and
 * `DELETE /api/repos/delete`) for owners and admins.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { http } from '../helpers/http-answer.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { testPostgres } from '../helpers/test-database.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'application/vnd.git-lfs+json';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every path under `root` (itself included) whose mode lets group or others in, with its mode. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (!st.isSymbolicLink() && (st.mode & 0o077) !== 0) found.push(`${p.slice(root.length) || '/'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(root);
  return found;
}

/** Counts files and folders under `root`. */
function countEntries(root: string): number {
  let n = 0;
  const walk = (p: string) => {
    n++;
    if (lstatSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(root);
  return n;
}

describe('hub serve for an exposed server (issue 11, point 4)', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const PUBLIC = 'https://hub.example.test:8443';

  beforeAll(async () => {
    // a root that does not exist yet: the server creates it
    server = await startHubServe(join(tmpDir('hub-admin-'), 'root'), ['--public-url', PUBLIC]);
    alice = (await runHubJson(['token', 'create', '--root', server.root, '--user', 'alice', '--write'])).token;
    bob = (await runHubJson(['token', 'create', '--root', server.root, '--user', 'bob', '--write'])).token;
    for (const [repo, flags] of [['alice/pub', []], ['alice/priv', ['--private']]] as const) {
      await runHubJson(['repo', 'create', repo, ...flags, '--endpoint', server.url, '--token', alice]);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the server root and everything it writes to its owner (0700 folders, 0600 files)', async () => {
    // something of every kind: an LFS object (store, xorbs, manifests), a git push (objects,
    // refs, hooks), an HF commit (staging, blobs), the metadata database (and its WAL)
    const bytes = randomBytes(200_000);
    const batch = await http(`${server.url}/alice/priv.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...bearer(alice), accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [{ oid: sha256(bytes), size: bytes.length }] }) });
    const up = batch.json.objects[0].actions.upload;
    expect((await http(`${server.url}${new URL(up.href).pathname}${new URL(up.href).search}`, { method: 'PUT', headers: up.header, body: bytes })).status).toBe(200);
    const commit = await http(`${server.url}/api/models/alice/priv/commit/main`, { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/x-ndjson' }, body: [{ key: 'header', value: { summary: 'readme' } }, { key: 'file', value: { path: 'README.md', content: 'aGk=', encoding: 'base64' } }].map((o) => JSON.stringify(o)).join('\n') });
    expect(commit.status, commit.text).toBe(200);
    const git = gitClient();
    const work = tmpDir();
    git.run(work, 'clone', '-q', authUrl(server.host, '/alice/priv', alice), 'c');
    git.run(join(work, 'c'), 'commit', '-q', '--allow-empty', '-m', 'more');
    git.run(join(work, 'c'), 'push', '-q', 'origin', 'main');
    expect(countEntries(server.root)).toBeGreaterThan(50);
    expect(openToOthers(server.root)).toEqual([]);
    // the server-side token command on a root of its own creates it the same way
    const other = join(tmpDir('hub-admin-'), 'fresh-root');
    await runHubJson(['token', 'create', '--root', other, '--user', 'x']);
    expect(existsSync(join(other, 'meta.sqlite'))).toBe(testPostgres() === undefined); // in the PostgreSQL run, its database holds the token
    expect(openToOthers(other)).toEqual([]);
  });

  it('answers an anonymous HF write to a public repository with 401 (a private one stays 404)', async () => {
    for (const op of ['preupload', 'commit']) {
      const pub = await http(`${server.url}/api/models/alice/pub/${op}/main`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(pub.status, pub.text).toBe(401);
      expect(pub.json.error).toBe('authentication required');
      expect(String(pub.headers['www-authenticate'])).toMatch(/^Basic realm="hub", Bearer realm="hub"$/);
      const priv = await http(`${server.url}/api/models/alice/priv/${op}/main`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(priv.status, priv.text).toBe(404);
      expect(priv.headers['x-error-code']).toBe('RepoNotFound');
    }
  });

  it('writes every link from --public-url, whatever the Host header says', async () => {
    const oid = sha256(Buffer.from('links'));
    const headers = { ...bearer(alice), accept: LFS, 'content-type': LFS, host: 'attacker.example' };
    for (const transfers of [['basic'], ['hub-chunks', 'basic']]) {
      const b = await http(`${server.url}/alice/pub.git/info/lfs/objects/batch`, { method: 'POST', headers, body: JSON.stringify({ operation: 'upload', transfers, objects: [{ oid, size: 5 }] }) });
      expect(b.status, b.text).toBe(200);
      const actions = Object.values(b.json.objects[0].actions as Record<string, { href: string }>);
      expect(actions.length).toBeGreaterThan(0);
      for (const a of actions) expect(a.href.startsWith(`${PUBLIC}/alice/pub.git/info/lfs/`), a.href).toBe(true);
    }
    const commit = await http(`${server.url}/api/models/alice/pub/commit/main`, { method: 'POST', headers: { ...bearer(alice), host: 'attacker.example', 'content-type': 'application/x-ndjson' }, body: [{ key: 'header', value: { summary: 'x' } }, ...['x.txt', 'y.txt'].map((path) => ({ key: 'file', value: { path, content: 'eA==', encoding: 'base64' } }))].map((o) => JSON.stringify(o)).join('\n') });
    expect(commit.status, commit.text).toBe(200);
    expect(commit.json.commitUrl).toBe(`${PUBLIC}/alice/pub/commit/${commit.json.commitOid}`);
    const page = await http(`${server.url}/api/models/alice/pub/tree/main?limit=1`, { headers: { host: 'attacker.example' } });
    expect(String(page.headers.link)).toMatch(new RegExp(`^<${PUBLIC.replaceAll('.', '\\.')}/api/models/alice/pub/tree/main\\?`));
    // and a value that is not an origin is refused at start
    const bad = await runHub(['serve', '--root', tmpDir(), '--port', '0', '--public-url', 'https://hub.example.test/sub/path']);
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)[0]).toMatch(/--public-url must be http\(s\):\/\/host\[:port\], without a path/);
  });

  it('lists and revokes tokens: hub token list|revoke on the server machine, and the token API for their holders', async () => {
    const listed = await runHubJson(['token', 'list', '--root', server.root, '--user', 'bob']);
    expect(listed.tokens).toEqual([expect.objectContaining({ user: 'bob', write: true, label: 'hub token create' })]);
    expect(JSON.stringify(listed)).not.toContain(bob);
    const all = await runHubJson(['token', 'list', '--root', server.root]);
    expect(all.tokens.map((t: { user: string }) => t.user)).toEqual(expect.arrayContaining(['admin', 'alice', 'bob']));

    // the API: own tokens only, admins everyone's
    const mine = await http(`${server.url}/api/tokens`, { headers: bearer(bob) });
    expect(mine.status).toBe(200);
    expect(mine.json.tokens.map((t: { user: string }) => t.user)).toEqual(['bob']);
    expect((await http(`${server.url}/api/tokens?user=alice`, { headers: bearer(bob) })).status).toBe(403);
    expect((await http(`${server.url}/api/tokens?user=alice`, { headers: bearer(server.adminToken) })).json.tokens.map((t: { user: string }) => t.user)).toEqual(['alice']);
    expect((await http(`${server.url}/api/tokens`)).status).toBe(401);

    // bob cannot revoke alice's token (it looks like none), a read token cannot revoke, alice can
    const aliceSpare = await runHubJson(['token', 'create', '--root', server.root, '--user', 'alice', '--write']);
    const spareId = (await runHubJson(['token', 'list', '--root', server.root, '--user', 'alice'])).tokens.at(-1).id;
    const bobs = await http(`${server.url}/api/tokens/${spareId}`, { method: 'DELETE', headers: bearer(bob) });
    expect([bobs.status, bobs.json.error]).toEqual([404, 'token not found']);
    const aliceRead = await runHubJson(['token', 'create', '--root', server.root, '--user', 'alice']);
    expect((await http(`${server.url}/api/tokens/${spareId}`, { method: 'DELETE', headers: bearer(aliceRead.token) })).status).toBe(403);
    expect((await http(`${server.url}/api/whoami-v2`, { headers: bearer(aliceSpare.token) })).status).toBe(200);
    const revoked = await http(`${server.url}/api/tokens/${spareId}`, { method: 'DELETE', headers: bearer(alice) });
    expect([revoked.status, revoked.json]).toEqual([200, { id: spareId, revoked: true }]);
    expect((await http(`${server.url}/api/whoami-v2`, { headers: bearer(aliceSpare.token) })).status).toBe(401);

    // the CLI on the server machine
    const bobId = listed.tokens[0].id;
    expect(await runHubJson(['token', 'revoke', '--root', server.root, String(bobId)])).toEqual({ id: bobId, revoked: true });
    expect((await http(`${server.url}/api/whoami-v2`, { headers: bearer(bob) })).status).toBe(401);
    const again = await runHub(['token', 'revoke', '--root', server.root, String(bobId)]);
    expect(again.code).toBe(3);
    expect(lines(again.stderr)[0]).toMatch(/token not found/);
    expect((await runHub(['token', 'revoke', '--root', server.root, 'abc'])).code).toBe(2);
    bob = (await runHubJson(['token', 'create', '--root', server.root, '--user', 'bob', '--write'])).token;
  });

  it('deletes a repository for its owner or an admin: hub repo delete and DELETE /api/repos/delete', async () => {
    await runHubJson(['repo', 'create', 'alice/gone', '--private', '--endpoint', server.url, '--token', alice]);
    await runHubJson(['repo', 'create', 'alice/open', '--endpoint', server.url, '--token', alice]);
    const del = (token: string | undefined, name: string) => http(`${server.url}/api/repos/delete`, { method: 'DELETE', headers: { ...(token ? bearer(token) : {}), 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: 'alice', type: 'model' }) });
    expect((await del(undefined, 'open')).status).toBe(401);
    const bobsOpen = await del(bob, 'open');
    expect([bobsOpen.status, bobsOpen.json.error]).toEqual([403, 'only the owner or an admin may delete a repository']);
    const bobsHidden = await del(bob, 'gone');
    expect([bobsHidden.status, bobsHidden.headers['x-error-code']]).toEqual([404, 'RepoNotFound']);
    const aliceRead = (await runHubJson(['token', 'create', '--root', server.root, '--user', 'alice'])).token;
    expect((await del(aliceRead, 'open')).status).toBe(403);

    const gone = await runHubJson(['repo', 'delete', 'alice/gone', '--endpoint', server.url, '--token', alice]);
    expect(gone).toEqual({ id: 'alice/gone', type: 'model', deleted: true });
    expect(existsSync(join(server.root, 'repos', 'alice', 'gone.git'))).toBe(false);
    expect((await http(`${server.url}/api/models/alice/gone`, { headers: bearer(alice) })).status).toBe(404);
    const twice = await runHub(['repo', 'delete', 'alice/gone', '--endpoint', server.url, '--token', alice]);
    expect(twice.code).toBe(3);
    // an admin may delete anyone's
    expect((await del(server.adminToken, 'open')).status).toBe(200);
    expect((await http(`${server.url}/api/models/alice/open`)).status).toBe(404);
    // the name is free again
    expect((await runHubJson(['repo', 'create', 'alice/gone', '--endpoint', server.url, '--token', alice])).id).toBe('alice/gone');
  });
});
