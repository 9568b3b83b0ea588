// The hub CLI used the way `hf` users work: HF-style references, HF_TOKEN, `hub download` of one
// file then the whole revision then again (the third moves no content bytes, counted on the
// wire), `--quiet` printing only the local path.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('hub like hf: references, tokens, downloads', () => {
  let s: TestServer;
  let proxy: CountingProxy;
  let a: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    s = await startHubServe();
    proxy = await startCountingProxy(s.url);
    ({ dir: a, env } = await localRepoWithRemote(s, 'admin/m64'));
    makeModel(join(a, 'model.safetensors'), '64MiB', 81);
    writeFileSync(join(a, 'config.json'), '{"hidden": 64}\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: a, env });
    await runHubJson(['tag', 'v1'], { cwd: a, env });
    await runHubJson(['push', '--tags'], { cwd: a, env });
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
  });

  it('one file, then the whole revision, then again: the third run moves no content bytes; --quiet prints only the path', async () => {
    const home = tmpDir();
    const user = { ...ID, HUB_HOME: home, HUB_TOKEN: s.adminToken, HUB_ENDPOINT: proxy.url };
    proxy.reset();
    const one = await runHub(['download', 'admin/m64', 'config.json', '--quiet'], { env: user });
    expect(one.code).toBe(0);
    const path = one.stdout.trim();
    expect(one.stdout).toBe(`${path}\n`); // nothing else on stdout
    expect(path.endsWith('/config.json')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('{"hidden": 64}\n');
    expect(proxy.counts.lfsBytes).toBe(0); // a small file is a git blob: no LFS traffic

    proxy.reset();
    const all = await runHubJson(['download', 'admin/m64'], { env: user });
    expect(sha(join(all.path, 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    expect(proxy.counts.lfsBytes).toBeGreaterThan(64 << 20); // the model came over the wire once

    proxy.reset();
    const again = await runHubJson(['download', 'admin/m64'], { env: user });
    expect(again).toMatchObject({ bytesReceived: 0, written: 0 });
    expect(proxy.counts.lfsBytes).toBe(0); // measured on the wire, not the client's own report
    expect(proxy.counts.lfsRequests).toBe(0);
    const quiet = await runHub(['download', 'admin/m64', '-q'], { env: user });
    expect(quiet.stdout).toBe(`${all.path}\n`);
  });

  it('OWNER/NAME@REV, datasets/OWNER/NAME and --repo-type; HF_TOKEN when HUB_TOKEN is unset', async () => {
    const user = { ...ID, HUB_HOME: tmpDir(), HUB_ENDPOINT: s.url, HF_TOKEN: s.adminToken };
    const tagged = await runHubJson(['download', 'admin/m64@v1', 'config.json'], { env: user });
    expect(tagged).toMatchObject({ revision: 'v1' });
    const parent = tmpDir();
    const cloned = await runHubJson(['clone', 'admin/m64@v1', 'c'], { cwd: parent, env: user });
    expect(cloned).toMatchObject({ revision: 'v1', branch: null });
    expect(sha(join(parent, 'c', 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    const both = await runHub(['clone', 'admin/m64@v1', 'd', '--revision', 'main'], { cwd: parent, env: user });
    expect(both.code).toBe(2);

    await runHubJson(['repo', 'create', 'admin/squad', '--dataset', '--private', '--endpoint', s.url, '--token', s.adminToken]);
    const { dir: ds, env: dsEnv } = await (async () => {
      const dir = tmpDir();
      const e = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
      await runHubJson(['init'], { cwd: dir, env: e });
      await runHubJson(['remote', 'add', 'origin', `${s.url}/datasets/admin/squad`], { cwd: dir, env: e });
      return { dir, env: e };
    })();
    writeFileSync(join(ds, 'train.csv'), 'id,q\n1,why\n');
    await runHubJson(['add', '-A'], { cwd: ds, env: dsEnv });
    await runHubJson(['commit', '-m', 'data'], { cwd: ds, env: dsEnv });
    await runHubJson(['push'], { cwd: ds, env: dsEnv });
    for (const args of [['datasets/admin/squad'], ['admin/squad', '--repo-type', 'dataset']]) {
      const d = await runHubJson(['download', ...args, 'train.csv'], { env: user });
      expect(readFileSync(d.path, 'utf8')).toBe('id,q\n1,why\n');
    }
    const cd = await runHubJson(['clone', 'admin/squad', 'squad', '--repo-type', 'dataset'], { cwd: parent, env: user });
    expect(cd.remote).toBe(`${s.url}/datasets/admin/squad`);
    expect(readFileSync(join(parent, 'squad', 'train.csv'), 'utf8')).toBe('id,q\n1,why\n');
    // private: without any token it fails at once with exit 4
    const anon = await runHub(['download', 'datasets/admin/squad'], { env: { ...ID, HUB_HOME: tmpDir(), HUB_ENDPOINT: s.url } });
    expect(anon.code).toBe(4);
    expect((await runHub(['download', 'admin/squad', '--repo-type', 'space'], { env: user })).code).toBe(2);
  });
});

describe('hub download from a server that offers only the Hugging Face API', () => {
  it('uses revision, tree and resolve (small files checked against their blob ids), the LFS batch API when there is one, resolve URLs when not', async () => {
    const { startFaultProxy } = await import('../helpers/fault-proxy.js');
    const s = await startHubServe();
    try {
      const { dir: a, env } = await localRepoWithRemote(s, 'admin/api-only');
      makeModel(join(a, 'model.safetensors'), '4MiB', 83);
      writeFileSync(join(a, 'config.json'), '{"api": true}\n');
      await runHubJson(['add', '-A'], { cwd: a, env });
      const c = await runHubJson(['commit', '-m', 'one'], { cwd: a, env });
      await runHubJson(['push'], { cwd: a, env });
      const git = (req: { url?: string }) => /\/info\/refs|git-upload-pack|git-receive-pack/.test(req.url ?? '');
      const lfs = (req: { url?: string }) => (req.url ?? '').includes('/info/lfs/');
      for (const [label, rules] of [
        ['no git route', [{ match: git, fault: 'status404' as const, times: Infinity }]],
        ['no git route and no LFS API', [{ match: git, fault: 'status404' as const, times: Infinity }, { match: lfs, fault: 'status404' as const, times: Infinity }]],
      ] as const) {
        const proxy = await startFaultProxy(s.url, [...rules]);
        try {
          const out = tmpDir();
          const d = await runHubJson(['download', `${proxy.url}/admin/api-only`, '--local-dir', out], { env: { ...env, HUB_HOME: tmpDir() } });
          expect(d, label).toMatchObject({ commit: c.commit, revision: 'main', written: 3 });
          expect(sha(join(out, 'model.safetensors')), label).toBe(sha(join(a, 'model.safetensors')));
          expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"api": true}\n');
          expect(proxy.log.some((r) => r.url.includes('/api/models/admin/api-only'))).toBe(true);
          expect(d.transfer, label).toBe(label === 'no git route' ? 'xet' : 'resolve');
        } finally {
          await proxy.close();
        }
      }
    } finally {
      await s.stop();
    }
  });
});
