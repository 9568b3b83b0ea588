import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { hubHome, lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

describe('hub login, whoami, logout', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('stores a checked token (mode 0600) that later commands use; logout forgets it', async () => {
    const env = { HUB_ENDPOINT: s.url };
    const none = await runHub(['whoami'], { env });
    expect(none.code).toBe(4);
    expect(lines(none.stderr)[0]).toMatch(/not logged in/);

    const bad = await runHub(['login', '--token', 'hub_wrong'], { env });
    expect(bad.code).toBe(4);
    const noToken = await runHub(['login'], { env }); // stdin is not a terminal: no prompt, no hang
    expect(noToken.code).toBe(4);
    expect(noToken.stderr).toMatch(/no token given/);

    const who = await runHubJson(['login', '--token', s.adminToken], { env });
    expect(who).toMatchObject({ name: 'admin', write: true, admin: true, endpoint: s.url });
    expect(statSync(join(hubHome(), 'credentials')).mode & 0o777).toBe(0o600);
    expect(await runHubJson(['whoami'], { env })).toMatchObject({ name: 'admin', source: 'login' });
    // the stored token is used by other commands
    expect((await runHubJson(['repo', 'create', 'admin/from-login'], { env })).id).toBe('admin/from-login');
    // HUB_TOKEN wins over the stored one
    const read = (await runHubJson(['token', 'create', '--root', s.root, '--user', 'dora'])).token;
    expect(await runHubJson(['whoami'], { env: { ...env, HUB_TOKEN: read } })).toMatchObject({ name: 'dora', write: false, source: 'env' });

    expect(await runHubJson(['logout'], { env })).toEqual({ endpoint: s.url, removed: true });
    expect((await runHub(['whoami'], { env })).code).toBe(4);
    expect(await runHubJson(['logout'], { env })).toEqual({ endpoint: s.url, removed: false });
  });
});

describe('hub remote', () => {
  it('adds, lists and removes remotes in .git/config, as git reads them', async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir });
    const added = await runHubJson(['remote', 'add', 'origin', 'acme/llama'], { cwd: dir, env: { HUB_ENDPOINT: 'http://127.0.0.1:9999' } });
    expect(added).toEqual({ remotes: [{ name: 'origin', url: 'http://127.0.0.1:9999/acme/llama' }], added: 'origin' });
    await runHubJson(['remote', 'add', 'data', 'http://127.0.0.1:9999/datasets/acme/squad'], { cwd: dir });
    expect(git(dir, 'remote', '-v').split('\n').filter(Boolean)).toEqual([
      'data\thttp://127.0.0.1:9999/datasets/acme/squad (fetch)',
      'data\thttp://127.0.0.1:9999/datasets/acme/squad (push)',
      'origin\thttp://127.0.0.1:9999/acme/llama (fetch)',
      'origin\thttp://127.0.0.1:9999/acme/llama (push)',
    ]);
    expect((await runHub(['remote', '-v'], { cwd: dir })).stdout).toBe('data\thttp://127.0.0.1:9999/datasets/acme/squad\norigin\thttp://127.0.0.1:9999/acme/llama\n');
    expect((await runHub(['remote', 'add', 'origin', 'http://127.0.0.1:1/x/y'], { cwd: dir })).code).toBe(7);
    expect((await runHub(['remote', 'add', 'x', 'not a url'], { cwd: dir })).code).toBe(2);
    expect((await runHub(['remote', 'add', 'x', 'acme/llama'], { cwd: dir })).code).toBe(2); // no HUB_ENDPOINT
    expect(await runHubJson(['remote', 'remove', 'data'], { cwd: dir })).toMatchObject({ removed: 'data' });
    expect((await runHub(['remote', 'remove', 'data'], { cwd: dir })).code).toBe(3);
    expect(git(dir, 'config', '--get', 'remote.origin.fetch').trim()).toBe('+refs/heads/*:refs/remotes/origin/*');
  });
});
