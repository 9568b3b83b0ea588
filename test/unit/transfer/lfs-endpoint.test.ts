// hub's LFS endpoint discovery against the oracle: real `git lfs env` in the same repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitConfigValues, parseConfigList } from '../../../src/formats/git-config-values.js';
import { readLfsGitConfig } from '../../../src/repo/git-config.js';
import { lfsEndpointOf, redactUrl, withoutCredentials } from '../../../src/transfer/lfs-endpoint.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

/** A hermetic git environment: no system config, a global config file of the test's own. */
function isolated(): NodeJS.ProcessEnv {
  const home = tmpDir('lfs-env-home-');
  const global = join(home, 'gitconfig');
  writeFileSync(global, '');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: global, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x.invalid' };
  delete env.GIT_DIR;
  return env;
}

/** A new repository whose origin is http://127.0.0.1:8080/acme/a, in a hermetic git environment; `g` runs git in it. */
function originRepo(): { env: NodeJS.ProcessEnv; dir: string; g: (...args: string[]) => string } {
  const env = isolated();
  const dir = tmpDir('lfs-env-');
  const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  g('init', '-q', '-b', 'main');
  g('remote', 'add', 'origin', 'http://127.0.0.1:8080/acme/a');
  return { env, dir, g };
}

/** `git lfs env`'s endpoints: remote name -> { url, access } (origin is the unnamed `Endpoint=` line). */
function gitLfsEnv(dir: string, env: NodeJS.ProcessEnv): Map<string, { url: string; access: string }> {
  const out = execFileSync('git', ['lfs', 'env'], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const found = new Map<string, { url: string; access: string }>();
  for (const line of out.split('\n')) {
    const m = /^Endpoint(?: \(([^)]+)\))?=(\S+) \(auth=([^)]*)\)$/.exec(line);
    if (m) found.set(m[1] ?? 'origin', { url: m[2], access: m[3] });
  }
  return found;
}

type Shape = { name: string; remotes: Record<string, string>; config?: string[][]; global?: string[][]; lfsconfig?: string; lfsconfigOnlyCommitted?: boolean };

/** Every remote shape hub's tests and users make, and the configuration git-lfs reads. */
const SHAPES: Shape[] = [
  { name: 'OWNER/NAME URL', remotes: { origin: 'http://127.0.0.1:8080/acme/llama' } },
  { name: 'URL ending in .git', remotes: { origin: 'http://127.0.0.1:8080/acme/llama.git' } },
  { name: 'trailing slash', remotes: { origin: 'http://127.0.0.1:8080/acme/llama/' } },
  { name: '.git and trailing slash', remotes: { origin: 'https://hub.example/acme/llama.git/' } },
  { name: 'dataset', remotes: { origin: 'http://127.0.0.1:8080/datasets/acme/squad' } },
  { name: 'path prefix', remotes: { origin: 'https://example.com/hub/v1/acme/llama' } },
  { name: 'credentials in the URL', remotes: { origin: 'http://alice:s3cret@127.0.0.1:8080/acme/llama' } },
  { name: 'two remotes', remotes: { origin: 'http://127.0.0.1:8080/acme/a', backup: 'http://127.0.0.1:9090/acme/b.git' } },
  { name: 'remote.<name>.lfsurl', remotes: { origin: 'http://127.0.0.1:8080/acme/a', up: 'http://127.0.0.1:8080/acme/b' }, config: [['remote.up.lfsurl', 'http://127.0.0.1:7000/lfs/b']] },
  { name: 'lfs.url beats remote.<name>.lfsurl', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, config: [['remote.origin.lfsurl', 'http://127.0.0.1:7000/r'], ['lfs.url', 'http://127.0.0.1:7001/l']] },
  { name: '.lfsconfig lfs.url', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, lfsconfig: '[lfs]\n\turl = http://127.0.0.1:7002/lfs\n' },
  { name: 'git config beats .lfsconfig', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, config: [['lfs.url', 'http://127.0.0.1:7003/mine']], lfsconfig: '[lfs]\n\turl = http://127.0.0.1:7002/committed\n' },
  { name: '.lfsconfig remote lfsurl', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, lfsconfig: '[remote "origin"]\n\tlfsurl = http://127.0.0.1:7004/o\n' },
  { name: '.lfsconfig may not set a remote URL', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, lfsconfig: '[remote "origin"]\n\turl = http://evil.example/x\n' },
  { name: '.lfsconfig only in the index and HEAD', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, lfsconfig: '[lfs]\n\turl = http://127.0.0.1:7005/committed\n', lfsconfigOnlyCommitted: true },
  { name: 'global lfs.url', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, global: [['lfs.url', 'http://127.0.0.1:7006/global']] },
  { name: 'url.insteadOf', remotes: { origin: 'hub:acme/llama' }, global: [['url.http://127.0.0.1:8080/.insteadOf', 'hub:']] },
  { name: 'access basic for the endpoint', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, config: [['lfs.http://127.0.0.1:8080/acme/a.git/info/lfs.access', 'basic']] },
  { name: 'access for a URL prefix', remotes: { origin: 'http://127.0.0.1:8080/acme/a', other: 'http://127.0.0.1:9/x/y' }, config: [['lfs.http://127.0.0.1:8080/acme.access', 'basic']] },
  { name: 'access private means basic', remotes: { origin: 'http://bob:pw@127.0.0.1:8080/acme/a.git' }, config: [['lfs.http://127.0.0.1:8080/acme/a.git/info/lfs.access', 'private']] },
  { name: 'access on another port does not count', remotes: { origin: 'http://127.0.0.1:8080/acme/a' }, config: [['lfs.http://127.0.0.1:8081/acme/a.git/info/lfs.access', 'basic']] },
];

describe('LFS endpoint discovery agrees with git lfs env', () => {
  for (const shape of SHAPES) {
    it(shape.name, async () => {
      const env = isolated();
      const dir = tmpDir('lfs-env-');
      const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
      g('init', '-q', '-b', 'main');
      for (const [k, v] of shape.global ?? []) execFileSync('git', ['config', '--global', k, v], { env });
      for (const [name, url] of Object.entries(shape.remotes)) g('remote', 'add', name, url);
      for (const [k, v] of shape.config ?? []) g('config', k, v);
      if (shape.lfsconfig) {
        writeFileSync(join(dir, '.lfsconfig'), shape.lfsconfig);
        g('add', '.lfsconfig');
        g('commit', '-q', '-m', 'lfsconfig');
        if (shape.lfsconfigOnlyCommitted) rmSync(join(dir, '.lfsconfig'));
      }
      const want = gitLfsEnv(dir, env);
      expect([...want.keys()].sort()).toEqual(Object.keys(shape.remotes).sort());
      const config = await readLfsGitConfig({ workdir: dir, gitdir: join(dir, '.git'), env });
      for (const name of Object.keys(shape.remotes)) {
        const ep = lfsEndpointOf(config, name, 'download');
        expect({ url: ep?.url, access: ep?.access }, `remote ${name}`).toEqual(want.get(name));
      }
    });
  }

  it("the index's .lfsconfig wins over HEAD's when the working tree has none, and HEAD's counts when the index has none", async () => {
    const { env, dir, g } = originRepo();
    writeFileSync(join(dir, '.lfsconfig'), '[lfs]\n\turl = http://127.0.0.1:7011/head\n');
    g('add', '.lfsconfig');
    g('commit', '-q', '-m', 'one');
    writeFileSync(join(dir, '.lfsconfig'), '[lfs]\n\turl = http://127.0.0.1:7011/index\n');
    g('add', '.lfsconfig');
    rmSync(join(dir, '.lfsconfig'));
    const ours = async () => lfsEndpointOf(await readLfsGitConfig({ workdir: dir, gitdir: join(dir, '.git'), env }), 'origin', 'download')?.url;
    expect(gitLfsEnv(dir, env).get('origin')?.url).toBe('http://127.0.0.1:7011/index');
    expect(await ours()).toBe('http://127.0.0.1:7011/index');
    g('rm', '-q', '--cached', '.lfsconfig');
    expect(gitLfsEnv(dir, env).get('origin')?.url).toBe('http://127.0.0.1:7011/head');
    expect(await ours()).toBe('http://127.0.0.1:7011/head');
  });

  it('a clone reads .lfsconfig from the commit it checks out', async () => {
    const { env, dir, g } = originRepo();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, '.lfsconfig'), '[lfs]\n\turl = http://127.0.0.1:7010/first\n');
    g('add', '.lfsconfig');
    g('commit', '-q', '-m', 'one');
    const first = g('rev-parse', 'HEAD').trim();
    writeFileSync(join(dir, '.lfsconfig'), '[lfs]\n\turl = http://127.0.0.1:7010/second\n');
    g('commit', '-qam', 'two');
    const at = async (revision?: string) => lfsEndpointOf(await readLfsGitConfig({ workdir: dir, gitdir: join(dir, '.git'), env, revision }), 'origin', 'download')?.url;
    expect(await at(first)).toBe('http://127.0.0.1:7010/first');
    expect(await at()).toBe('http://127.0.0.1:7010/second');
  });
});

describe('upload endpoints and config lookups (git-lfs-config(5): push URLs, case rules)', () => {
  const cfg = (text: string) => new GitConfigValues(parseConfigList(text));

  it('uploads use lfs.pushurl, then lfs.url, then remote.<name>.lfspushurl, lfsurl, pushurl, url', () => {
    const base = 'remote.origin.url\nhttp://h/a/b\0';
    expect(lfsEndpointOf(cfg(base), 'origin', 'upload')?.url).toBe('http://h/a/b.git/info/lfs');
    expect(lfsEndpointOf(cfg(`${base}remote.origin.pushurl\nhttp://p/a/b.git\0`), 'origin', 'upload')?.url).toBe('http://p/a/b.git/info/lfs');
    expect(lfsEndpointOf(cfg(`${base}remote.origin.pushurl\nhttp://p/a/b.git\0`), 'origin', 'download')?.url).toBe('http://h/a/b.git/info/lfs');
    expect(lfsEndpointOf(cfg(`${base}remote.origin.lfsurl\nhttp://l/x\0remote.origin.lfspushurl\nhttp://lp/x\0`), 'origin', 'upload')?.url).toBe('http://lp/x');
    expect(lfsEndpointOf(cfg(`${base}remote.origin.lfspushurl\nhttp://lp/x\0lfs.url\nhttp://u/x\0`), 'origin', 'upload')?.url).toBe('http://u/x');
    expect(lfsEndpointOf(cfg(`${base}lfs.url\nhttp://u/x\0lfs.pushurl\nhttp://up/x\0`), 'origin', 'upload')).toMatchObject({ url: 'http://up/x', source: 'lfs.pushurl' });
    expect(lfsEndpointOf(cfg(`${base}lfs.url\nhttp://u/x\0lfs.pushurl\nhttp://up/x\0`), 'origin', 'download')).toMatchObject({ url: 'http://u/x', source: 'lfs.url' });
    // a remote with no URL of its own falls back to origin's endpoint
    expect(lfsEndpointOf(cfg(base), 'nowhere', 'download')?.url).toBe('http://h/a/b.git/info/lfs');
  });

  it('section and variable names are case-insensitive, remote names are not; the last value wins', () => {
    const c = cfg('LFS.URL\nhttp://one\0lfs.url\nhttp://two\0remote.Up.lfsurl\nhttp://u\0');
    expect(c.get('lfs.url')).toBe('http://two');
    expect(c.get('remote.Up.LFSURL')).toBe('http://u');
    expect(c.get('remote.up.lfsurl')).toBeUndefined();
  });

  it('credentials in an endpoint never reach output', () => {
    expect(redactUrl('http://alice:s3cret@h:1/a.git/info/lfs')).toBe('http://alice:***@h:1/a.git/info/lfs');
    expect(withoutCredentials('http://alice:s3cret@h:1/a')).toBe('http://h:1/a');
  });
});
