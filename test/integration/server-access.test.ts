/**
 * The access-control matrix of `hub serve` (issue 4, DESIGN.md §5, src/server/access.ts) over
 * real HTTP against one real server: every identity × repository × operation answers exactly
 * the status the table below says, 401s say how to authenticate, and no answer that refuses
 * (401, 404) tells a caller anything about a private repository: not its name, not its bytes,
 * not even that it exists (it answers byte for byte like a repository that does not).
 * Then the real git and git-lfs clients, spot-checking the same rules end to end.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, type Answer } from '../helpers/http-answer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

type Who = 'anonymous' | 'alice-read' | 'alice-write' | 'bob-write' | 'bob-read' | 'wrong-token';
type Repo = 'alice/pub' | 'alice/priv' | 'alice/nope';
type Op = 'git-fetch' | 'git-push' | 'lfs-download' | 'lfs-upload' | 'api';
type Status = 200 | 401 | 403 | 404;

/** The message access.ts gives each refusal (no message ever names the repository). */
const AUTH_REQUIRED = 'authentication required';
const INVALID_TOKEN = 'invalid token';
const NOT_FOUND = 'repository not found';
const READ_ONLY = 'token is read-only';
const WRITE_DENIED = 'write access denied';
/** The Hugging Face–compatible API (hf-access.ts) hides a repository with HF's 404 RepoNotFound, for anonymous callers too. */
const HF_NOT_FOUND = 'Repository not found';

interface Cell {
  who: Who;
  repo: Repo;
  op: Op;
  status: Status;
  message?: string;
}

const row = (who: Who, repo: Repo, op: Op, status: Status, message?: string): Cell => ({ who, repo, op, status, message });

/**
 * The expected table, one row per cell, from the rules of access.ts: public repositories are
 * readable by anyone; a private one is visible only to its members (alice owns both), and to
 * anyone else it is exactly a missing repository (404 for a known user, 401 for anonymous so
 * that clients retry with credentials); writing needs a write token of the owner or a write
 * member; a token that does not resolve is 401 everywhere. alice/nope does not exist.
 * The `api` column is the Hugging Face–compatible repository info (hf-access.ts): there a hidden
 * or missing repository is HF's 404 RepoNotFound for anonymous callers too, as HF clients expect.
 */
const MATRIX: Cell[] = [
  // anonymous: reads public, must authenticate for everything else (401, never 404, except on the HF api)
  row('anonymous', 'alice/pub', 'git-fetch', 200),
  row('anonymous', 'alice/pub', 'git-push', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/pub', 'lfs-download', 200),
  row('anonymous', 'alice/pub', 'lfs-upload', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/pub', 'api', 200),
  row('anonymous', 'alice/priv', 'git-fetch', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/priv', 'git-push', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/priv', 'lfs-download', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/priv', 'lfs-upload', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/priv', 'api', 404, HF_NOT_FOUND),
  row('anonymous', 'alice/nope', 'git-fetch', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/nope', 'git-push', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/nope', 'lfs-download', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/nope', 'lfs-upload', 401, AUTH_REQUIRED),
  row('anonymous', 'alice/nope', 'api', 404, HF_NOT_FOUND),

  // alice's read token: reads both of her repositories, writes nothing (403: she knows they exist)
  row('alice-read', 'alice/pub', 'git-fetch', 200),
  row('alice-read', 'alice/pub', 'git-push', 403, READ_ONLY),
  row('alice-read', 'alice/pub', 'lfs-download', 200),
  row('alice-read', 'alice/pub', 'lfs-upload', 403, READ_ONLY),
  row('alice-read', 'alice/pub', 'api', 200),
  row('alice-read', 'alice/priv', 'git-fetch', 200),
  row('alice-read', 'alice/priv', 'git-push', 403, READ_ONLY),
  row('alice-read', 'alice/priv', 'lfs-download', 200),
  row('alice-read', 'alice/priv', 'lfs-upload', 403, READ_ONLY),
  row('alice-read', 'alice/priv', 'api', 200),
  row('alice-read', 'alice/nope', 'git-fetch', 404, NOT_FOUND),
  row('alice-read', 'alice/nope', 'git-push', 404, NOT_FOUND),
  row('alice-read', 'alice/nope', 'lfs-download', 404, NOT_FOUND),
  row('alice-read', 'alice/nope', 'lfs-upload', 404, NOT_FOUND),
  row('alice-read', 'alice/nope', 'api', 404, HF_NOT_FOUND),

  // alice's write token: everything on her repositories; a missing one is 404
  row('alice-write', 'alice/pub', 'git-fetch', 200),
  row('alice-write', 'alice/pub', 'git-push', 200),
  row('alice-write', 'alice/pub', 'lfs-download', 200),
  row('alice-write', 'alice/pub', 'lfs-upload', 200),
  row('alice-write', 'alice/pub', 'api', 200),
  row('alice-write', 'alice/priv', 'git-fetch', 200),
  row('alice-write', 'alice/priv', 'git-push', 200),
  row('alice-write', 'alice/priv', 'lfs-download', 200),
  row('alice-write', 'alice/priv', 'lfs-upload', 200),
  row('alice-write', 'alice/priv', 'api', 200),
  row('alice-write', 'alice/nope', 'git-fetch', 404, NOT_FOUND),
  row('alice-write', 'alice/nope', 'git-push', 404, NOT_FOUND),
  row('alice-write', 'alice/nope', 'lfs-download', 404, NOT_FOUND),
  row('alice-write', 'alice/nope', 'lfs-upload', 404, NOT_FOUND),
  row('alice-write', 'alice/nope', 'api', 404, HF_NOT_FOUND),

  // bob's write token (not a member): reads public, may not write it; private = missing
  row('bob-write', 'alice/pub', 'git-fetch', 200),
  row('bob-write', 'alice/pub', 'git-push', 403, WRITE_DENIED),
  row('bob-write', 'alice/pub', 'lfs-download', 200),
  row('bob-write', 'alice/pub', 'lfs-upload', 403, WRITE_DENIED),
  row('bob-write', 'alice/pub', 'api', 200),
  row('bob-write', 'alice/priv', 'git-fetch', 404, NOT_FOUND),
  row('bob-write', 'alice/priv', 'git-push', 404, NOT_FOUND),
  row('bob-write', 'alice/priv', 'lfs-download', 404, NOT_FOUND),
  row('bob-write', 'alice/priv', 'lfs-upload', 404, NOT_FOUND),
  row('bob-write', 'alice/priv', 'api', 404, HF_NOT_FOUND),
  row('bob-write', 'alice/nope', 'git-fetch', 404, NOT_FOUND),
  row('bob-write', 'alice/nope', 'git-push', 404, NOT_FOUND),
  row('bob-write', 'alice/nope', 'lfs-download', 404, NOT_FOUND),
  row('bob-write', 'alice/nope', 'lfs-upload', 404, NOT_FOUND),
  row('bob-write', 'alice/nope', 'api', 404, HF_NOT_FOUND),

  // bob's read token: the same, but a write to public is refused for the token, not the user
  row('bob-read', 'alice/pub', 'git-fetch', 200),
  row('bob-read', 'alice/pub', 'git-push', 403, READ_ONLY),
  row('bob-read', 'alice/pub', 'lfs-download', 200),
  row('bob-read', 'alice/pub', 'lfs-upload', 403, READ_ONLY),
  row('bob-read', 'alice/pub', 'api', 200),
  row('bob-read', 'alice/priv', 'git-fetch', 404, NOT_FOUND),
  row('bob-read', 'alice/priv', 'git-push', 404, NOT_FOUND),
  row('bob-read', 'alice/priv', 'lfs-download', 404, NOT_FOUND),
  row('bob-read', 'alice/priv', 'lfs-upload', 404, NOT_FOUND),
  row('bob-read', 'alice/priv', 'api', 404, HF_NOT_FOUND),
  row('bob-read', 'alice/nope', 'git-fetch', 404, NOT_FOUND),
  row('bob-read', 'alice/nope', 'git-push', 404, NOT_FOUND),
  row('bob-read', 'alice/nope', 'lfs-download', 404, NOT_FOUND),
  row('bob-read', 'alice/nope', 'lfs-upload', 404, NOT_FOUND),
  row('bob-read', 'alice/nope', 'api', 404, HF_NOT_FOUND),

  // a token that does not resolve: 401 everywhere, even where anonymous could read
  row('wrong-token', 'alice/pub', 'git-fetch', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/pub', 'git-push', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/pub', 'lfs-download', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/pub', 'lfs-upload', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/pub', 'api', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/priv', 'git-fetch', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/priv', 'git-push', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/priv', 'lfs-download', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/priv', 'lfs-upload', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/priv', 'api', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/nope', 'git-fetch', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/nope', 'git-push', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/nope', 'lfs-download', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/nope', 'lfs-upload', 401, INVALID_TOKEN),
  row('wrong-token', 'alice/nope', 'api', 401, INVALID_TOKEN),
];

const LFS = 'application/vnd.git-lfs+json';
const MARKER = 'ALICE-PRIVATE-WEIGHTS-7f3a9c';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** 5000 bytes: the marker every 1000 bytes, random bytes between, so any leaked piece is recognisable. */
function privateObject(): Buffer {
  const b = randomBytes(5000);
  for (let at = 0; at + MARKER.length <= b.length; at += 1000) b.write(MARKER, at, 'latin1');
  return b;
}


/** The longest run of bytes `body` shares with `secret` is shorter than 16 bytes. */
function sharesNoRun(body: Buffer, secret: Buffer, run = 16): boolean {
  for (let i = 0; i + run <= body.length; i++) if (secret.includes(body.subarray(i, i + run))) return false;
  return true;
}

describe('hub serve access control', () => {
  let server: TestServer;
  const tokens = {} as Record<Exclude<Who, 'anonymous'>, string>;
  const priv = privateObject();
  const privOid = sha256(priv);
  const pub = Buffer.concat([Buffer.from('public weights\n'), randomBytes(3000)]);
  const pubOid = sha256(pub);

  /** The Authorization header of an identity: Basic for git (as git sends it), Bearer otherwise. */
  function auth(who: Who, op: Op): Record<string, string> {
    if (who === 'anonymous') return {};
    const token = tokens[who];
    if (op === 'git-fetch' || op === 'git-push') return { authorization: `Basic ${Buffer.from(`git:${token}`).toString('base64')}` };
    return { authorization: `Bearer ${token}` };
  }

  function batch(repo: string, operation: string, objects: Array<{ oid: string; size: number }>, headers: Record<string, string>): Promise<Answer> {
    return http(`${server.url}/${repo}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { accept: LFS, 'content-type': LFS, ...headers },
      body: JSON.stringify({ operation, transfers: ['basic'], objects, hash_algo: 'sha256' }),
    });
  }

  /** Uploads an object the way git-lfs does (batch, PUT to the action, verify); returns the PUT status. */
  async function upload(repo: string, bytes: Buffer, headers: Record<string, string>): Promise<number> {
    const b = await batch(repo, 'upload', [{ oid: sha256(bytes), size: bytes.length }], headers);
    expect(b.status, b.body.toString()).toBe(200);
    const obj = JSON.parse(b.body.toString()).objects[0];
    expect(obj.actions?.upload?.href, JSON.stringify(obj)).toBeTypeOf('string');
    const put = await http(obj.actions.upload.href, { method: 'PUT', headers: { ...obj.actions.upload.header, 'content-type': 'application/octet-stream' }, body: bytes });
    expect(put.status, put.body.toString()).toBe(200);
    const verify = await http(obj.actions.verify.href, { method: 'POST', headers: { ...obj.actions.verify.header, accept: LFS, 'content-type': LFS }, body: JSON.stringify({ oid: sha256(bytes), size: bytes.length }) });
    expect(verify.status, verify.body.toString()).toBe(200);
    return put.status;
  }

  /** Whether the server holds `oid` for `repo` (asked as the admin, who sees every repository). */
  async function holds(repo: string, oid: string, size: number): Promise<boolean> {
    // the git clients run synchronously (execFileSync) and block this process for seconds: let it
    // see the keep-alive connections the server closed meanwhile, or undici reuses a dead one
    await new Promise((r) => setTimeout(r, 20));
    const b = await batch(repo, 'download', [{ oid, size }], { authorization: `Bearer ${server.adminToken}` });
    expect(b.status).toBe(200);
    return JSON.parse(b.body.toString()).objects[0].actions?.download !== undefined;
  }

  beforeAll(async () => {
    server = await startHubServe();
    for (const [who, user, write] of [
      ['alice-write', 'alice', true],
      ['alice-read', 'alice', false],
      ['bob-write', 'bob', true],
      ['bob-read', 'bob', false],
    ] as const) {
      tokens[who] = (await runHubJson(['token', 'create', '--root', server.root, '--user', user, ...(write ? ['--write'] : [])])).token;
    }
    tokens['wrong-token'] = 'hub_notarealtoken';
    await runHubJson(['repo', 'create', 'alice/pub', '--endpoint', server.url, '--token', server.adminToken]);
    await runHubJson(['repo', 'create', 'alice/priv', '--private', '--endpoint', server.url, '--token', server.adminToken]);
    await upload('alice/priv', priv, { authorization: `Bearer ${tokens['alice-write']}` });
    await upload('alice/pub', pub, { authorization: `Bearer ${tokens['alice-write']}` });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The bytes a download cell must see: the repository's own object (the private one for alice/nope). */
  const objectOf = (repo: Repo) => (repo === 'alice/pub' ? pub : priv);

  /** Status, JSON error body, authentication header and leak checks of one refusal. */
  function expectRefusal(cell: Cell, kind: 'git' | 'lfs' | 'api', a: Answer, what: string): void {
    expect(a.status, `${what}: ${a.body.toString()}`).toBe(cell.status);
    expect(String(a.headers['content-type'])).toMatch(/json/);
    const body = JSON.parse(a.body.toString());
    expect(body.error, what).toBe(cell.message);
    if (kind === 'lfs') expect(body.message, what).toBe(cell.message);
    if (cell.status === 401) {
      const header = kind === 'lfs' ? 'lfs-authenticate' : 'www-authenticate';
      expect(String(a.headers[header]), `${what}: ${header}`).toMatch(/^Basic realm="[^"]+", Bearer realm="[^"]+"$/);
    }
    if (cell.status === 401 || cell.status === 404) {
      const text = a.body.toString('latin1');
      expect(text.toLowerCase(), what).not.toContain('priv');
      expect(text, what).not.toContain(MARKER);
      expect(sharesNoRun(a.body, priv), `${what} contains bytes of the private object`).toBe(true);
      expect(JSON.stringify(a.headers), what).not.toContain('priv');
    }
  }

  for (const cell of MATRIX) {
    const name = `${cell.who} ${cell.op} ${cell.repo} -> ${cell.status}${cell.message ? ` ${cell.message}` : ''}`;
    it(name, async () => {
      const base = `${server.url}/${cell.repo}.git`;
      const headers = auth(cell.who, cell.op);
      switch (cell.op) {
        case 'git-fetch':
        case 'git-push': {
          const service = cell.op === 'git-fetch' ? 'git-upload-pack' : 'git-receive-pack';
          const answer = await http(`${base}/info/refs?service=${service}`, { headers });
          if (cell.status === 200) {
            expect(answer.status, answer.body.toString()).toBe(200);
            expect(answer.headers['content-type']).toBe(`application/x-${service}-advertisement`);
            expect(answer.body.toString('latin1')).toMatch(new RegExp(`^[0-9a-f]{4}# service=${service}\n`));
          } else expectRefusal(cell, 'git', answer, name);
          break;
        }
        case 'lfs-download': {
          const bytes = objectOf(cell.repo);
          const oid = sha256(bytes);
          const answer = await batch(cell.repo, 'download', [{ oid, size: bytes.length }], headers);
          if (cell.status === 200) {
            expect(answer.status, answer.body.toString()).toBe(200);
            const obj = JSON.parse(answer.body.toString()).objects[0];
            expect(obj).toMatchObject({ oid, size: bytes.length });
            const got = await http(obj.actions.download.href, { headers: obj.actions.download.header ?? {} });
            expect(got.status).toBe(200);
            expect(got.body.equals(bytes)).toBe(true);
          } else {
            expectRefusal(cell, 'lfs', answer, `${name} (batch)`);
            // the object URL itself refuses the same way: knowing the oid is not enough
            const direct = await http(`${base}/info/lfs/objects/${oid}`, { headers });
            expectRefusal(cell, 'lfs', direct, `${name} (GET object)`);
          }
          break;
        }
        case 'lfs-upload': {
          const bytes = Buffer.concat([Buffer.from(`uploaded by ${cell.who}\n`), randomBytes(200)]);
          const oid = sha256(bytes);
          if (cell.status === 200) {
            expect(await upload(cell.repo, bytes, headers)).toBe(200);
            expect(await holds(cell.repo, oid, bytes.length)).toBe(true);
          } else {
            const answer = await batch(cell.repo, 'upload', [{ oid, size: bytes.length }], headers);
            expectRefusal(cell, 'lfs', answer, `${name} (batch)`);
            // a PUT straight to the object URL is refused the same way, and stores nothing
            const put = await http(`${base}/info/lfs/objects/${oid}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: bytes });
            expectRefusal(cell, 'lfs', put, `${name} (PUT object)`);
            if (cell.repo !== 'alice/nope') expect(await holds(cell.repo, oid, bytes.length)).toBe(false);
          }
          break;
        }
        case 'api': {
          const answer = await http(`${server.url}/api/models/${cell.repo}`, { headers });
          if (cell.status === 200) {
            expect(answer.status, answer.body.toString()).toBe(200);
            expect(JSON.parse(answer.body.toString())).toMatchObject({ id: cell.repo, type: 'model', private: cell.repo === 'alice/priv' });
          } else expectRefusal(cell, 'api', answer, name);
          break;
        }
      }
    });
  }

  it('covers every identity × repository × operation exactly once', () => {
    const keys = MATRIX.map((c) => `${c.who} ${c.repo} ${c.op}`);
    expect(new Set(keys).size).toBe(6 * 3 * 5);
    expect(keys.length).toBe(6 * 3 * 5);
  });

  it('answers every caller who may not see alice/priv exactly as for a repository that does not exist', async () => {
    const someObject = { oid: sha256(Buffer.from('x')), size: 1 };
    const requests: Array<[string, (repo: string, who: Who) => Promise<Answer>]> = [
      ['git fetch', (repo, who) => http(`${server.url}/${repo}.git/info/refs?service=git-upload-pack`, { headers: auth(who, 'git-fetch') })],
      ['git push', (repo, who) => http(`${server.url}/${repo}.git/info/refs?service=git-receive-pack`, { headers: auth(who, 'git-push') })],
      ['git upload-pack POST', (repo, who) => http(`${server.url}/${repo}.git/git-upload-pack`, { method: 'POST', headers: { ...auth(who, 'git-fetch'), 'content-type': 'application/x-git-upload-pack-request' }, body: '0000' })],
      ['LFS batch download', (repo, who) => batch(repo, 'download', [{ oid: privOid, size: priv.length }], auth(who, 'lfs-download'))],
      ['LFS batch upload', (repo, who) => batch(repo, 'upload', [someObject], auth(who, 'lfs-upload'))],
      ['LFS GET object', (repo, who) => http(`${server.url}/${repo}.git/info/lfs/objects/${privOid}`, { headers: auth(who, 'lfs-download') })],
      ['LFS HEAD object', (repo, who) => http(`${server.url}/${repo}.git/info/lfs/objects/${privOid}`, { method: 'HEAD', headers: auth(who, 'lfs-download') })],
      ['LFS PUT object', (repo, who) => http(`${server.url}/${repo}.git/info/lfs/objects/${someObject.oid}`, { method: 'PUT', headers: auth(who, 'lfs-upload'), body: 'x' })],
      ['LFS verify', (repo, who) => http(`${server.url}/${repo}.git/info/lfs/objects/${privOid}/verify`, { method: 'POST', headers: { ...auth(who, 'lfs-upload'), 'content-type': LFS }, body: JSON.stringify({ oid: privOid, size: priv.length }) })],
      ['repo API', (repo, who) => http(`${server.url}/api/models/${repo}`, { headers: auth(who, 'api') })],
    ];
    const shape = (h: Answer['headers']) => Object.keys(h).filter((n) => n !== 'date').sort();
    for (const who of ['anonymous', 'bob-write', 'bob-read', 'wrong-token'] as const) {
      for (const [what, send] of requests) {
        const hidden = await send('alice/priv', who);
        const missing = await send('alice/nope', who);
        const key = `${who} ${what}`;
        expect(hidden.status, key).toBe(who === 'wrong-token' || (who === 'anonymous' && what !== 'repo API') ? 401 : 404);
        expect(hidden.status, key).toBe(missing.status);
        expect(hidden.body.toString('latin1'), key).toBe(missing.body.toString('latin1'));
        expect(shape(hidden.headers), key).toEqual(shape(missing.headers));
        expect(sharesNoRun(hidden.body, priv), key).toBe(true);
      }
    }
  });

  it('never serves another repository\'s object, though the content store is shared', async () => {
    // alice/pub is readable by anyone, but it does not hold the private object
    const asked = await batch('alice/pub', 'download', [{ oid: privOid, size: priv.length }], {});
    expect(asked.status).toBe(200);
    expect(JSON.parse(asked.body.toString()).objects[0]).toMatchObject({ oid: privOid, error: { code: 404 } });
    expect(asked.body.toString()).not.toContain(MARKER);
    const direct = await http(`${server.url}/alice/pub.git/info/lfs/objects/${privOid}`);
    expect(direct.status).toBe(404);
    expect(sharesNoRun(direct.body, priv)).toBe(true);
    // bob's own repository: the private oid is not "already there", so he must upload the bytes
    await runHubJson(['repo', 'create', 'bob/own', '--endpoint', server.url, '--token', tokens['bob-write']]);
    const bob = { authorization: `Bearer ${tokens['bob-write']}` };
    const up = await batch('bob/own', 'upload', [{ oid: privOid, size: priv.length }], bob);
    expect(JSON.parse(up.body.toString()).objects[0].actions?.upload).toBeDefined();
    const down = await http(`${server.url}/bob/own.git/info/lfs/objects/${privOid}`, { headers: bob });
    expect(down.status).toBe(404);
    expect(sharesNoRun(down.body, priv)).toBe(true);
  });

  it('holds with the real git and git-lfs clients', async () => {
    const git = gitClient();
    const work = tmpDir();
    const at = (path: string, who?: Who) => authUrl(server.host, path, who && who !== 'anonymous' ? tokens[who] : undefined);

    // alice fills alice/pub; anyone clones it
    git.run(work, 'clone', '-q', at('/alice/pub', 'alice-write'), join(work, 'pub-alice'));
    writeFileSync(join(work, 'pub-alice', 'README.md'), 'public model\n');
    git.run(join(work, 'pub-alice'), 'add', '-A');
    git.run(join(work, 'pub-alice'), 'commit', '-q', '-m', 'readme');
    git.run(join(work, 'pub-alice'), 'push', '-q', 'origin', 'main');
    git.run(work, 'clone', '-q', at('/alice/pub'), join(work, 'pub-anon'));
    expect(readFileSync(join(work, 'pub-anon', 'README.md'), 'utf8')).toBe('public model\n');

    // alice's write token pushes an LFS file to alice/priv: git lfs push, then git push
    const a = join(work, 'priv-alice');
    git.run(work, 'clone', '-q', at('/alice/priv', 'alice-write'), a);
    git.run(a, 'lfs', 'track', '*.bin');
    const weights = Buffer.concat([Buffer.from(MARKER), randomBytes(2000)]);
    writeFileSync(join(a, 'weights.bin'), weights);
    git.run(a, 'add', '-A');
    git.run(a, 'commit', '-q', '-m', 'weights');
    git.run(a, 'lfs', 'push', 'origin', 'main');
    expect(await holds('alice/priv', sha256(weights), weights.length)).toBe(true);
    git.run(a, 'push', '-q', 'origin', 'main');

    // anonymous cannot clone it (git is asked for credentials and may not prompt)
    const anon = git.tryRun(work, 'clone', '-q', at('/alice/priv'), join(work, 'priv-anon'));
    expect(anon.status, anon.stderr).not.toBe(0);
    expect(anon.stderr).toMatch(/could not read Username|Authentication failed/);
    expect(existsSync(join(work, 'priv-anon', 'weights.bin'))).toBe(false);

    // bob's token is told the repository does not exist
    const bob = git.tryRun(work, 'clone', '-q', at('/alice/priv', 'bob-write'), join(work, 'priv-bob'));
    expect(bob.status, bob.stderr).not.toBe(0);
    expect(bob.stderr).toMatch(/repository '[^']*' not found/);
    expect(bob.stderr).not.toContain(MARKER);
    expect(existsSync(join(work, 'priv-bob', 'weights.bin'))).toBe(false);

    // alice's read token clones it with the real bytes, and cannot push
    const r = join(work, 'priv-read');
    git.run(work, 'clone', '-q', at('/alice/priv', 'alice-read'), r);
    expect(readFileSync(join(r, 'weights.bin')).equals(weights)).toBe(true);
    writeFileSync(join(r, 'notes.txt'), 'read-only\n');
    git.run(r, 'add', '-A');
    git.run(r, 'commit', '-q', '-m', 'should not land');
    const push = git.tryRun(r, 'push', 'origin', 'main');
    expect(push.status, push.stderr).not.toBe(0);
    expect(push.stderr).toMatch(/403/);
    expect(git.run(a, 'ls-remote', 'origin', 'refs/heads/main').split('\t')[0]).toBe(git.run(a, 'rev-parse', 'HEAD').trim());
  });
});
