import { createHash } from 'node:crypto';
import { existsSync, readdirSync, openSync, readFileSync, renameSync, writeSync, closeSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const shaOf = (p: string) => sha(readFileSync(p));

/** Path -> sha256 of every file of one revision, as written by user A. */
type Revision = Record<string, string>;

describe('hub download against hub serve', () => {
  let s: TestServer;
  let url: string;
  let rev1: Revision;
  let rev2: Revision;
  let dev: Revision;
  let c1: string;
  let c2: string;
  const user = () => ({ ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken });

  /**
   * admin/dl: rev1 (tagged v1, annotated, through real git) of an 8 MiB model, a 2 MiB one in
   * sub/ and small files; rev2 on main changes the model and config.json; branch dev changes
   * config.json again.
   */
  beforeAll(async () => {
    s = await startHubServe();
    url = `${s.url}/admin/dl`;
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/dl');
    const snap = (paths: string[]): Revision => Object.fromEntries(paths.map((p) => [p, shaOf(join(a, p))]));
    const all = ['.gitattributes', 'config.json', 'tokenizer.json', 'model.safetensors', 'sub/extra.safetensors', 'sub/notes.txt'];
    const commit = async (msg: string) => {
      await runHubJson(['add', '-A'], { cwd: a, env });
      return (await runHubJson(['commit', '-m', msg], { cwd: a, env })).commit as string;
    };
    makeModel(join(a, 'model.safetensors'), '8MiB', 71);
    mkdirSync(join(a, 'sub'));
    makeModel(join(a, 'sub/extra.safetensors'), '2MiB', 72);
    writeFileSync(join(a, 'sub/notes.txt'), 'notes\n');
    writeFileSync(join(a, 'config.json'), '{"rev": 1}\n');
    writeFileSync(join(a, 'tokenizer.json'), '{"vocab": []}\n');
    c1 = await commit('rev1');
    rev1 = snap(all);
    await runHubJson(['push'], { cwd: a, env });
    const git = gitClient();
    git.run(a, 'tag', '-a', 'v1', '-m', 'first release', c1);
    git.run(a, 'push', '-q', authUrl(s.host, '/admin/dl', s.adminToken), 'refs/tags/v1');

    mutateModel(join(a, 'model.safetensors'), join(a, 'next'), 0.1, 73);
    renameSync(join(a, 'next'), join(a, 'model.safetensors'));
    writeFileSync(join(a, 'config.json'), '{"rev": 2}\n');
    c2 = await commit('rev2');
    rev2 = snap(all);
    await runHubJson(['push'], { cwd: a, env });

    await runHubJson(['switch', '-c', 'dev'], { cwd: a, env });
    writeFileSync(join(a, 'config.json'), '{"rev": "dev"}\n');
    await commit('dev');
    dev = snap(all);
    await runHubJson(['push'], { cwd: a, env });
  });
  afterAll(async () => s?.stop());

  /** Every file of `r` (or of `paths`) in `dir` has the bytes A committed. */
  function expectFiles(dir: string, r: Revision, paths = Object.keys(r)) {
    for (const p of paths) expect(shaOf(join(dir, p)), p).toBe(r[p]);
  }

  it('a whole revision into the snapshot folder; a second run moves 0 bytes and rewrites nothing; a damaged file is rewritten', async () => {
    const env = user();
    const first = await runHubJson(['download', url], { env });
    const folder = join(env.HUB_HOME, 'snapshots', s.host.replace(':', '_'), 'admin', 'dl', c2);
    expect(first).toMatchObject({ remote: url, revision: 'main', commit: c2, localDir: folder, path: folder, skipped: 0, written: 6, transfer: 'xet', offline: false });
    expect(first.files.map((f: { path: string }) => f.path).sort()).toEqual(Object.keys(rev2).sort());
    expect(first.files.find((f: { path: string }) => f.path === 'model.safetensors')).toMatchObject({ large: true, oid: rev2['model.safetensors'] });
    expect(first.files.find((f: { path: string }) => f.path === 'config.json')).toEqual({ path: 'config.json', size: 11, large: false });
    expect(first.bytesReceived).toBeGreaterThan(8 << 20);
    expectFiles(folder, rev2);
    expect(existsSync(join(folder, '.cache/hub/download/model.safetensors.json'))).toBe(true);
    // large files were received into verified staging files there and renamed into place: none left
    expect(readdirSync(join(folder, '.cache/hub/tmp'))).toEqual([]);
    // history: one shallow commit in a bare cache, readable by git
    const cache = join(env.HUB_HOME, 'repos', s.host.replace(':', '_'), 'admin', 'dl.git');
    expect(gitClient().run(cache, 'rev-list', '--count', 'HEAD').trim()).toBe('1');
    expect(readFileSync(join(cache, 'shallow'), 'utf8').trim()).toBe(c2);

    const second = await runHubJson(['download', url], { env });
    expect(second).toMatchObject({ commit: c2, bytesReceived: 0, skipped: 6, written: 0 });
    // gc keeps what downloads use (the shallow cache is a registered root) and stops at its shallow edge
    const gc = await runHubJson(['gc', '--grace', '0'], { env });
    expect(gc.repos).toEqual([expect.objectContaining({ path: cache, missing: false, oids: 2 })]);
    const elsewhere = await runHubJson(['download', url, '--local-dir', tmpDir()], { env });
    expect(elsewhere).toMatchObject({ bytesReceived: 0, written: 6 });

    // damage the model in place (same size): it is rewritten from the store, verified, no network bytes
    const fd = openSync(join(folder, 'model.safetensors'), 'r+');
    writeSync(fd, Buffer.from('garbage'), 0, 7, 4096);
    closeSync(fd);
    writeFileSync(join(folder, 'config.json'), '{"rev": "local edit"}\n');
    const third = await runHubJson(['download', url], { env });
    expect(third).toMatchObject({ bytesReceived: 0, skipped: 4, written: 2 });
    expectFiles(folder, rev2);

    // human output: one summary line
    const human = await runHub(['download', url], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^downloaded 6 files, .* 0 written, 6 already up to date, 0 B of content received\n$/);
  });

  it('one file, a directory, --local-dir, and --quiet printing only the local path', async () => {
    const env = user();
    const dir = join(tmpDir(), 'out');
    const one = await runHubJson(['download', url, 'config.json', '--local-dir', dir], { env });
    expect(one).toMatchObject({ localDir: dir, path: join(dir, 'config.json'), written: 1, bytesReceived: 0, transfer: null });
    expect(one.files).toEqual([{ path: 'config.json', size: 11, large: false }]);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"rev": 2}\n');
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);

    const sub = await runHubJson(['download', url, 'sub/', '--local-dir', dir], { env });
    expect(sub.path).toBe(dir);
    expect(sub.files.map((f: { path: string }) => f.path)).toEqual(['sub/extra.safetensors', 'sub/notes.txt']);
    expect(sub.bytesReceived).toBeGreaterThanOrEqual(2 << 20);
    expect(sub.bytesReceived).toBeLessThan(3 << 20);
    expectFiles(dir, rev2, ['sub/extra.safetensors', 'sub/notes.txt']);

    const q = await runHub(['download', url, 'model.safetensors', '--local-dir', dir, '-q'], { env });
    expect(q).toMatchObject({ code: 0, stdout: `${join(dir, 'model.safetensors')}\n` });
    expectFiles(dir, rev2, ['model.safetensors']);
    const qAll = await runHub(['download', url, '--local-dir', dir, '--quiet'], { env });
    expect(qAll).toMatchObject({ code: 0, stdout: `${dir}\n` });
  });

  it('--include and --exclude select files (gitignore-style); nothing else is fetched', async () => {
    const env = user();
    const json = await runHubJson(['download', url, '--include', '*.json', '--local-dir', join(tmpDir(), 'j')], { env });
    expect(json.files.map((f: { path: string }) => f.path)).toEqual(['config.json', 'tokenizer.json']);
    expect(json.bytesReceived).toBe(0);
    const noModels = await runHubJson(['download', url, '--exclude', '*.safetensors', '--local-dir', join(tmpDir(), 'e')], { env });
    expect(noModels.files.map((f: { path: string }) => f.path)).toEqual(['.gitattributes', 'config.json', 'sub/notes.txt', 'tokenizer.json']);
    expect(noModels.bytesReceived).toBe(0);
    const d = join(tmpDir(), 'ie');
    const both = await runHubJson(['download', url, '--include', 'sub/*', '--exclude', '*.txt', '--local-dir', d], { env });
    expect(both.files.map((f: { path: string }) => f.path)).toEqual(['sub/extra.safetensors']);
    expectFiles(d, rev2, ['sub/extra.safetensors']);
    expect(existsSync(join(d, 'sub/notes.txt'))).toBe(false);
    // as hf download: named files come whatever the filters say (with a warning); inside a named directory they apply
    const named = await runHub(['download', url, 'config.json', '--exclude', '*.json', '--local-dir', join(tmpDir(), 'n'), '--json'], { env });
    expect(JSON.parse(named.stdout).files.map((f: { path: string }) => f.path)).toEqual(['config.json']);
    expect(named.stderr).toContain('warning: --include and --exclude are ignored when files are named');
    const inDir = await runHubJson(['download', url, 'sub', '--exclude', '*.txt', '--local-dir', join(tmpDir(), 's')], { env });
    expect(inDir.files.map((f: { path: string }) => f.path)).toEqual(['sub/extra.safetensors']);
  });

  it('--revision: an annotated tag, a full commit id and a branch', async () => {
    const env = user();
    const byTag = await runHubJson(['download', url, '--revision', 'v1', '--local-dir', join(tmpDir(), 't')], { env });
    expect(byTag).toMatchObject({ revision: 'v1', commit: c1 });
    expectFiles(byTag.localDir, rev1);
    const bySha = await runHubJson(['download', url, '--revision', c1], { env });
    expect(bySha).toMatchObject({ revision: c1, commit: c1, bytesReceived: 0 }); // the store has rev1 already
    expect(bySha.localDir.endsWith(c1)).toBe(true);
    expectFiles(bySha.localDir, rev1);
    const byBranch = await runHubJson(['download', url, '--revision', 'dev'], { env });
    expect(byBranch.revision).toBe('dev');
    expect(byBranch.commit).not.toBe(c2);
    expectFiles(byBranch.localDir, dev);
    // a sha the server has but no cache has seen, from a fresh HUB_HOME
    const fresh = await runHubJson(['download', url, 'config.json', '--revision', c1], { env: user() });
    expect(readFileSync(fresh.path, 'utf8')).toBe('{"rev": 1}\n');
  });

  it('HUB_OFFLINE=1: what was downloaded is served from the cache and the store; anything else exits 6', async () => {
    const env = user();
    await runHubJson(['download', url], { env });
    const off = { ...env, HUB_OFFLINE: '1' };
    const again = await runHubJson(['download', url], { env: off });
    expect(again).toMatchObject({ commit: c2, revision: 'main', offline: true, skipped: 6, bytesReceived: 0 });
    const elsewhere = join(tmpDir(), 'copy');
    const copy = await runHubJson(['download', url, '--local-dir', elsewhere], { env: off });
    expect(copy).toMatchObject({ commit: c2, written: 6, bytesReceived: 0 });
    expectFiles(elsewhere, rev2);
    const byBranch = await runHubJson(['download', url, 'config.json', '--revision', 'main', '--local-dir', join(tmpDir(), 'm')], { env: off });
    expect(byBranch.commit).toBe(c2);

    const tag = await runHub(['download', url, '--revision', 'v1'], { env: off });
    expect(tag.code).toBe(6);
    expect(tag.stderr).toContain("revision 'v1'");
    expect(tag.stderr).toContain('HUB_OFFLINE');
    const never = await runHub(['download', url], { env: { ...user(), HUB_OFFLINE: '1' } });
    expect(never.code).toBe(6);

    // history cached but content not in the store: named, exit 6
    const partial = user();
    await runHubJson(['download', url, 'config.json'], { env: partial });
    const missing = await runHub(['download', url, 'model.safetensors', '--json'], { env: { ...partial, HUB_OFFLINE: '1' } });
    expect(missing.code).toBe(6);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'offline', data: { missing: ['model.safetensors'] } });
  });

  it('an unknown repository, revision or path exits 3; a private repository without a token exits 4', async () => {
    const env = user();
    const repo = await runHub(['download', `${s.url}/admin/nope`], { env });
    expect(repo.code).toBe(3);
    const rev = await runHub(['download', url, '--revision', 'no-such-branch'], { env });
    expect(rev.code).toBe(3);
    expect(rev.stderr).toContain("unknown revision 'no-such-branch'");
    const sha0 = await runHub(['download', url, '--revision', '0'.repeat(40)], { env });
    expect(sha0.code).toBe(3);
    const path = await runHub(['download', url, 'config.json', 'missing.bin'], { env });
    expect(path.code).toBe(3);
    expect(path.stderr).toContain("path 'missing.bin' is not in revision 'main'");

    await runHubJson(['repo', 'create', 'admin/dl-private', '--private', '--endpoint', s.url, '--token', s.adminToken]);
    const anon = await runHub(['download', `${s.url}/admin/dl-private`], { env: { ...ID, HUB_HOME: tmpDir() } });
    expect(anon.code).toBe(4);
    expect(anon.stderr.trim().split('\n')[0]).toMatch(/^hub: error: /);
  });
});
