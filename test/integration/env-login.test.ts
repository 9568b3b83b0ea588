// `hub env` (what a bug report needs, never a secret) and logging in once (issue 14).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID } from '../helpers/remote-repo.js';
import { hubHome, lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** An isolated git configuration (HOME, global file, no system config) for hub and git alike. */
function isolatedGit(): Record<string, string> {
  const home = tmpDir('env-home-');
  const global = join(home, 'gitconfig');
  writeFileSync(global, '');
  return { HOME: home, GIT_CONFIG_GLOBAL: global, GIT_CONFIG_NOSYSTEM: '1' };
}

const tool = (...args: string[]) => execFileSync(args[0], args.slice(1), { encoding: 'utf8' }).split('\n')[0].trim();

describe('hub env', () => {
  it('outside a repository: versions, paths and the variables in effect', async () => {
    const env = { ...isolatedGit(), HUB_CONCURRENCY: '3' };
    const r = await runHubJson(['env'], { cwd: tmpDir(), env });
    expect(r).toMatchObject({ node: process.versions.node, platform: `${process.platform}-${process.arch}`, git: tool('git', '--version'), gitLfs: tool('git', 'lfs', 'version'), hubHome: hubHome(), store: join(hubHome(), 'store'), endpoint: null, concurrency: 3, offline: false, repository: null });
    expect(r.hub).toBe((await runHubJson(['version'])).version);
    const human = await runHub(['env'], { cwd: tmpDir(), env });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`HubHome=${hubHome()}`);
  });

  it("in a repository: each remote's LFS endpoint and access as git lfs env prints them, credentials by source only", async () => {
    const secret = `pw-${randomBytes(6).toString('hex')}`;
    const gitEnv = isolatedGit();
    const dir = tmpDir();
    const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...gitEnv, ...ID }, encoding: 'utf8' });
    await runHubJson(['init'], { cwd: dir, env: gitEnv });
    g('remote', 'add', 'origin', 'http://127.0.0.1:9/acme/llama');
    g('remote', 'add', 'secret', `http://ann:${secret}@127.0.0.1:9/acme/private.git`);
    g('remote', 'add', 'helped', 'http://127.0.0.1:10/acme/helped');
    g('config', 'remote.helped.lfsurl', 'http://127.0.0.1:11/lfs/helped');
    g('config', 'lfs.http://127.0.0.1:11/lfs/helped.access', 'basic');
    const store = join(gitEnv.HOME, 'store');
    writeFileSync(store, `http://bob:${secret}@127.0.0.1:11\n`);
    g('config', '--global', 'credential.helper', `store --file ${store}`);
    writeFileSync(join(dir, '.lfsconfig'), '[remote "origin"]\n\tlfsurl = http://127.0.0.1:12/lfs/llama\n');

    const env = { ...gitEnv, HUB_TOKEN: 'hub_some_token' };
    const out = await runHub(['env', '--json'], { cwd: dir, env });
    expect(out.code, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout);
    const want = new Map<string, { url: string; access: string }>();
    for (const line of g('lfs', 'env').split('\n')) {
      const m = /^Endpoint(?: \(([^)]+)\))?=(\S+) \(auth=([^)]*)\)$/.exec(line);
      if (m) want.set(m[1] ?? 'origin', { url: m[2].replace(`:${secret}@`, ':***@'), access: m[3] });
    }
    expect(want.size).toBe(3);
    for (const remote of r.repository.remotes) expect({ url: remote.lfs.download.url, access: remote.lfs.download.access }, remote.name).toEqual(want.get(remote.name));
    const by = (name: string) => r.repository.remotes.find((x: { name: string }) => x.name === name);
    expect(by('origin')).toMatchObject({ url: 'http://127.0.0.1:9/acme/llama', lfs: { download: { source: 'remote.origin.lfsurl' } }, credentials: 'none' }); // the LFS server is not the remote's: HUB_TOKEN is not sent there
    expect(by('secret')).toMatchObject({ url: 'http://ann:***@127.0.0.1:9/acme/private.git', credentials: 'HUB_TOKEN' });
    expect(by('helped')).toMatchObject({ lfs: { download: { url: 'http://127.0.0.1:11/lfs/helped', access: 'basic' } }, credentials: 'credential helper' });
    const human = await runHub(['env'], { cwd: dir, env });
    for (const text of [out.stdout, out.stderr, human.stdout, human.stderr]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('hub_some_token');
    }
    expect(human.stdout).toContain('LfsEndpoint (helped)=http://127.0.0.1:11/lfs/helped (auth=basic, from remote.helped.lfsurl)');
  });
});

describe('logging in once', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('hub login --endpoint remembers the server: whoami, repo create, remote add and clone OWNER/NAME work without HUB_ENDPOINT', async () => {
    const env = { ...ID, ...isolatedGit() };
    expect((await runHub(['whoami'], { env })).code).toBe(2); // no server yet
    // the token is the server's whatever path the URL has
    expect(await runHubJson(['login', '--endpoint', `${s.url}/`, '--token', s.adminToken], { env })).toMatchObject({ name: 'admin', endpoint: s.url });
    expect(await runHubJson(['whoami'], { env })).toMatchObject({ name: 'admin', endpoint: s.url, source: 'login' });
    expect(await runHubJson(['repo', 'create', 'admin/once', '--private'], { env })).toMatchObject({ id: 'admin/once', private: true });
    expect((await runHubJson(['env'], { cwd: tmpDir(), env })).endpoint).toEqual({ url: s.url, from: 'hub login' });

    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env });
    writeFileSync(join(dir, 'README.md'), 'once\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
    expect(await runHubJson(['remote', 'add', 'origin', 'admin/once'], { cwd: dir, env })).toMatchObject({ remotes: [{ name: 'origin', url: `${s.url}/admin/once` }] });
    const push = await runHub(['push'], { cwd: dir, env });
    expect(push.code, push.stderr).toBe(0);
    const parent = tmpDir();
    expect(await runHubJson(['clone', 'admin/once', 'a'], { cwd: parent, env })).toMatchObject({ branch: 'main' });
    // a private repository by another spelling of its URL: the stored token is the server's
    expect(await runHubJson(['clone', `${s.url}/admin/once.git`, 'b'], { cwd: parent, env })).toMatchObject({ branch: 'main' });

    // OWNER/NAME names a model: a dataset of that name is pointed at, not reported as missing
    await runHubJson(['repo', 'create', 'admin/squad', '--dataset'], { env });
    const ds = await runHub(['clone', 'admin/squad'], { cwd: parent, env });
    expect(ds.code).toBe(3);
    expect(ds.stderr).toMatch(/admin\/squad is a dataset: hub clone datasets\/admin\/squad/);
    expect(ds.stderr).toContain('hub clone datasets/admin/squad');
    expect((await runHub(['clone', 'admin/nothing-here'], { cwd: parent, env })).stderr).not.toMatch(/dataset/);

    expect(await runHubJson(['logout'], { env })).toEqual({ endpoint: s.url, removed: true });
    expect((await runHub(['whoami'], { env })).code).toBe(2); // logging out forgets the server too
  });

  it('a rejected token names where it came from', async () => {
    const env = { ...ID, ...isolatedGit(), HUB_ENDPOINT: s.url, HUB_TOKEN: 'hub_not_a_real_token' };
    const who = await runHub(['whoami'], { env });
    expect(who.code).toBe(4);
    expect(lines(who.stderr)[0]).toMatch(/rejected the token from HUB_TOKEN/);
    const create = await runHub(['repo', 'create', 'admin/nope'], { env });
    expect(create.code).toBe(4);
    expect(lines(create.stderr)[0]).toMatch(/rejected the token from HUB_TOKEN/);
    const clone = await runHub(['clone', 'admin/anything'], { cwd: tmpDir(), env });
    expect(clone.code).toBe(4);
    expect(lines(clone.stderr)[0]).toMatch(/rejected the token from HUB_TOKEN/);
    const opt = await runHub(['whoami', '--token', 'hub_wrong_too'], { env: { ...env, HUB_TOKEN: undefined } });
    expect(opt.code).toBe(4);
    expect(lines(opt.stderr)[0]).toMatch(/rejected the token from --token/);
    for (const r of [who, create, clone, opt]) expect(r.stderr).not.toMatch(/hub_not_a_real_token|hub_wrong_too/);
  });
});
