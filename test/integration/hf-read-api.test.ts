/**
 * The read half of the Hugging Face–compatible API of `hub serve` (issue 7; src/server/hf-read.ts,
 * hf-resolve.ts), against a real server and repositories written by `hub push`: repository
 * info, tree listings with pagination, paths-info (JSON and form bodies), resolve and raw with
 * ranges; revisions and paths in every encoding the JS and Python clients send; the error
 * answers (`X-Error-Code` + JSON `{"error"}`) of every route; and a private repository that
 * every route hides from anyone but its members.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, type Answer } from '../helpers/http-answer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverContent } from '../helpers/server-content.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';


const json = (a: Answer) => JSON.parse(a.body.toString('utf8'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** An HF error answer: status, `X-Error-Code` (when given), JSON `{"error"}` body. */
function expectHfError(a: Answer, status: number, code?: string, what = ''): void {
  expect(a.status, `${what} ${a.body.toString()}`).toBe(status);
  if (code) expect(a.headers['x-error-code'], what).toBe(code);
  expect(String(a.headers['content-type']), what).toMatch(/^application\/json/);
  if (a.body.length > 0) expect(typeof json(a).error, what).toBe('string'); // HEAD answers have no body
}

/** Follows `Link: <url>; rel="next"` from `first`, returning every page's entries in order. */
async function allPages(first: string, headers: Record<string, string> = {}): Promise<{ pages: number; entries: any[]; links: string[] }> {
  const entries: any[] = [];
  const links: string[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const a = await http(url, { headers });
    expect(a.status, a.body.toString()).toBe(200);
    entries.push(...json(a));
    pages++;
    const link = a.headers.link as string | undefined;
    url = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
    if (link) links.push(link);
    expect(pages).toBeLessThan(50);
  }
  return { pages, entries, links };
}

describe('HF read API of hub serve', () => {
  let s: TestServer;
  let dir: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: { ...process.env, ...ID } }).trim();
  const bareOf = (repo: string) => join(s.root, 'repos', `${repo}.git`);
  const rev = {} as Record<'main' | 'dev' | 'v1', string>;
  let model: Buffer;
  const tokens = {} as Record<'aliceRead' | 'aliceWrite' | 'bob', string>;
  const many = Array.from({ length: 12 }, (_, i) => `many/f${String(i).padStart(2, '0')}.txt`);

  beforeAll(async () => {
    s = await startHubServe();
    // admin/m: a 3 MiB model (LFS), small files, nested directories; tag v1 on main, branch dev
    let env: Record<string, string>;
    ({ dir, env } = await localRepoWithRemote(s, 'admin/m'));
    makeModel(join(dir, 'model.safetensors'), '3MiB', 71);
    model = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'config.json'), '{"hidden": 8}\n');
    writeFileSync(join(dir, 'with space.txt'), 'spaced\n');
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'd.txt'), 'd\n');
    writeFileSync(join(dir, 'a', 'b', 'c.txt'), 'c'.repeat(3000));
    mkdirSync(join(dir, 'many'));
    for (const f of many) writeFileSync(join(dir, f), `${f}\n`);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'first'], { cwd: dir, env });
    await runHubJson(['tag', 'v1'], { cwd: dir, env });
    await runHubJson(['push', '--tags'], { cwd: dir, env });
    await runHubJson(['switch', '-c', 'dev'], { cwd: dir, env });
    writeFileSync(join(dir, 'config.json'), '{"hidden": 16}\n');
    writeFileSync(join(dir, 'dev-only.txt'), 'dev\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'dev change'], { cwd: dir, env });
    await runHubJson(['push'], { cwd: dir, env });
    await runHubJson(['switch', 'main'], { cwd: dir, env });
    for (const r of ['main', 'dev', 'v1'] as const) rev[r] = git(dir, 'rev-parse', `${r}^{commit}`);
    // a pull-request ref, as the HF Hub has them (refs/pr/N): made on the server side
    git(bareOf('admin/m'), 'update-ref', 'refs/pr/1', rev.dev);

    for (const [key, user, write] of [['aliceRead', 'alice', false], ['aliceWrite', 'alice', true], ['bob', 'bob', true]] as const) {
      tokens[key] = (await runHubJson(['token', 'create', '--root', s.root, '--user', user, ...(write ? ['--write'] : [])])).token;
    }
    // alice/priv: private, with a small LFS file and a text file
    await runHubJson(['repo', 'create', 'alice/priv', '--private', '--endpoint', s.url, '--token', tokens.aliceWrite]);
    const penv = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: tokens.aliceWrite };
    const p = tmpDir();
    await runHubJson(['init'], { cwd: p, env: penv });
    await runHubJson(['track', '*.bin'], { cwd: p, env: penv });
    await runHubJson(['remote', 'add', 'origin', `${s.url}/alice/priv`], { cwd: p, env: penv });
    writeFileSync(join(p, 'secret.bin'), Buffer.alloc(5000, 7));
    writeFileSync(join(p, 'notes.txt'), 'private notes\n');
    await runHubJson(['add', '-A'], { cwd: p, env: penv });
    await runHubJson(['commit', '-m', 'private'], { cwd: p, env: penv });
    await runHubJson(['push'], { cwd: p, env: penv });
    // a dataset and an empty model repository
    await runHubJson(['repo', 'create', 'admin/ds', '--dataset', '--endpoint', s.url, '--token', s.adminToken]);
    const denv = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    const d = tmpDir();
    await runHubJson(['init'], { cwd: d, env: denv });
    await runHubJson(['remote', 'add', 'origin', `${s.url}/datasets/admin/ds`], { cwd: d, env: denv });
    writeFileSync(join(d, 'data.csv'), 'id,x\n1,2\n');
    await runHubJson(['add', '-A'], { cwd: d, env: denv });
    await runHubJson(['commit', '-m', 'data'], { cwd: d, env: denv });
    await runHubJson(['push'], { cwd: d, env: denv });
    await runHubJson(['repo', 'create', 'admin/empty', '--endpoint', s.url, '--token', s.adminToken]);
  });
  afterAll(async () => s?.stop());

  const api = (path: string) => `${s.url}/api/models/admin/m${path}`;
  const blobId = (r: string, path: string) => git(dir, 'rev-parse', `${r}:${path}`);

  describe('repository info', () => {
    it('GET /api/models/O/N: the HF shape, sha of main, every file as a sibling', async () => {
      const a = await http(api(''));
      expect(a.status, a.body.toString()).toBe(200);
      const info = json(a);
      expect(info).toMatchObject({ id: 'admin/m', modelId: 'admin/m', author: 'admin', sha: rev.main, private: false, disabled: false, gated: false, downloads: 0, likes: 0, tags: [] });
      expect(info._id).toMatch(/^[0-9a-z]{24}$/);
      expect(new Date(info.lastModified).toISOString()).toBe(info.lastModified);
      expect(new Date(info.createdAt).toISOString()).toBe(info.createdAt);
      const files = info.siblings.map((x: { rfilename: string }) => x.rfilename).sort();
      expect(files).toEqual(['.gitattributes', 'a/b/c.txt', 'a/d.txt', 'config.json', ...many, 'model.safetensors', 'with space.txt'].sort());
    });

    it('.../revision/REV: branch, tag, sha (full and short), HEAD, encoded full refs', async () => {
      const cases: Array<[string, string]> = [
        ['dev', rev.dev], ['v1', rev.v1], [rev.dev, rev.dev], [rev.dev.slice(0, 8), rev.dev], ['HEAD', rev.main],
        ['refs%2Fheads%2Fdev', rev.dev], ['refs%2Ftags%2Fv1', rev.v1], ['refs%2Fpr%2F1', rev.dev], ['refs/pr/1', rev.dev],
      ];
      for (const [r, sha] of cases) {
        const a = await http(api(`/revision/${r}`));
        expect(a.status, `${r}: ${a.body.toString()}`).toBe(200);
        expect(json(a).sha, r).toBe(sha);
      }
      const dev = json(await http(api('/revision/dev')));
      expect(dev.siblings.map((x: { rfilename: string }) => x.rfilename)).toContain('dev-only.txt');
    });

    it('expand=K returns only _id, id and the keys asked for (what @huggingface/hub modelInfo sends); blobs=true adds blob ids, sizes and lfs', async () => {
      const q = ['pipeline_tag', 'private', 'gated', 'downloads', 'likes', 'lastModified', 'sha'].map((k) => `expand=${k}`).join('&');
      const info = json(await http(api(`/revision/HEAD?${q}`)));
      expect(Object.keys(info).sort()).toEqual(['_id', 'downloads', 'gated', 'id', 'lastModified', 'likes', 'private', 'sha']);
      const blobs = json(await http(api('?blobs=true')));
      const m = blobs.siblings.find((x: { rfilename: string }) => x.rfilename === 'model.safetensors');
      expect(m).toEqual({ rfilename: 'model.safetensors', blobId: blobId('main', 'model.safetensors'), size: model.length, lfs: { sha256: sha256(model), size: model.length, pointerSize: expect.any(Number) } });
      const c = blobs.siblings.find((x: { rfilename: string }) => x.rfilename === 'config.json');
      expect(c).toEqual({ rfilename: 'config.json', blobId: blobId('main', 'config.json'), size: 14 });
    });

    it('a dataset (no modelId) and an empty repository (no sha, no siblings; its main is no revision yet)', async () => {
      const ds = json(await http(`${s.url}/api/datasets/admin/ds`));
      expect(ds).toMatchObject({ id: 'admin/ds', author: 'admin', private: false, siblings: [{ rfilename: 'data.csv' }] });
      expect(ds.modelId).toBeUndefined();
      const empty = await http(`${s.url}/api/models/admin/empty`);
      expect(empty.status).toBe(200);
      expect(json(empty)).toMatchObject({ id: 'admin/empty', siblings: [] });
      expect(json(empty).sha).toBeUndefined();
      expect(json(await http(`${s.url}/api/models/admin/empty/revision/HEAD`)).siblings).toEqual([]);
      expectHfError(await http(`${s.url}/api/models/admin/empty/revision/main`), 404, 'RevisionNotFound');
      expectHfError(await http(`${s.url}/api/models/admin/empty/tree/main`), 404, 'RevisionNotFound');
    });

    it('errors: missing repository, unknown and malformed revisions, bad query values, wrong method', async () => {
      expectHfError(await http(`${s.url}/api/models/admin/nope`), 404, 'RepoNotFound');
      expectHfError(await http(`${s.url}/api/datasets/admin/m`), 404, 'RepoNotFound'); // a model is no dataset
      expectHfError(await http(api('/revision/nope')), 404, 'RevisionNotFound');
      expectHfError(await http(api('/revision/refs%2Fheads%2Fnope')), 404, 'RevisionNotFound');
      for (const bad of ['-x', '--output%3D%2Ftmp%2Fx', 'main~1', 'main%5E', 'a..b', '%40%7B0%7D', 'main%3Aconfig.json']) {
        expectHfError(await http(api(`/revision/${bad}`)), 400, 'BadRequest', bad);
      }
      expectHfError(await http(api('?blobs=maybe')), 400);
      expectHfError(await http(api(''), { method: 'POST', body: '{}' }), 405);
    });
  });

  describe('tree', () => {
    it('one level at the root: files (LFS with the real size) and directories', async () => {
      const entries = json(await http(api('/tree/main')));
      const byPath = Object.fromEntries(entries.map((e: { path: string }) => [e.path, e]));
      expect(Object.keys(byPath).sort()).toEqual(['.gitattributes', 'a', 'config.json', 'many', 'model.safetensors', 'with space.txt']);
      expect(byPath['model.safetensors']).toEqual({ type: 'file', oid: blobId('main', 'model.safetensors'), size: model.length, path: 'model.safetensors', lfs: { oid: sha256(model), size: model.length, pointerSize: expect.any(Number) } });
      expect(byPath['model.safetensors'].lfs.pointerSize).toBeGreaterThan(100);
      expect(byPath['model.safetensors'].lfs.pointerSize).toBeLessThan(200);
      expect(byPath['config.json']).toEqual({ type: 'file', oid: blobId('main', 'config.json'), size: 14, path: 'config.json' });
      expect(byPath.a).toEqual({ type: 'directory', oid: blobId('main', 'a'), size: 0, path: 'a' });
    });

    it('recursive=true lists everything below, directories included; a sub-path with its / encoded or not', async () => {
      const all = json(await http(api('/tree/main?recursive=true')));
      const paths = all.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['a', 'a/b', 'a/b/c.txt', 'a/d.txt', 'many', ...many, 'model.safetensors']));
      expect(paths).toHaveLength(6 + 3 + many.length); // the root entries, a/b a/b/c.txt a/d.txt, many/*
      expect(all.find((e: { path: string }) => e.path === 'a/b/c.txt')).toEqual({ type: 'file', oid: blobId('main', 'a/b/c.txt'), size: 3000, path: 'a/b/c.txt' });
      const sub = json(await http(api('/tree/main/a')));
      expect(sub.map((e: { path: string }) => e.path)).toEqual(['a/b', 'a/d.txt']);
      for (const form of ['/tree/main/a/b', '/tree/main/a%2Fb', '/tree/main/a/b/', '/tree/main/a%2Fb?recursive=1', '/tree/main/a?recursive=True']) {
        const got = json(await http(api(form))).map((e: { path: string }) => e.path);
        expect(got, form).toEqual(form.endsWith('a?recursive=True') ? ['a/b', 'a/b/c.txt', 'a/d.txt'] : ['a/b/c.txt']);
      }
    });

    it('revisions: branch, tag, sha, refs/... encoded and not', async () => {
      for (const r of ['dev', rev.dev, 'refs%2Fheads%2Fdev', 'refs/heads/dev', 'refs%2Fpr%2F1', 'refs/pr/1']) {
        const entries = json(await http(api(`/tree/${r}`)));
        expect(entries.map((e: { path: string }) => e.path), r).toContain('dev-only.txt');
      }
      const tagged = json(await http(api('/tree/v1')));
      expect(tagged.map((e: { path: string }) => e.path)).not.toContain('dev-only.txt');
      expect(json(await http(api('/tree/refs/heads/dev/a'))).map((e: { path: string }) => e.path)).toEqual(['a/b', 'a/d.txt']);
    });

    it('pages of `limit` entries linked by absolute Link rel="next" URLs; following them gives the whole listing once', async () => {
      const whole = json(await http(api('/tree/main/many')));
      expect(whole.map((e: { path: string }) => e.path)).toEqual(many);
      const paged = await allPages(api('/tree/main/many?limit=5'));
      expect(paged.pages).toBe(3);
      expect(paged.entries).toEqual(whole);
      for (const link of paged.links) expect(link).toMatch(new RegExp(`^<${s.url}/api/models/admin/m/tree/main/many\\?[^>]*cursor=[^>]+>; rel="next"$`));
      // recursively over the whole repository, with a revision encoded as one segment
      const full = json(await http(api('/tree/refs%2Fheads%2Fmain?recursive=true')));
      const rec = await allPages(api('/tree/refs%2Fheads%2Fmain?recursive=true&limit=7'));
      expect(rec.entries).toEqual(full);
      expect(rec.pages).toBe(Math.ceil(full.length / 7));
      // limit is clamped to 1..1000
      expect(json(await http(api('/tree/main/many?limit=0')))).toHaveLength(1);
      expect(json(await http(api('/tree/main/many?limit=5000')))).toHaveLength(many.length);
    });

    it('a cursor pins the commit of the first page: a branch that moves meanwhile does not mix two trees', async () => {
      const bare = bareOf('admin/m');
      const first = await http(api('/tree/dev?limit=2'));
      const next = /^<([^>]+)>/.exec(String(first.headers.link))![1];
      git(bare, 'update-ref', 'refs/heads/dev', rev.main, rev.dev);
      try {
        const rest = await allPages(next);
        const paths = [...json(first), ...rest.entries].map((e: { path: string }) => e.path);
        expect(paths).toContain('dev-only.txt'); // the tree of the old dev
        expect(json(await http(api('/tree/dev'))).map((e: { path: string }) => e.path)).not.toContain('dev-only.txt');
      } finally {
        git(bare, 'update-ref', 'refs/heads/dev', rev.dev, rev.main);
      }
    });

    it('expand=true adds lastCommit {id, title, date} to each entry', async () => {
      const entries = json(await http(api('/tree/dev?expand=true')));
      const byPath = Object.fromEntries(entries.map((e: { path: string }) => [e.path, e]));
      expect(byPath['dev-only.txt'].lastCommit).toEqual({ id: rev.dev, title: 'dev change', date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
      expect(byPath['model.safetensors'].lastCommit).toMatchObject({ id: rev.main, title: 'first' });
      expect(byPath.a.lastCommit).toMatchObject({ id: rev.main });
    });

    it('errors: unknown revision, missing path, a file path, bad limit, recursive or cursor', async () => {
      expectHfError(await http(api('/tree/nope')), 404, 'RevisionNotFound');
      expectHfError(await http(api('/tree/refs%2Fpr%2F2')), 404, 'RevisionNotFound');
      expectHfError(await http(api('/tree/main/nope')), 404, 'EntryNotFound');
      expectHfError(await http(api('/tree/main/config.json')), 404, 'EntryNotFound');
      expectHfError(await http(api('/tree/main/a%2Fb%2Fc.txt')), 404, 'EntryNotFound');
      expectHfError(await http(api('/tree/main?limit=ten')), 400);
      expectHfError(await http(api('/tree/main?recursive=yes')), 400);
      expectHfError(await http(api('/tree/main?cursor=nonsense')), 400);
      const forged = Buffer.from(`${'0'.repeat(40)}:0`).toString('base64url');
      expectHfError(await http(api(`/tree/main?cursor=${forged}`)), 400);
      expectHfError(await http(api('/tree/-main')), 400);
      expectHfError(await http(`${s.url}/api/models/admin/nope/tree/main`), 404, 'RepoNotFound');
    });
  });

  describe('paths-info', () => {
    const url = () => api('/paths-info/main');

    it('JSON {paths, expand}: entries of the paths that exist, in the order asked', async () => {
      const a = await http(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: ['config.json', 'nope.txt', 'model.safetensors', 'a', 'a/b/c.txt'] }) });
      expect(a.status, a.body.toString()).toBe(200);
      expect(json(a)).toEqual([
        { type: 'file', oid: blobId('main', 'config.json'), size: 14, path: 'config.json' },
        { type: 'file', oid: blobId('main', 'model.safetensors'), size: model.length, path: 'model.safetensors', lfs: { oid: sha256(model), size: model.length, pointerSize: expect.any(Number) } },
        { type: 'directory', oid: blobId('main', 'a'), size: 0, path: 'a' },
        { type: 'file', oid: blobId('main', 'a/b/c.txt'), size: 3000, path: 'a/b/c.txt' },
      ]);
      const expanded = json(await http(api('/paths-info/dev'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: ['dev-only.txt'], expand: true }) }));
      expect(expanded).toEqual([expect.objectContaining({ path: 'dev-only.txt', lastCommit: { id: rev.dev, title: 'dev change', date: expect.any(String) } })]);
    });

    it('form-encoded paths=a&paths=b&expand=True (what huggingface_hub sends), with an encoded revision', async () => {
      const body = new URLSearchParams([['paths', 'with space.txt'], ['paths', 'a/d.txt'], ['paths', '../etc'], ['expand', 'True']]).toString();
      const a = await http(api('/paths-info/refs%2Ftags%2Fv1'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(a.status, a.body.toString()).toBe(200);
      const entries = json(a);
      expect(entries.map((e: { path: string }) => e.path)).toEqual(['with space.txt', 'a/d.txt']);
      expect(entries[0].lastCommit.id).toBe(rev.main);
    });

    it('errors: not JSON, paths not a list of strings, unknown revision, GET', async () => {
      const post = (body: string, u = url()) => http(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expectHfError(await post('{nope'), 400);
      expectHfError(await post('{"paths": "config.json"}'), 400);
      expectHfError(await post('{"paths": [1]}'), 400);
      expectHfError(await post(JSON.stringify({ paths: Array.from({ length: 1001 }, (_, i) => `f${i}`) })), 400);
      expectHfError(await post('{"paths": []}', api('/paths-info/nope')), 404, 'RevisionNotFound');
      expectHfError(await post('{"paths": []}', `${s.url}/api/models/admin/nope/paths-info/main`), 404, 'RepoNotFound');
      expectHfError(await http(url()), 405);
    });
  });

  describe('resolve', () => {
    const resolve = (path: string, r = 'main') => `${s.url}/admin/m/resolve/${r}/${path}`;

    it('GET an LFS file: the real bytes, and the headers HF clients read', async () => {
      const a = await http(resolve('model.safetensors'));
      expect(a.status).toBe(200);
      expect(a.body.equals(model)).toBe(true);
      expect(a.headers).toMatchObject({
        'x-repo-commit': rev.main,
        etag: `"${sha256(model)}"`,
        'x-linked-etag': `"${sha256(model)}"`,
        'x-linked-size': String(model.length),
        'accept-ranges': 'bytes',
        'content-length': String(model.length),
        'content-type': 'application/octet-stream',
      });
      const head = await http(resolve('model.safetensors'), { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers).toMatchObject({ etag: `"${sha256(model)}"`, 'content-length': String(model.length), 'x-linked-size': String(model.length), 'x-repo-commit': rev.main });
    });

    it('Range: bytes=0-0 (what the JS client asks first), a middle range, a suffix, an open end; 416 outside', async () => {
      const n = model.length;
      const cases: Array<[string, number, number]> = [['bytes=0-0', 0, 1], ['bytes=1000000-1999999', 1000000, 2000000], ['bytes=-500', n - 500, n], [`bytes=${n - 10}-`, n - 10, n], [`bytes=${n - 3}-${n + 100}`, n - 3, n]];
      for (const [range, from, to] of cases) {
        const a = await http(resolve('model.safetensors'), { headers: { range } });
        expect(a.status, range).toBe(206);
        expect(a.headers['content-range'], range).toBe(`bytes ${from}-${to - 1}/${n}`);
        expect(a.headers['content-length'], range).toBe(String(to - from));
        expect(a.body.equals(model.subarray(from, to)), range).toBe(true);
        expect(a.headers.etag).toBe(`"${sha256(model)}"`);
      }
      const small = await http(resolve('a/b/c.txt'), { headers: { range: 'bytes=10-19' } });
      expect(small.status).toBe(206);
      expect(small.body.toString()).toBe('c'.repeat(10));
      expect(small.headers['content-range']).toBe('bytes 10-19/3000');
      for (const [path, size] of [['model.safetensors', n], ['config.json', 14]] as const) {
        const out = await http(resolve(path), { headers: { range: `bytes=${size}-` } });
        expectHfError(out, 416, undefined, path);
        expect(out.headers['content-range']).toBe(`bytes */${size}`);
      }
    });

    it('a regular file: the blob, ETag its git blob id, no X-Linked-*; nested paths with / encoded or not; every revision form', async () => {
      const a = await http(resolve('config.json'));
      expect(a.status).toBe(200);
      expect(a.body.toString()).toBe('{"hidden": 8}\n');
      expect(a.headers).toMatchObject({ etag: `"${blobId('main', 'config.json')}"`, 'x-repo-commit': rev.main, 'content-length': '14', 'accept-ranges': 'bytes' });
      expect(a.headers['x-linked-etag']).toBeUndefined();
      expect(a.headers['x-linked-size']).toBeUndefined();
      for (const path of ['a/b/c.txt', 'a%2Fb%2Fc.txt', 'a/b%2Fc.txt']) expect((await http(resolve(path))).body.toString(), path).toBe('c'.repeat(3000));
      expect((await http(resolve('with%20space.txt'))).body.toString()).toBe('spaced\n');
      for (const r of ['dev', rev.dev, rev.dev.slice(0, 10), 'refs%2Fheads%2Fdev', 'refs%2Fpr%2F1', 'refs/pr/1']) {
        const got = await http(resolve('config.json', r));
        expect(got.body.toString(), r).toBe('{"hidden": 16}\n');
        expect(got.headers['x-repo-commit'], r).toBe(rev.dev);
      }
      expect((await http(resolve('config.json', 'v1'))).body.toString()).toBe('{"hidden": 8}\n');
      expect((await http(resolve('config.json', 'refs%2Ftags%2Fv1'))).headers['x-repo-commit']).toBe(rev.v1);
    });

    it('raw serves the committed blob (the pointer of an LFS file); datasets under /datasets/', async () => {
      const raw = await http(`${s.url}/admin/m/raw/main/model.safetensors`);
      expect(raw.status).toBe(200);
      expect(raw.body.toString()).toMatch(new RegExp(`^version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(model)}\nsize ${model.length}\n$`));
      expect(raw.headers.etag).toBe(`"${blobId('main', 'model.safetensors')}"`);
      expect((await http(`${s.url}/admin/m/raw/main/nope`, { method: 'HEAD' })).status).toBe(404);
      const ds = await http(`${s.url}/datasets/admin/ds/resolve/main/data.csv`);
      expect(ds.status).toBe(200);
      expect(ds.body.toString()).toBe('id,x\n1,2\n');
      expectHfError(await http(`${s.url}/admin/ds/resolve/main/data.csv`), 404, 'RepoNotFound'); // not a model
    });

    it('errors: missing file, a directory, unknown or malformed revision, content the server does not hold, wrong method', async () => {
      expectHfError(await http(resolve('nope.bin')), 404, 'EntryNotFound');
      expectHfError(await http(resolve('nope.bin'), { method: 'HEAD' }), 404, 'EntryNotFound');
      expectHfError(await http(resolve('a')), 404, 'EntryNotFound');
      expectHfError(await http(resolve('a/b')), 404, 'EntryNotFound');
      expectHfError(await http(resolve('config.json', 'nope')), 404, 'RevisionNotFound');
      expectHfError(await http(resolve('config.json', 'refs%2Fpr%2F9')), 404, 'RevisionNotFound');
      expectHfError(await http(resolve('config.json', '-c')), 400);
      expectHfError(await http(resolve('config.json'), { method: 'POST', body: 'x' }), 405);
      expectHfError(await http(`${s.url}/admin/nope/resolve/main/config.json`), 404, 'RepoNotFound');
      // a pointer whose object the server does not hold (written into the bare repository behind the server's back)
      const bare = bareOf('admin/m');
      const ghostOid = sha256(Buffer.from('never uploaded'));
      const blob = execFileSync('git', ['--git-dir', bare, 'hash-object', '-w', '--stdin'], { input: `version https://git-lfs.github.com/spec/v1\noid sha256:${ghostOid}\nsize 14\n`, encoding: 'utf8' }).trim();
      const tree = execFileSync('git', ['--git-dir', bare, 'mktree'], { input: `100644 blob ${blob}\tghost.bin\n`, encoding: 'utf8' }).trim();
      const commit = execFileSync('git', ['--git-dir', bare, 'commit-tree', tree, '-m', 'ghost'], { encoding: 'utf8', env: { ...process.env, ...ID } }).trim();
      git(bare, 'update-ref', 'refs/heads/ghost', commit);
      const ghost = await http(resolve('ghost.bin', 'ghost'));
      expectHfError(ghost, 404, 'EntryNotFound');
      expect(ghost.body.toString()).not.toMatch(/store|manifest|xorb|sha256|\/tmp/);
      expect((await http(`${s.url}/admin/m/raw/ghost/ghost.bin`)).status).toBe(200); // the pointer itself is there
    });
  });

  describe('a private repository', () => {
    const routes: Array<[string, (who: Record<string, string>) => Promise<Answer>]> = [
      ['info', (h) => http(`${s.url}/api/models/alice/priv`, { headers: h })],
      ['info at a revision', (h) => http(`${s.url}/api/models/alice/priv/revision/main`, { headers: h })],
      ['tree', (h) => http(`${s.url}/api/models/alice/priv/tree/main?recursive=true`, { headers: h })],
      ['tree at a bad revision', (h) => http(`${s.url}/api/models/alice/priv/tree/nope`, { headers: h })],
      ['paths-info', (h) => http(`${s.url}/api/models/alice/priv/paths-info/main`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: '{"paths": ["notes.txt"]}' })],
      ['paths-info with a bad body', (h) => http(`${s.url}/api/models/alice/priv/paths-info/main`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: '{bad' })],
      ['resolve GET', (h) => http(`${s.url}/alice/priv/resolve/main/secret.bin`, { headers: h })],
      ['resolve HEAD', (h) => http(`${s.url}/alice/priv/resolve/main/secret.bin`, { method: 'HEAD', headers: h })],
      ['resolve Range', (h) => http(`${s.url}/alice/priv/resolve/main/notes.txt`, { headers: { ...h, range: 'bytes=0-0' } })],
      ['raw', (h) => http(`${s.url}/alice/priv/raw/main/notes.txt`, { headers: h })],
    ];
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

    it('every route answers 404 RepoNotFound anonymously and to another user, exactly as for a missing repository', async () => {
      for (const [who, headers] of [['anonymous', {}], ['bob', bearer(tokens.bob)]] as const) {
        for (const [what, send] of routes) {
          const hidden = await send(headers);
          expectHfError(hidden, 404, 'RepoNotFound', `${who} ${what}`);
          expect(hidden.body.toString().toLowerCase(), `${who} ${what}`).not.toContain('priv');
          expect(JSON.stringify(hidden.headers).toLowerCase()).not.toContain('priv');
          expect(hidden.body.includes(Buffer.alloc(16, 7)), `${who} ${what}`).toBe(false);
        }
      }
      // byte for byte what a repository that does not exist answers
      const missing = await http(`${s.url}/api/models/alice/nope`);
      const hidden = await http(`${s.url}/api/models/alice/priv`);
      expect(hidden.body.toString()).toBe(missing.body.toString());
    });

    it('a wrong token is refused (401 invalid token) the same on a private, a public and a missing repository', async () => {
      const answers: string[] = [];
      for (const repo of ['alice/priv', 'admin/m', 'alice/nope']) {
        const a = await http(`${s.url}/${repo}/resolve/main/notes.txt`, { headers: bearer('hub_notarealtoken') });
        expectHfError(a, 401, undefined, repo);
        expect(a.headers['www-authenticate']).toMatch(/Bearer/);
        answers.push(a.body.toString());
      }
      expect(new Set(answers).size).toBe(1);
      expect(answers[0]).not.toContain('priv');
      for (const [what, send] of routes) expect((await send(bearer('hub_notarealtoken'))).status, what).toBe(401);
    });

    it('a member token (read-only is enough) gets every route', async () => {
      const h = bearer(tokens.aliceRead);
      const expected: Record<string, number> = { 'tree at a bad revision': 404, 'paths-info with a bad body': 400, 'resolve Range': 206 };
      for (const [what, send] of routes) {
        const a = await send(h);
        expect(a.status, `${what}: ${a.body.toString()}`).toBe(expected[what] ?? 200);
      }
      const info = json(await http(`${s.url}/api/models/alice/priv`, { headers: h }));
      expect(info).toMatchObject({ id: 'alice/priv', private: true });
      const secret = await http(`${s.url}/alice/priv/resolve/main/secret.bin`, { headers: h });
      expect(secret.body.equals(Buffer.alloc(5000, 7))).toBe(true);
      expect(secret.headers['x-linked-size']).toBe('5000');
      expectHfError(await http(`${s.url}/api/models/alice/priv/tree/nope`, { headers: h }), 404, 'RevisionNotFound');
    });
  });

  // last: it damages alice/priv's object in the server's store
  it('a damaged LFS object is never served whole: the response is cut short before its last chunk', async () => {
    const content = serverContent(s);
    const secret = Buffer.alloc(5000, 7);
    let file: string | undefined;
    for (const x of (await content.xorbs()).keys()) if ((await content.readXorb(x)).includes(secret)) file = x;
    expect(file, 'the xorb holding secret.bin').toBeDefined();
    const bytes = await content.readXorb(file!);
    bytes[bytes.indexOf(secret) + 2500] ^= 0xff;
    await content.writeXorb(file!, bytes);
    const url = `${s.url}/alice/priv/resolve/main/secret.bin`;
    const got = await http(url, { headers: { authorization: `Bearer ${tokens.aliceRead}` } }).catch((err: Error) => err);
    if (!(got instanceof Error)) expect(got.body.length, 'a damaged object must not arrive whole').toBeLessThan(5000);
    expect((await http(url, { method: 'HEAD', headers: { authorization: `Bearer ${tokens.aliceRead}` } })).status).toBe(200); // the server itself is fine
  });

  it('git and LFS routes of the same repository still work beside the HF ones', async () => {
    const refs = await http(`${s.url}/admin/m.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    expect(refs.status).toBe(200);
    expect(refs.body.toString('latin1')).toContain('refs/heads/dev');
    const lfs = await http(`${s.url}/admin/m.git/info/lfs/objects/${sha256(model)}`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    expect(lfs.status).toBe(200);
    expect(lfs.body.equals(model)).toBe(true);
    expect(statSync(join(dir, 'model.safetensors')).size).toBe(model.length);
  });
});
