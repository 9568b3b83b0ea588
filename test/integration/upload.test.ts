// `hub upload` against a real `hub serve`: files and folders committed without a clone, large
// files through the store and the chunk transfer (only new chunks move), errors by exit code; and
// `hub clone OWNER/NAME` of a dataset naming the form that works.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, expectCleanClones } from '../helpers/clean-clones.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'filter=lfs diff=lfs merge=lfs -text';

describe('hub upload against hub serve', () => {
  let s: TestServer;
  let readToken: string;
  const user = () => ({ ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken, HUB_ENDPOINT: s.url });
  const create = (repo: string, ...flags: string[]) => runHubJson(['repo', 'create', repo, ...flags, '--endpoint', s.url, '--token', s.adminToken]);
  /** The commit the server's `main` of `path` is at (git ls-remote, independent of hub's client). */
  const tip = (path: string) => gitClient().run(tmpDir(), 'ls-remote', authUrl(s.host, `/${path}`, s.adminToken), 'refs/heads/main').split('\t')[0];

  beforeAll(async () => {
    s = await startHubServe();
    readToken = (await runHubJson(['token', 'create', '--root', s.root, '--user', 'rita'])).token;
  });
  afterAll(async () => s?.stop());

  it('a folder (recursively) and a single file at --path-in-repo become one commit; clones hold the bytes', async () => {
    await create('admin/up');
    const env = user();
    const dir = tmpDir();
    mkdirSync(join(dir, 'model/sub'), { recursive: true });
    mkdirSync(join(dir, 'model/.git'));
    const files = {
      'config.json': '{"hidden": 8}\n',
      'sub/notes.txt': 'notes\n',
      'sub/tiny.bin': Buffer.concat([Buffer.from('bin'), Buffer.alloc(3), bytesOf('tiny', 200)]), // a NUL byte: LFS, as the HF Hub keeps binaries out of git
    };
    for (const [p, bytes] of Object.entries(files)) writeFileSync(join(dir, 'model', p), bytes);
    makeModel(join(dir, 'model/model.safetensors'), '2MiB', 7); // its header's length field holds NUL bytes: LFS
    const weights = readFileSync(join(dir, 'model/model.safetensors'));
    writeFileSync(join(dir, 'model/.git/config'), 'not uploaded\n');
    writeFileSync(join(dir, 'README.md'), '# up\n');

    const r = await runHubJson(['upload', 'admin/up', 'model', '-m', 'first upload'], { cwd: dir, env });
    expect(r).toMatchObject({ remote: `${s.url}/admin/up`, revision: 'main', transfer: 'xet', objects: { checked: 2, uploaded: 2 } });
    expect(r.files.map((f: { path: string; large: boolean }) => [f.path, f.large])).toEqual([
      ['config.json', false],
      ['model.safetensors', true],
      ['sub/notes.txt', false],
      ['sub/tiny.bin', true],
    ]);
    expect(r.bytesSent).toBeGreaterThanOrEqual(weights.length);
    expect(tip('admin/up')).toBe(r.commit);

    const second = await runHubJson(['upload', 'admin/up', 'README.md', '--path-in-repo', 'docs/README.md'], { cwd: dir, env });
    expect(second.files).toEqual([{ path: 'docs/README.md', size: 5, large: false }]);
    expect(second.bytesSent).toBe(0);

    // hf's rule: paths that are LFS get a `--filename` line in the root .gitattributes (bytes not checked)
    await expectCleanClones(s, 'admin/up', { ...files, 'model.safetensors': weights, 'docs/README.md': '# up\n', '.gitattributes': null });
    const clone = tmpDir();
    gitClient().run(clone, 'clone', '-q', authUrl(s.host, '/admin/up', s.adminToken), 'c');
    expect(gitClient().run(join(clone, 'c'), 'log', '--format=%s', '-2').trim().split('\n')).toEqual(['Upload docs/README.md with hub', 'first upload']);
    expect(readFileSync(join(clone, 'c', '.gitattributes'), 'utf8')).toContain(`model.safetensors ${LFS}`);
  });

  it('a second upload of a slightly changed large file sends only the changed chunks; an unchanged one sends nothing', async () => {
    await create('admin/again');
    const env = user();
    const dir = tmpDir();
    const model = join(dir, 'model.safetensors');
    makeModel(model, '12MiB', 41, 48);
    const size = readFileSync(model).length;
    const first = await runHubJson(['upload', 'admin/again', 'model.safetensors'], { cwd: dir, env });
    expect(first.bytesSent).toBeGreaterThanOrEqual(size);

    mutateModel(model, join(dir, 'next'), 0.05, 42); // about 2 of 48 tensors change
    renameSync(join(dir, 'next'), model);
    const second = await runHubJson(['upload', 'admin/again', 'model.safetensors', '-m', 'fine-tune'], { cwd: dir, env });
    expect(second.objects).toEqual({ checked: 1, uploaded: 1 });
    expect(second.bytesSent).toBeGreaterThan(0);
    expect(second.bytesSent).toBeLessThan(size / 4);

    const third = await runHubJson(['upload', 'admin/again', 'model.safetensors', '-m', 'same bytes'], { cwd: dir, env });
    expect(third.objects).toEqual({ checked: 1, uploaded: 0 });
    expect(third.bytesSent).toBe(0);
    await expectCleanClones(s, 'admin/again', { 'model.safetensors': readFileSync(model), '.gitattributes': null });
  });

  it('a .gitattributes uploaded with the files decides which of them are large (the client sends them through the store)', async () => {
    await create('admin/attrs');
    const dir = tmpDir();
    writeFileSync(join(dir, '.gitattributes'), `*.csv ${LFS}\n`);
    writeFileSync(join(dir, 'rows.csv'), 'id,v\n1,2\n');
    writeFileSync(join(dir, 'notes.txt'), 'plain\n');
    const r = await runHubJson(['upload', 'admin/attrs', '.gitattributes', 'rows.csv', 'notes.txt'], { cwd: dir, env: user() });
    expect(r.files.map((f: { path: string; large: boolean }) => [f.path, f.large])).toEqual([
      ['.gitattributes', false],
      ['rows.csv', true],
      ['notes.txt', false],
    ]);
    expect(r.objects).toEqual({ checked: 1, uploaded: 1 });
    await expectCleanClones(s, 'admin/attrs', { '.gitattributes': `*.csv ${LFS}\n`, 'rows.csv': 'id,v\n1,2\n', 'notes.txt': 'plain\n' });
  });

  it('errors: no such repository or branch (3), no write access (4), a missing local file (3); nothing is committed', async () => {
    await create('admin/guarded');
    const dir = tmpDir();
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    const env = user();
    const before = await runHubJson(['upload', 'admin/guarded', 'a.txt'], { cwd: dir, env });

    const missing = await runHub(['upload', 'admin/no-such-repo', 'a.txt'], { cwd: dir, env });
    expect(missing.code, missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(/not found/i);
    const branch = await runHub(['upload', 'admin/guarded', 'a.txt', '--revision', 'no-such-branch'], { cwd: dir, env });
    expect(branch.code, branch.stderr).toBe(3);
    const readOnly = await runHub(['upload', 'admin/guarded', 'a.txt'], { cwd: dir, env: { ...env, HUB_TOKEN: readToken } });
    expect(readOnly.code, readOnly.stderr).toBe(4);
    const anonymous = await runHub(['upload', 'admin/guarded', 'a.txt'], { cwd: dir, env: { ...env, HUB_TOKEN: undefined } });
    expect(anonymous.code, anonymous.stderr).toBe(4);
    const noFile = await runHub(['upload', 'admin/guarded', 'nope.txt'], { cwd: dir, env });
    expect(noFile.code, noFile.stderr).toBe(3);
    expect(noFile.stderr).toContain('nope.txt');
    expect(tip('admin/guarded')).toBe(before.commit);
  });

  it('a dataset: upload with --repo-type dataset; `hub clone OWNER/NAME` says it is a dataset (exit 3); a missing repository stays a plain not found', async () => {
    await create('admin/squad', '--dataset');
    const env = user();
    const dir = tmpDir();
    writeFileSync(join(dir, 'train.csv'), 'q,a\nwhy,because\n');
    const up = await runHubJson(['upload', 'admin/squad', 'train.csv', '--repo-type', 'dataset'], { cwd: dir, env });
    expect(up.remote).toBe(`${s.url}/datasets/admin/squad`);

    const wrong = await runHub(['clone', 'admin/squad'], { cwd: dir, env });
    expect(wrong.code, wrong.stderr).toBe(3);
    expect(wrong.stderr).toContain('admin/squad is a dataset: hub clone datasets/admin/squad');
    const json = await runHub(['clone', 'admin/squad', '--json'], { cwd: dir, env });
    expect(JSON.parse(json.stdout).error).toMatchObject({ exitCode: 3 });
    const missing = await runHub(['clone', 'admin/nothing-here'], { cwd: dir, env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).not.toContain('is a dataset');

    const ok = await runHubJson(['clone', 'datasets/admin/squad'], { cwd: dir, env });
    expect(readFileSync(join(ok.path, 'train.csv'), 'utf8')).toBe('q,a\nwhy,because\n');
  });
});
