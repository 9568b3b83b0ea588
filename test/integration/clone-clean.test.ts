/**
 * Issue 12, point 4: a fresh clone is always clean. Every kind of repository the integration
 * tests build is pushed to a real `hub serve`, cloned with `hub clone` and with `git clone`
 * (git-lfs), and both `hub status` and `git status` must be clean in both clones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, expectCleanClones } from '../helpers/clean-clones.js';
import { git } from '../helpers/git-repo.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'filter=lfs diff=lfs merge=lfs -text';

function put(dir: string, files: Record<string, Buffer | string>): void {
  for (const [p, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), bytes);
  }
}

describe('a fresh clone is clean for hub and for git', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  const hub = (dir: string, env: Record<string, string>, ...args: string[]) => runHubJson(args, { cwd: dir, env });

  it("a tracked pattern, then 'hub add FILE' (not -A): the pattern is committed with the file", async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/named');
    const files = { 'model.safetensors': bytesOf('named', 70_000), 'README.md': '# named\n' };
    put(dir, files);
    const added = await hub(dir, env, 'add', 'model.safetensors');
    await hub(dir, env, 'add', 'README.md');
    await hub(dir, env, 'commit', '-m', 'named');
    await hub(dir, env, 'push');
    await expectCleanClones(s, 'admin/named', { ...files, '.gitattributes': `*.safetensors ${LFS}\n` });
    expect(added.added.map((f: { path: string }) => f.path).sort()).toEqual(['.gitattributes', 'model.safetensors']);
  });

  it('a file large by hub.largeFileThreshold alone gets its own committed line', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/threshold');
    git(dir, 'config', 'hub.largeFileThreshold', '4000');
    const files = { 'big.bin': bytesOf('threshold', 9_000), 'small.bin': bytesOf('small', 3_999) };
    put(dir, files);
    const added = await hub(dir, env, 'add', 'big.bin', 'small.bin');
    expect(added.trackedBySize).toEqual(['big.bin']);
    await hub(dir, env, 'commit', '-m', 'threshold');
    await hub(dir, env, 'push');
    await expectCleanClones(s, 'admin/threshold', { ...files, '.gitattributes': `*.safetensors ${LFS}\nbig.bin ${LFS}\n` });
  });

  it('add -A of nested paths', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/all', { track: ['*.bin', '*.safetensors'] });
    const files = {
      'weights/layer 1/w.bin': bytesOf('l1', 20_000),
      'weights/layer2/deeper/w.bin': bytesOf('l2', 20_001),
      'weights/model.safetensors': bytesOf('m', 30_000),
      'configs/a.json': '{"a": 1}\n',
      'notes.txt': 'notes\n',
    };
    put(dir, files);
    await hub(dir, env, 'add', '-A');
    await hub(dir, env, 'commit', '-m', 'all');
    await hub(dir, env, 'push');
    await expectCleanClones(s, 'admin/all', { ...files, '.gitattributes': null });
  });

  it('a dataset, added by directory', async () => {
    await runHubJson(['repo', 'create', 'admin/ds', '--dataset', '--endpoint', s.url, '--token', s.adminToken]);
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    const dir = tmpDir();
    await hub(dir, env, 'init');
    await hub(dir, env, 'remote', 'add', 'origin', `${s.url}/datasets/admin/ds`);
    await hub(dir, env, 'track', '*.parquet');
    const files = { 'data/train.parquet': bytesOf('train', 50_000), 'data/test.csv': 'id,q\n1,why\n' };
    put(dir, files);
    await hub(dir, env, 'add', 'data');
    await hub(dir, env, 'commit', '-m', 'data');
    await hub(dir, env, 'push');
    await expectCleanClones(s, 'datasets/admin/ds', { ...files, '.gitattributes': `*.parquet ${LFS}\n` });
  });

  it("a pattern in a nested .gitattributes, then 'hub add sub/FILE': that .gitattributes is committed too", async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/nested');
    const files = { 'sub/.gitattributes': `*.bin ${LFS}\n`, 'sub/w.bin': bytesOf('nested', 40_000), 'top.txt': 'top\n' };
    put(dir, files);
    await hub(dir, env, 'add', 'sub/w.bin', 'top.txt');
    await hub(dir, env, 'commit', '-m', 'nested');
    await hub(dir, env, 'push');
    // the root .gitattributes (from track) decides about sub/w.bin too, so it is committed with it
    await expectCleanClones(s, 'admin/nested', { ...files, '.gitattributes': `*.safetensors ${LFS}\n` });
  });

  it('a pattern added later: files it now covers that were committed small are staged again as large', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/later');
    const first = { 'small.bin': bytesOf('early', 300), 'README.md': '# later\n' };
    put(dir, first);
    await hub(dir, env, 'add', '-A');
    await hub(dir, env, 'commit', '-m', 'small files only');
    await hub(dir, env, 'push');
    await hub(dir, env, 'track', '*.bin');
    put(dir, { 'big.bin': bytesOf('late', 60_000) });
    const added = await hub(dir, env, 'add', 'big.bin');
    await hub(dir, env, 'commit', '-m', 'track *.bin');
    await hub(dir, env, 'push');
    await expectCleanClones(s, 'admin/later', { ...first, 'big.bin': bytesOf('late', 60_000), '.gitattributes': `*.safetensors ${LFS}\n*.bin ${LFS}\n` });
    expect(added.added.map((f: { path: string; large: boolean }) => `${f.path} ${f.large}`).sort()).toEqual(['.gitattributes false', 'big.bin true', 'small.bin true']);
  });
});
