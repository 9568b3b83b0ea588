// Issue 14, content on demand: in a --no-checkout or partial clone, checkout, restore, reset
// --hard and pull bring the large-file content they need from the remote (verified: a corrupted
// byte on the wire stops them with exit 5 and nothing written), or, offline or without a
// remote, fail before touching anything with one line naming the file and a hint naming the
// command to run. Content bytes are counted on the wire by a proxy in front of `hub serve`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const REPO = 'admin/cod';
const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\n/;

describe('content on demand', () => {
  let s: TestServer;
  let proxy: FaultProxy;
  let url: string;
  /** sha256 of each large file at main and at next. */
  const want: Record<'main' | 'next', Record<string, string>> = { main: {}, next: {} };
  const env = () => ({ ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken });
  const lfsBytes = () => proxy.log.filter((r) => r.url.includes('/info/lfs/') || r.url.includes('/cas/') || r.url.includes('/api/xet-cas/')).reduce((n, r) => n + r.received, 0);

  beforeAll(async () => {
    s = await startHubServe();
    proxy = await startFaultProxy(s.url, []);
    url = `${proxy.url}/${REPO}`;
    const { dir: a, env: envA } = await localRepoWithRemote(s, REPO);
    mkdirSync(join(a, 'weights'));
    makeModel(join(a, 'model.safetensors'), '1MiB', 81);
    makeModel(join(a, 'weights', 'other.safetensors'), '1MiB', 82);
    writeFileSync(join(a, 'config.json'), '{"rev": 1}\n');
    await runHubJson(['add', '-A'], { cwd: a, env: envA });
    await runHubJson(['commit', '-m', 'one'], { cwd: a, env: envA });
    await runHubJson(['push'], { cwd: a, env: envA });
    for (const f of ['model.safetensors', 'weights/other.safetensors']) want.main[f] = sha(join(a, f));
    await runHubJson(['switch', '-c', 'next'], { cwd: a, env: envA });
    for (const [f, seed] of [['model.safetensors', 83], ['weights/other.safetensors', 84]] as const) {
      mutateModel(join(a, f), join(a, 'tmp'), 0.2, seed);
      renameSync(join(a, 'tmp'), join(a, f));
      want.next[f] = sha(join(a, f));
    }
    writeFileSync(join(a, 'config.json'), '{"rev": 2}\n');
    await runHubJson(['add', '-A'], { cwd: a, env: envA });
    await runHubJson(['commit', '-m', 'two'], { cwd: a, env: envA });
    await runHubJson(['push', '-u', 'origin', 'next'], { cwd: a, env: envA });
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
  });
  beforeEach(() => {
    proxy.log.length = 0;
    proxy.rules.length = 0;
  });

  const clone = async (args: string[], e: Record<string, string>): Promise<string> => {
    const parent = tmpDir();
    await runHubJson(['clone', url, 'c', ...args], { cwd: parent, env: e });
    return join(parent, 'c');
  };
  const gitStatus = (dir: string) => execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' });

  it('--no-checkout clone: hub checkout BRANCH fetches what it writes from the remote, verified, and the tree is clean for hub and git', async () => {
    const e = env();
    const c = await clone(['--no-checkout'], e);
    expect(readdirSync(c)).toEqual(['.git']);
    expect(lfsBytes()).toBe(0);
    const r = await runHubJson(['checkout', 'main'], { cwd: c, env: e });
    expect(r.written.sort()).toEqual(['.gitattributes', 'config.json', 'model.safetensors', 'weights/other.safetensors']);
    for (const [f, h] of Object.entries(want.main)) expect(sha(join(c, f))).toBe(h);
    expect(lfsBytes()).toBeGreaterThan(1024 * 1024); // it came over the wire
    expect(await runHubJson(['status'], { cwd: c, env: e })).toMatchObject({ clean: true, notFetched: [] });
    expect(gitStatus(c)).toBe('');
  });

  it('--no-checkout clone: hub restore . writes every file from HEAD, fetching its content, and fills the index', async () => {
    const e = env();
    const c = await clone(['--no-checkout'], e);
    const r = await runHubJson(['restore', '.'], { cwd: c, env: e });
    expect(r.restored).toEqual(['.gitattributes', 'config.json', 'model.safetensors', 'weights/other.safetensors']);
    for (const [f, h] of Object.entries(want.main)) expect(sha(join(c, f))).toBe(h);
    expect(await runHubJson(['status'], { cwd: c, env: e })).toMatchObject({ clean: true });
    expect(gitStatus(c)).toBe('');
  });

  it('--no-checkout clone: pull --include checks HEAD out with the matching content fetched and verified, the rest as pointers, and says so', async () => {
    const e = env();
    const c = await clone(['--no-checkout'], e);
    const human = await runHub(['pull', '--include', 'weights/'], { cwd: c, env: e });
    expect(human.code, human.stderr).toBe(0);
    expect(lines(human.stdout)).toEqual([expect.stringMatching(/^checked out main \([0-9a-f]{7}\) in this --no-checkout clone: 4 files written, 0 removed, [\d.]+ [KM]iB of content received, 1 large file left as a pointer \(not selected\)$/)]);
    expect(sha(join(c, 'weights/other.safetensors'))).toBe(want.main['weights/other.safetensors']);
    expect(readFileSync(join(c, 'model.safetensors'), 'utf8')).toMatch(POINTER);
    expect(readFileSync(join(c, 'config.json'), 'utf8')).toBe('{"rev": 1}\n');
    expect(lfsBytes()).toBeGreaterThan(0);
    expect(lfsBytes()).toBeLessThan(2 * 1024 * 1024); // one model's worth, not both
    expect(await runHubJson(['status'], { cwd: c, env: e })).toMatchObject({ clean: true, notFetched: ['model.safetensors'] });
    expect(gitStatus(c)).toBe('');
    // the next pull --include completes the pointer it left
    proxy.log.length = 0;
    const more = await runHubJson(['pull', '--include', '*.safetensors'], { cwd: c, env: e });
    expect(more).toMatchObject({ upToDate: false, checkedOut: false, written: ['model.safetensors'], notFetched: [] });
    expect(sha(join(c, 'model.safetensors'))).toBe(want.main['model.safetensors']);
    expect(lfsBytes()).toBeGreaterThan(0);
    expect(await runHubJson(['pull'], { cwd: c, env: e })).toMatchObject({ upToDate: true, written: [] });

    // --json, and the bytes are verified: a corrupted byte on the wire is exit 5 and nothing is written
    const d = await clone(['--no-checkout'], env());
    const json = await runHubJson(['pull', '--include', 'model.safetensors'], { cwd: d, env: e });
    expect(json).toMatchObject({ upToDate: false, checkedOut: true, from: json.to, notFetched: ['weights/other.safetensors'] });
    expect(json.written.sort()).toEqual(['.gitattributes', 'config.json', 'model.safetensors', 'weights/other.safetensors']);
    expect(sha(join(d, 'model.safetensors'))).toBe(want.main['model.safetensors']);
    const f = await clone(['--no-checkout'], env());
    proxy.rules.push({ match: (req) => req.method === 'GET' && ((req.url ?? '').includes('/cas/v1/xorbs/') || (req.url ?? '').includes('/api/xet-cas/fetch/')), fault: 'corrupt', times: Infinity });
    const bad = await runHub(['pull', '--include', 'weights/'], { cwd: f, env: env() });
    expect(bad.code, bad.stderr).toBe(5);
    expect(proxy.rules[0]!.hits).toBeGreaterThan(0);
    expect(readdirSync(f)).toEqual(['.git']);
  });

  it('partial clone: restore of a named file fetches it; restore . and checkout keep the files the clone left out as pointers', async () => {
    const e = env();
    const c = await clone(['--include', 'model.safetensors'], e);
    expect(execFileSync('git', ['config', 'lfs.fetchinclude'], { cwd: c, encoding: 'utf8' })).toBe('model.safetensors\n');
    expect((await runHubJson(['status'], { cwd: c, env: e })).notFetched).toEqual(['weights/other.safetensors']);
    // a directory or '.' keeps to the clone's selection: nothing to fetch
    proxy.log.length = 0;
    await runHubJson(['restore', '.'], { cwd: c, env: e });
    expect(lfsBytes()).toBe(0);
    expect(readFileSync(join(c, 'weights/other.safetensors'), 'utf8')).toMatch(POINTER);
    // naming the file fetches it
    const named = await runHubJson(['restore', 'weights/other.safetensors'], { cwd: c, env: e });
    expect(named.restored).toEqual(['weights/other.safetensors']);
    expect(sha(join(c, 'weights/other.safetensors'))).toBe(want.main['weights/other.safetensors']);
    expect(lfsBytes()).toBeGreaterThan(0);
    expect((await runHubJson(['status'], { cwd: c, env: e })).notFetched).toEqual([]);
    // moving to another commit: the included file is fetched, the other stays a pointer
    proxy.log.length = 0;
    await runHubJson(['checkout', '-b', 'next', 'origin/next'], { cwd: c, env: e });
    expect(sha(join(c, 'model.safetensors'))).toBe(want.next['model.safetensors']);
    expect(readFileSync(join(c, 'weights/other.safetensors'), 'utf8')).toMatch(POINTER);
    expect((await runHubJson(['status'], { cwd: c, env: e })).notFetched).toEqual(['weights/other.safetensors']);
    // pull --include completes it, from the remote
    const pulled = await runHubJson(['pull', '--include', 'weights/'], { cwd: c, env: e });
    expect(pulled.written).toEqual(['weights/other.safetensors']);
    expect(sha(join(c, 'weights/other.safetensors'))).toBe(want.next['weights/other.safetensors']);
  });

  it('partial clone: a pull without --include keeps to what the clone selected', async () => {
    const e = env();
    const c = await clone(['--revision', 'main', '--exclude', 'weights/'], e);
    proxy.log.length = 0;
    const pulled = await runHubJson(['pull', '--revision', 'next'], { cwd: c, env: e });
    expect(pulled.written.sort()).toEqual(['config.json', 'model.safetensors', 'weights/other.safetensors']);
    expect(sha(join(c, 'model.safetensors'))).toBe(want.next['model.safetensors']);
    expect(readFileSync(join(c, 'weights/other.safetensors'), 'utf8')).toMatch(POINTER);
    expect(lfsBytes()).toBeLessThan(2 * 1024 * 1024); // one model's worth at most, not both
    // the reflogs git reads: the clone, then the pull's fast-forward (git pull's words)
    expect(execFileSync('git', ['reflog', '--format=%gs'], { cwd: c, encoding: 'utf8' })).toBe(`pull: Fast-forward\nclone: from ${url}\n`);
  });

  it('reset --hard to a commit whose content was never fetched brings it from the remote', async () => {
    const e = env();
    const c = await clone(['--revision', 'main'], e);
    await runHubJson(['fetch', '--exclude', '*.safetensors'], { cwd: c, env: e }); // history of next, no content
    proxy.log.length = 0;
    await runHubJson(['reset', '--hard', 'origin/next'], { cwd: c, env: e });
    for (const [f, h] of Object.entries(want.next)) expect(sha(join(c, f))).toBe(h);
    expect(lfsBytes()).toBeGreaterThan(0);
  });

  it('offline, or without a remote: one line naming the file, a hint naming the command, nothing written', async () => {
    const e = env();
    const c = await clone(['--no-checkout'], e);
    proxy.log.length = 0;
    const off = await runHub(['checkout', 'main'], { cwd: c, env: { ...e, HUB_OFFLINE: '1' } });
    expect(off.code).toBe(6);
    expect(lines(off.stderr)).toEqual([
      expect.stringMatching(/^hub: error: content of '(model|weights\/other)\.safetensors' \(oid [0-9a-f]{12}\) and 1 more large file is not in the local store, and HUB_OFFLINE is set$/),
      "hint: run 'hub fetch origin --revision main' while online (or unset HUB_OFFLINE), then run the command again",
    ]);
    expect(proxy.log.length).toBe(0);
    expect(readdirSync(c)).toEqual(['.git']);
    const offRestore = await runHub(['restore', 'model.safetensors'], { cwd: c, env: { ...e, HUB_OFFLINE: '1' } });
    expect(offRestore.code).toBe(6);
    expect(lines(offRestore.stderr)[0]).toMatch(/^hub: error: content of 'model\.safetensors' \(oid [0-9a-f]{12}\) is not in the local store, and HUB_OFFLINE is set$/);
    // the hint's command works, and then the checkout does, offline
    await runHubJson(['fetch', 'origin', '--revision', 'main'], { cwd: c, env: e });
    await runHubJson(['checkout', 'main'], { cwd: c, env: { ...e, HUB_OFFLINE: '1' } });
    for (const [f, h] of Object.entries(want.main)) expect(sha(join(c, f))).toBe(h);

    const d = await clone(['--no-checkout'], env());
    execFileSync('git', ['remote', 'remove', 'origin'], { cwd: d });
    const none = await runHub(['checkout', 'main'], { cwd: d, env: env() });
    expect(none.code).toBe(3);
    expect(lines(none.stderr)[1]).toBe("hint: add the remote that has it with 'hub remote add origin URL', then run the command again");
    expect(lines(none.stderr)[0]).toMatch(/is not in the local store, and the repository has no remote to fetch it from$/);
    expect(readdirSync(d)).toEqual(['.git']);
  });

  it('content is verified as git-lfs smudge verifies it: a corrupted byte on the wire is exit 5 and writes nothing', async () => {
    const e = env();
    const c = await clone(['--no-checkout'], e);
    proxy.rules.push({ match: (req) => req.method === 'GET' && ((req.url ?? '').includes('/cas/v1/xorbs/') || (req.url ?? '').includes('/api/xet-cas/fetch/')), fault: 'corrupt', times: Infinity });
    const r = await runHub(['checkout', 'main'], { cwd: c, env: e });
    expect(r.code, r.stderr).toBe(5);
    expect(proxy.rules[0]!.hits).toBeGreaterThan(0);
    expect(readdirSync(c)).toEqual(['.git']);
    expect(existsSync(join(c, '.git', 'index'))).toBe(false);
  });
});

describe('clone --include and download --include select the same files', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('for each pattern, the large files a partial clone fetches are the large files download fetches', async () => {
    const repo = 'admin/sel';
    const { dir: a, env: e } = await localRepoWithRemote(s, repo, { track: ['*.bin'] });
    const files = ['a.bin', 'sub/b.bin', 'sub/deep/c.bin', 'deep/sub/d.bin', 'other/e.bin'];
    for (const [i, f] of files.entries()) {
      mkdirSync(join(a, f, '..'), { recursive: true });
      writeFileSync(join(a, f), `content ${i}\n`.repeat(100));
    }
    await runHubJson(['add', '-A'], { cwd: a, env: e });
    await runHubJson(['commit', '-m', 'files'], { cwd: a, env: e });
    await runHubJson(['push'], { cwd: a, env: e });
    const patterns = [['sub/*'], ['sub/'], ['/a.bin'], ['**/sub/*.bin'], ['b.bin', '*/deep/*']];
    let checked = 0;
    for (const include of patterns) {
      const inc = include.flatMap((p) => ['--include', p]);
      const parent = tmpDir();
      const c = await runHubJson(['clone', `${s.url}/${repo}`, 'c', ...inc], { cwd: parent, env: { ...e, HUB_HOME: tmpDir() } });
      const cloned = files.filter((f) => !c.notFetched.includes(f)).sort();
      const d = await runHubJson(['download', `${s.url}/${repo}`, ...inc, '--local-dir', join(tmpDir(), 'd')], { env: { ...e, HUB_HOME: tmpDir() } });
      const downloaded = (d.files as Array<{ path: string }>).map((f) => f.path).filter((p) => p.endsWith('.bin')).sort();
      expect(downloaded, `--include ${include.join(' ')}`).toEqual(cloned);
      checked++;
    }
    expect(checked).toBe(patterns.length);
  });
});
