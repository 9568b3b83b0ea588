/**
 * The write half of the Hugging Face–compatible API (issue 7) against a real `hub serve`, with
 * request bodies shaped as @huggingface/hub and huggingface_hub send them: create, preupload, the
 * LFS batch with `hash_algo: "sha_256"` and a header-less PUT (HF clients PUT to the href alone),
 * and commits that the real git CLI, git-lfs and `hub clone` then read. Every refusal is checked
 * to leave the branch where it was.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { answerOf, type Answer } from '../helpers/http-answer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pointer = (b: Buffer) => `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(b)}\nsize ${b.length}\n`;
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const LFS = 'application/vnd.git-lfs+json';


type Line = { key: string; value: unknown };
const header = (summary: string, more: Record<string, unknown> = {}): Line => ({ key: 'header', value: { summary, description: '', ...more } });
const file = (path: string, content: Buffer | string): Line => ({ key: 'file', value: { path, content: b64(content), encoding: 'base64' } });
const lfsFile = (path: string, bytes: Buffer): Line => ({ key: 'lfsFile', value: { path, algo: 'sha256', oid: sha256(bytes), size: bytes.length } });
const ndjson = (lines: Line[]) => lines.map((l) => JSON.stringify(l)).join('\n');

describe('Hugging Face write API', () => {
  let s: TestServer;
  const tok = { alice: '', aliceRead: '', bob: '' };

  async function http(method: string, path: string, opts: { token?: string; body?: string | Buffer; type?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    return answerOf(await request(path.startsWith('http') ? path : `${s.url}${path}`, { method: method as 'POST', headers, body: opts.body }));
  }
  const commit = (repo: string, lines: Line[] | string, opts: { token?: string; rev?: string; query?: string } = {}) =>
    http('POST', `/api/models/${repo}/commit/${opts.rev ?? 'main'}${opts.query ?? ''}`, { token: opts.token ?? tok.alice, body: typeof lines === 'string' ? lines : ndjson(lines), type: 'application/x-ndjson' });
  const preupload = (repo: string, files: unknown[], opts: { token?: string; rev?: string; gitAttributes?: string } = {}) =>
    http('POST', `/api/models/${repo}/preupload/${opts.rev ?? 'main'}`, { token: 'token' in opts ? opts.token : tok.alice, body: JSON.stringify({ files, gitAttributes: opts.gitAttributes }) });
  async function createRepo(name: string, more: Record<string, unknown> = {}): Promise<Answer> {
    const r = await http('POST', '/api/repos/create', { token: tok.alice, body: JSON.stringify({ name, organization: 'alice', type: 'model', ...more }) });
    expect(r.status, r.text).toBe(200);
    return r;
  }
  /** Uploads `bytes` as the HF JS client does with `useXet: false`: batch with its body, then a PUT to the href with no headers. */
  async function uploadLfs(repo: string, bytes: Buffer, token = tok.alice): Promise<void> {
    const body = JSON.stringify({ operation: 'upload', transfers: ['basic', 'multipart'], hash_algo: 'sha_256', ref: { name: 'main' }, objects: [{ oid: sha256(bytes), size: bytes.length }] });
    const b = await http('POST', `/${repo}.git/info/lfs/objects/batch`, { token, body, type: LFS, headers: { accept: LFS } });
    expect(b.status, b.text).toBe(200);
    expect(b.json.transfer).toBe('basic');
    const href = b.json.objects[0].actions.upload.href as string;
    const put = await request(href, { method: 'PUT', body: bytes });
    expect(put.statusCode, await put.body.text()).toBe(200);
  }
  const bare = (repo: string) => join(s.root, 'repos', `${repo}.git`);
  const tip = (repo: string, branch = 'main') => execFileSync('git', ['--git-dir', bare(repo), 'rev-parse', '--verify', '-q', `refs/heads/${branch}`], { encoding: 'utf8' }).trim();
  /** The files on `rev` ([] while the branch does not exist). */
  const paths = (repo: string, rev = 'main') => {
    const r = spawnSync('git', ['--git-dir', bare(repo), 'ls-tree', '-r', '--name-only', rev], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim().split('\n').filter(Boolean) : [];
  };

  beforeAll(async () => {
    s = await startHubServe();
    const token = async (user: string, write: boolean) => (await runHubJson(['token', 'create', '--root', s.root, '--user', user, ...(write ? ['--write'] : [])])).token as string;
    tok.alice = await token('alice', true);
    tok.aliceRead = await token('alice', false);
    tok.bob = await token('bob', true);
  });
  afterAll(async () => s?.stop());

  it('createRepo takes the JS client\'s body (visibility, files) and answers {url, id}', async () => {
    const r = await createRepo('created', { visibility: 'private', license: 'mit', files: [{ encoding: 'base64', path: 'README.md', content: b64('# hi\n') }] });
    expect(r.json).toEqual({ id: 'alice/created', type: 'model', private: true, url: `${s.url}/alice/created` });
    expect(paths('alice/created')).toEqual(['README.md']);
    expect(execFileSync('git', ['--git-dir', bare('alice/created'), 'log', '-1', '--format=%an <%ae>|%s'], { encoding: 'utf8' }).trim()).toBe('alice <alice@users.hub>|initial commit');
    const post = (body: unknown, token = tok.alice) => http('POST', '/api/repos/create', { token, body: JSON.stringify(body) });
    expect((await post({ name: 'created', organization: 'alice', type: 'model' })).status).toBe(409);
    expect((await post({ name: 'sp', organization: 'alice', type: 'space', sdk: 'static' })).status).toBe(400);
    expect((await post({ name: 'pr', organization: 'alice', visibility: 'protected' })).status).toBe(400);
    expect((await post({ name: 'bad', organization: 'alice', files: [{ path: '../x', content: 'eA==', encoding: 'base64' }] })).status).toBe(400);
    expect((await http('GET', '/api/models/alice/bad', { token: tok.alice })).status).toBe(404); // nothing created
    expect((await post({ name: 'ro', organization: 'alice' }, tok.aliceRead)).status).toBe(403);
    expect((await http('POST', '/api/repos/create', { body: JSON.stringify({ name: 'anon' }) })).status).toBe(401);
  });

  it('preupload: regular for small text, lfs for .gitattributes matches, 10 MiB or binary samples', async () => {
    await createRepo('pre');
    const text = { path: 'README.md', size: 5, sample: b64('# hi\n') };
    const big = { path: 'big.txt', size: 10 << 20, sample: b64('aaaa') };
    const binary = { path: 'tiny.png', size: 4, sample: b64(Buffer.from([0x89, 0, 1, 2])) };
    const empty = { path: 'empty.bin', size: 0, sample: '' };
    const modes = async (files: unknown[], more = {}) => {
      const r = await preupload('alice/pre', files, more);
      expect(r.status, r.text).toBe(200);
      for (const f of r.json.files) expect(f.shouldIgnore).toBe(false);
      return Object.fromEntries(r.json.files.map((f: { path: string; uploadMode: string }) => [f.path, f.uploadMode]));
    };
    const weights = { path: 'w/model.safetensors', size: 100, sample: b64('{"a":1}') };
    expect(await modes([text, big, binary, empty, weights])).toEqual({ 'README.md': 'regular', 'big.txt': 'lfs', 'tiny.png': 'lfs', 'empty.bin': 'regular', 'w/model.safetensors': 'regular' });
    // the client's planned .gitattributes counts, then the revision's own
    expect((await modes([weights], { gitAttributes: '*.safetensors filter=lfs diff=lfs merge=lfs -text\n' }))['w/model.safetensors']).toBe('lfs');
    expect((await commit('alice/pre', [header('attrs'), file('.gitattributes', '*.safetensors filter=lfs diff=lfs merge=lfs -text\n')])).status).toBe(200);
    expect(await modes([weights, { path: '.gitattributes', size: 9, sample: b64('x') }])).toEqual({ 'w/model.safetensors': 'lfs', '.gitattributes': 'regular' });
    // errors
    expect((await preupload('alice/pre', [{ path: '../x', size: 1, sample: '' }])).status).toBe(400);
    expect((await preupload('alice/pre', [{ path: 'x', size: -1, sample: '' }])).status).toBe(400);
    expect((await http('POST', '/api/models/alice/pre/preupload/main', { token: tok.alice, body: '{"nofiles":1}' })).status).toBe(400);
    const nope = await preupload('alice/pre', [text], { rev: 'nope' });
    expect([nope.status, nope.headers['x-error-code']]).toEqual([404, 'RevisionNotFound']);
    expect((await http('POST', '/api/models/alice/pre/preupload/main?create_pr=1', { token: tok.alice, body: JSON.stringify({ files: [text] }) })).status).toBe(400);
  });

  it('commits a file, an lfsFile and a deletion as a real git commit that git, git-lfs and hub clone read', async () => {
    await createRepo('model');
    const first = await commit('alice/model', [header('first'), file('README.md', 'v1\n'), file('old.txt', 'bye\n')]);
    expect(first.status, first.text).toBe(200);
    const weights = randomBytes(3 << 20);
    await uploadLfs('alice/model', weights);
    const r = await commit('alice/model', [
      header('Add weights', { description: 'Trained for\na while', parentCommit: first.json.commitOid }),
      file('README.md', 'v2\n'),
      lfsFile('weights/model.bin', weights),
      { key: 'deletedFile', value: { path: 'old.txt' } },
    ]);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({ success: true, commitOid: tip('alice/model'), commitUrl: `${s.url}/alice/model/commit/${tip('alice/model')}`, hookOutput: '' });

    const git = gitClient();
    const dir = join(tmpDir(), 'g');
    git.run(tmpDir(), 'clone', '-q', authUrl(s.host, '/alice/model', tok.alice), dir);
    expect(git.run(dir, 'log', '-1', '--format=%H|%P|%an <%ae>|%cn <%ce>|%B').trim()).toBe(`${r.json.commitOid}|${first.json.commitOid}|alice <alice@users.hub>|alice <alice@users.hub>|Add weights\n\nTrained for\na while`);
    expect(git.run(dir, 'ls-files').trim().split('\n')).toEqual(['.gitattributes', 'README.md', 'weights/model.bin']);
    expect(git.run(dir, 'cat-file', 'blob', 'HEAD:weights/model.bin')).toBe(pointer(weights));
    expect(git.run(dir, 'cat-file', 'blob', 'HEAD:.gitattributes')).toBe('weights/model.bin filter=lfs diff=lfs merge=lfs -text\n');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('v2\n');
    expect(sha256(readFileSync(join(dir, 'weights/model.bin')))).toBe(sha256(weights)); // smudged by git-lfs
    git.run(dir, 'fsck', '--strict');

    const parent = tmpDir();
    await runHubJson(['clone', `${s.url}/alice/model`, 'h'], { cwd: parent, env: { HUB_HOME: tmpDir(), HUB_TOKEN: tok.alice } });
    expect(readFileSync(join(parent, 'h', 'weights/model.bin')).equals(weights)).toBe(true);
    expect(readFileSync(join(parent, 'h', 'README.md'), 'utf8')).toBe('v2\n');
  });

  it('a file at a filter=lfs path is stored through LFS; deletedFolder; the JSON body form; an encoded refs/heads/ revision', async () => {
    await createRepo('attrs');
    const data = Buffer.concat([Buffer.from('not a pointer '), randomBytes(5000)]);
    const r = await commit('alice/attrs', [header('lfs by attributes'), file('.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n'), file('d/a.bin', data), file('d/e/f.txt', 'x'), file('keep.txt', 'k')]);
    expect(r.status, r.text).toBe(200);
    expect(execFileSync('git', ['--git-dir', bare('alice/attrs'), 'cat-file', 'blob', 'main:d/a.bin'], { encoding: 'utf8' })).toBe(pointer(data));
    const dl = await http('GET', `/alice/attrs.git/info/lfs/objects/${sha256(data)}`, { token: tok.alice });
    expect(dl.status).toBe(200);

    const json = await http('POST', '/api/models/alice/attrs/commit/refs%2Fheads%2Fmain', { token: tok.alice, body: JSON.stringify({ summary: 'json form', files: [{ path: 'n.txt', content: 'utf8 text', encoding: 'utf-8' }], deletedFolders: [{ path: 'd/' }] }) });
    expect(json.status, json.text).toBe(200);
    expect(paths('alice/attrs')).toEqual(['.gitattributes', 'keep.txt', 'n.txt']);
  });

  it('refuses a stale parentCommit with 409, an lfsFile the repository lacks with 422, and changes nothing', async () => {
    await createRepo('guard');
    const a = await commit('alice/guard', [header('a'), file('a.txt', 'a')]);
    const b = await commit('alice/guard', [header('b'), file('b.txt', 'b')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const stale = await commit('alice/guard', [header('c', { parentCommit: a.json.commitOid }), file('c.txt', 'c')]);
    expect(stale.status, stale.text).toBe(409);
    expect(stale.json.error).toBe('A commit has happened since. Please refresh and try again.');
    expect(tip('alice/guard')).toBe(b.json.commitOid);
    const short = await commit('alice/guard', [header('c', { parentCommit: b.json.commitOid.slice(0, 7) }), file('c.txt', 'c')]);
    expect(short.status, short.text).toBe(200);

    const before = tip('alice/guard');
    const missing = randomBytes(100);
    const m = await commit('alice/guard', [header('m'), file('ok.txt', 'ok'), lfsFile('w/missing.bin', missing)]);
    expect(m.status).toBe(422);
    expect(m.json.error).toContain('w/missing.bin');
    const asFile = await commit('alice/guard', [header('m'), file('p.bin', pointer(missing))]); // a pointer sent as a regular file
    expect([asFile.status, asFile.json.error.includes('p.bin')]).toEqual([422, true]);
    await uploadLfs('alice/guard', missing);
    const wrongSize = await commit('alice/guard', [header('m'), { key: 'lfsFile', value: { path: 'w.bin', algo: 'sha256', oid: sha256(missing), size: 99 } }]);
    expect(wrongSize.status).toBe(422);
    expect(tip('alice/guard')).toBe(before);
    // another repository's upload does not count for this one
    await createRepo('guard2');
    expect((await commit('alice/guard2', [header('x'), lfsFile('w.bin', missing)])).status).toBe(422);
  });

  it('refuses bad paths, malformed payloads, non-branch revisions and pull requests with 400/404, changing nothing', async () => {
    await createRepo('bad');
    const start = await commit('alice/bad', [header('start'), file('f', 'f'), file('dir/x', 'x')]);
    expect(start.status).toBe(200);
    execFileSync('git', ['--git-dir', bare('alice/bad'), 'tag', 'v1', start.json.commitOid]);
    const cases: Array<[string, Line[] | string, number, { rev?: string; query?: string }?]> = [
      ['dot-dot', [header('x'), file('../escape', 'x')], 400],
      ['absolute', [header('x'), file('/etc/x', 'x')], 400],
      ['.git component', [header('x'), file('a/.git/config', 'x')], 400],
      ['.GIT', [header('x'), file('.GIT/hooks/x', 'x')], 400],
      ['empty component', [header('x'), file('a//b', 'x')], 400],
      ['NUL', [header('x'), file('a\u0000b', 'x')], 400],
      ['under a file', [header('x'), file('f/g', 'x')], 400],
      ['over a folder', [header('x'), file('dir', 'x')], 400],
      ['delete missing', [header('x'), { key: 'deletedFile', value: { path: 'nope' } }], 404],
      ['delete missing folder', [header('x'), { key: 'deletedFolder', value: { path: 'nope' } }], 404],
      ['not JSON', `${JSON.stringify(header('x'))}\n{not json`, 400],
      ['no header first', [file('a', 'x'), header('x')], 400],
      ['empty body', '', 400],
      ['no summary', [{ key: 'header', value: { description: 'd' } }, file('a', 'x')], 400],
      ['unknown key', [header('x'), { key: 'renamedFile', value: { path: 'a' } }], 400],
      ['bad base64', [header('x'), { key: 'file', value: { path: 'a', content: '***', encoding: 'base64' } }], 400],
      ['bad oid', [header('x'), { key: 'lfsFile', value: { path: 'a', algo: 'sha256', oid: 'abc', size: 1 } }], 400],
      ['bad parentCommit', [header('x', { parentCommit: 'zz' }), file('a', 'x')], 400],
      ['tag', [header('x'), file('a', 'x')], 400, { rev: 'v1' }],
      ['commit id', [header('x'), file('a', 'x')], 400, { rev: start.json.commitOid }],
      ['unknown branch', [header('x'), file('a', 'x')], 404, { rev: 'dev' }],
      ['create_pr', [header('x'), file('a', 'x')], 400, { query: '?create_pr=1' }],
    ];
    for (const [what, lines, status, opts] of cases) {
      const r = await commit('alice/bad', lines, opts);
      expect(r.status, `${what}: ${r.text}`).toBe(status);
      expect(r.json?.error, what).toBeTypeOf('string');
      if (status === 400) expect(r.headers['x-error-code'], what).toBe('BadRequest');
      if (what === 'unknown branch') expect(r.headers['x-error-code']).toBe('RevisionNotFound');
      if (what.startsWith('delete missing')) expect(r.headers['x-error-code']).toBe('EntryNotFound');
    }
    expect(tip('alice/bad')).toBe(start.json.commitOid);
    expect(paths('alice/bad')).toEqual(['dir/x', 'f']);
  });

  it('needs write access: read-only token 403, another user 403 (public) or 404 RepoNotFound (private), anonymous and unknown names like a missing repository', async () => {
    await createRepo('pub');
    await createRepo('priv', { private: true });
    const routes = [
      (repo: string, token?: string) => preupload(repo, [{ path: 'a', size: 1, sample: b64('a') }], { token }),
      (repo: string, token?: string) => http('POST', `/api/models/${repo}/commit/main`, { token, body: ndjson([header('x'), file('a', 'a')]), type: 'application/x-ndjson' }),
    ];
    for (const send of routes) {
      expect((await send('alice/pub', tok.aliceRead)).status).toBe(403);
      expect((await send('alice/pub', tok.bob)).status).toBe(403);
      expect((await send('alice/pub', 'hub_wrong')).status).toBe(401);
      for (const who of [tok.bob, undefined]) {
        const hidden = await send('alice/priv', who);
        const missing = await send('alice/nope', who);
        expect([hidden.status, hidden.headers['x-error-code']]).toEqual([404, 'RepoNotFound']);
        expect(hidden.text).toBe(missing.text);
        expect(hidden.text).not.toContain('priv');
      }
    }
    expect(paths('alice/pub')).toEqual([]);
    expect(paths('alice/priv')).toEqual([]);
  });

  it('concurrent commits to one branch: without parentCommit all land, one after the other; with the same parentCommit exactly one wins', async () => {
    await createRepo('race');
    const base = await commit('alice/race', [header('base'), file('base.txt', 'b')]);
    const all = await Promise.all([0, 1, 2, 3, 4].map((i) => commit('alice/race', [header(`c${i}`), file(`f${i}.txt`, `${i}`)])));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(paths('alice/race')).toEqual(['base.txt', 'f0.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'f4.txt']);
    const log = execFileSync('git', ['--git-dir', bare('alice/race'), 'rev-list', '--parents', 'main'], { encoding: 'utf8' }).trim().split('\n');
    expect(log).toHaveLength(6);
    expect(log.every((l) => l.split(' ').length <= 2)).toBe(true); // linear history
    expect(new Set(all.map((r) => r.json.commitOid)).size).toBe(5);

    const parent = tip('alice/race');
    const raced = await Promise.all([0, 1, 2].map((i) => commit('alice/race', [header(`p${i}`, { parentCommit: parent }), file(`p${i}.txt`, `${i}`)])));
    expect(raced.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const winner = raced.find((r) => r.status === 200)!;
    expect(tip('alice/race')).toBe(winner.json.commitOid);
    expect(paths('alice/race').filter((p) => p.startsWith('p'))).toHaveLength(1);
    expect(base.status).toBe(200);
  });

  it('signed LFS upload hrefs: a PUT without a valid grant is refused like any anonymous write', async () => {
    await createRepo('grants');
    const bytes = randomBytes(1000);
    const body = JSON.stringify({ operation: 'upload', transfers: ['basic'], hash_algo: 'sha_256', objects: [{ oid: sha256(bytes), size: bytes.length }] });
    const b = await http('POST', '/alice/grants.git/info/lfs/objects/batch', { token: tok.alice, body, type: LFS });
    const href = new URL(b.json.objects[0].actions.upload.href);
    expect(href.searchParams.get('grant')).toMatch(/^\d+\.[0-9a-f]{64}$/);
    const forged = new URL(href);
    forged.searchParams.set('grant', href.searchParams.get('grant')!.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
    const other = new URL(href.href.replace(sha256(bytes), sha256(Buffer.from('other'))));
    for (const url of [forged, other, new URL(href.pathname, href)]) {
      const put = await request(url, { method: 'PUT', body: url === other ? Buffer.from('other') : bytes });
      expect(put.statusCode, url.href).toBe(401);
      await put.body.text();
    }
    const ok = await request(href, { method: 'PUT', body: bytes });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
  });
});
