// Issue 5, the rest: `hub fetch`, `--revision` on clone and pull, HUB_OFFLINE, and a HUB_HOME
// shared by two CI jobs. Content bytes are counted on the wire by a proxy in front of `hub serve`
// (response bodies of `/info/lfs/` routes), not taken from the client's own report.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const REPO = 'admin/fro';

/**
 * The remote's history, pushed by user A:
 *   main: rev1 (tag v1, annotated) -> rev2 (model 10% changed)
 *   side: rev1 -> side (config only)        dev: rev2 -> dev (config only)
 */
interface Remote {
  rev1: string;
  rev2: string;
  side: string;
  dev: string;
  model1: string;
  model2: string;
  /** Copies of the two model revisions, to compare against. */
  files: { model1: string; model2: string };
}

describe('hub fetch, --revision, HUB_OFFLINE and a shared HUB_HOME', () => {
  let s: TestServer;
  let proxy: CountingProxy;
  let r: Remote;
  /** The repository through the counting proxy. */
  let url: string;
  const env = (home = tmpDir()) => ({ ...ID, HUB_HOME: home, HUB_TOKEN: s.adminToken });

  beforeAll(async () => {
    s = await startHubServe();
    proxy = await startCountingProxy(s.url);
    url = `${proxy.url}/${REPO}`;
    const { dir: a, env: envA } = await localRepoWithRemote(s, REPO);
    const commit = async (config: string, msg: string) => {
      writeFileSync(join(a, 'config.json'), config);
      await runHubJson(['add', '-A'], { cwd: a, env: envA });
      return (await runHubJson(['commit', '-m', msg], { cwd: a, env: envA })).commit as string;
    };
    const keep = tmpDir();
    makeModel(join(a, 'model.safetensors'), '4MiB', 71);
    copyFileSync(join(a, 'model.safetensors'), join(keep, 'model1'));
    const rev1 = await commit('{"rev": 1}\n', 'rev1');
    await runHubJson(['push'], { cwd: a, env: envA });
    await runHubJson(['switch', '-c', 'side'], { cwd: a, env: envA });
    const side = await commit('{"rev": "side"}\n', 'side');
    await runHubJson(['push'], { cwd: a, env: envA });
    await runHubJson(['switch', 'main'], { cwd: a, env: envA });
    mutateModel(join(a, 'model.safetensors'), join(a, 'next'), 0.1, 72);
    renameSync(join(a, 'next'), join(a, 'model.safetensors'));
    copyFileSync(join(a, 'model.safetensors'), join(keep, 'model2'));
    const rev2 = await commit('{"rev": 2}\n', 'rev2');
    await runHubJson(['push'], { cwd: a, env: envA });
    await runHubJson(['switch', '-c', 'dev'], { cwd: a, env: envA });
    const dev = await commit('{"rev": "dev"}\n', 'dev');
    await runHubJson(['push'], { cwd: a, env: envA });
    // an annotated tag, made on the server's bare repository (hub push sends branches only)
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', '--git-dir', join(s.root, 'repos', `${REPO}.git`), 'tag', '-a', 'v1', '-m', 'v1', rev1]);
    r = { rev1, rev2, side, dev, model1: sha(join(keep, 'model1')), model2: sha(join(keep, 'model2')), files: { model1: join(keep, 'model1'), model2: join(keep, 'model2') } };
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
  });
  beforeEach(() => proxy.reset());

  async function headOf(dir: string, e: Record<string, string>) {
    const log = await runHubJson(['log', '-n', '1'], { cwd: dir, env: e });
    const branches = await runHubJson(['branch'], { cwd: dir, env: e });
    return { commit: log.commits[0].commit as string, current: branches.current as string | null, branches: (branches.branches as Array<{ name: string }>).map((b) => b.name) };
  }

  describe('clone --revision', () => {
    it('a branch of the remote becomes the only local branch, with its upstream', async () => {
      const parent = tmpDir();
      const e = env();
      const c = await runHubJson(['clone', url, 'b', '--revision', 'dev'], { cwd: parent, env: e });
      const b = join(parent, 'b');
      expect(c).toMatchObject({ branch: 'dev', revision: 'dev', commit: r.dev, largeFiles: 1 });
      expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": "dev"}\n');
      expect(sha(join(b, 'model.safetensors'))).toBe(r.model2);
      expect(await headOf(b, e)).toEqual({ commit: r.dev, current: 'dev', branches: ['dev'] });
      const config = (key: string) => spawnSync('git', ['config', '-f', join(b, '.git', 'config'), '--get', key], { encoding: 'utf8' }).stdout.trim();
      expect([config('branch.dev.remote'), config('branch.dev.merge'), config('branch.main.remote')]).toEqual(['origin', 'refs/heads/dev', '']);
      expect((await runHubJson(['status'], { cwd: b, env: e })).clean).toBe(true);
    });

    it('a tag or a commit id detaches HEAD there, with no local branch', async () => {
      const parent = tmpDir();
      const e = env();
      const c = await runHubJson(['clone', url, 't', '--revision', 'v1'], { cwd: parent, env: e });
      expect(c).toMatchObject({ branch: null, revision: 'v1', commit: r.rev1 });
      expect(sha(join(parent, 't', 'model.safetensors'))).toBe(r.model1);
      expect(readFileSync(join(parent, 't', 'config.json'), 'utf8')).toBe('{"rev": 1}\n');
      expect(await headOf(join(parent, 't'), e)).toEqual({ commit: r.rev1, current: null, branches: [] });
      expect((await runHubJson(['status'], { cwd: join(parent, 't'), env: e })).clean).toBe(true);

      const byId = await runHubJson(['clone', url, 'c', '--revision', r.side.slice(0, 10)], { cwd: parent, env: e });
      expect(byId).toMatchObject({ branch: null, commit: r.side });
      expect(readFileSync(join(parent, 'c', 'config.json'), 'utf8')).toBe('{"rev": "side"}\n');
      expect(readFileSync(join(parent, 'c', '.git', 'HEAD'), 'utf8').trim()).toBe(r.side);
    });

    it('an unknown revision exits 3 with one line, fetches no content and leaves no directory behind', async () => {
      const parent = tmpDir();
      const x = await runHub(['clone', url, 'x', '--revision', 'nope'], { cwd: parent, env: env() });
      expect(x.code).toBe(3);
      expect(lines(x.stderr)).toEqual(["hub: error: origin has no branch, tag or commit 'nope'"]);
      expect(existsSync(join(parent, 'x'))).toBe(false);
      expect(proxy.counts.lfsRequests).toBe(0);
      // an empty directory given as the destination stays, empty
      mkdirSync(join(parent, 'y'));
      expect((await runHub(['clone', url, 'y', '--revision', 'f00dfeed'], { cwd: parent, env: env() })).code).toBe(3);
      expect(readdirSync(join(parent, 'y'))).toEqual([]);
    });
  });

  describe('hub fetch and pull --revision', () => {
    it('fetch brings history and content but touches nothing; the pull after it moves no content bytes', async () => {
      const parent = tmpDir();
      const e = env();
      await runHubJson(['clone', url, 'b', '--revision', 'v1'], { cwd: parent, env: e });
      const b = join(parent, 'b');
      await runHubJson(['switch', '-c', 'main'], { cwd: b, env: e });
      proxy.reset();
      const f = await runHubJson(['fetch'], { cwd: b, env: e });
      expect(f).toMatchObject({ remote: 'origin', revision: 'origin/main', commit: r.rev2, objects: { wanted: 1, fetched: 1 }, notFetched: [], transfer: 'xet' });
      expect(f.bytesReceived).toBeGreaterThan(0);
      expect(proxy.counts.lfsBytes).toBeGreaterThanOrEqual(f.bytesReceived);
      // history only moved remote-tracking refs: branch, index and working tree are as they were
      expect(await headOf(b, e)).toMatchObject({ commit: r.rev1, current: 'main' });
      expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": 1}\n');
      expect(sha(join(b, 'model.safetensors'))).toBe(r.model1);
      expect((await runHubJson(['status'], { cwd: b, env: e })).clean).toBe(true);
      // a second fetch: nothing new
      proxy.reset();
      expect(await runHubJson(['fetch'], { cwd: b, env: e })).toMatchObject({ updated: [], objects: { wanted: 1, fetched: 0 }, bytesReceived: 0 });
      expect(proxy.counts.lfsBytes).toBe(0);

      proxy.reset();
      const p = await runHubJson(['pull'], { cwd: b, env: e });
      expect(p).toMatchObject({ branch: 'main', revision: 'origin/main', from: r.rev1, to: r.rev2, upToDate: false, bytesReceived: 0 });
      expect(proxy.counts.requests).toBeGreaterThan(0); // the history went through the proxy
      expect(proxy.counts.lfsBytes).toBe(0);
      expect(sha(join(b, 'model.safetensors'))).toBe(r.model2);

      // fetch --revision of another branch, then check it out: nothing more on the wire
      proxy.reset();
      expect(await runHubJson(['fetch', '--revision', 'dev'], { cwd: b, env: e })).toMatchObject({ revision: 'origin/dev', commit: r.dev, objects: { wanted: 1, fetched: 0 } });
      const co = await runHubJson(['checkout', 'origin/dev'], { cwd: b, env: { ...e, HUB_OFFLINE: '1' } });
      expect(co).toMatchObject({ commit: r.dev, detached: true });
      expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": "dev"}\n');
      expect(proxy.counts.lfsBytes).toBe(0);
      const bad = await runHub(['fetch', '--revision', 'nope'], { cwd: b, env: e });
      expect(bad.code).toBe(3);
      expect(lines(bad.stderr)).toEqual(["hub: error: origin has no branch, tag or commit 'nope'"]);
    });

    it('fetch on a new branch the remote lacks fetches history only; --include/--exclude select content', async () => {
      const parent = tmpDir();
      const e = env();
      await runHubJson(['clone', url, 'b', '--revision', 'v1', '--no-checkout'], { cwd: parent, env: e });
      const b = join(parent, 'b');
      await runHubJson(['switch', '-c', 'mine'], { cwd: b, env: e });
      expect(await runHubJson(['fetch'], { cwd: b, env: e })).toMatchObject({ revision: null, commit: null, objects: { wanted: 0, fetched: 0 } });
      expect(proxy.counts.lfsRequests).toBe(0);
      const f = await runHubJson(['fetch', '--revision', 'main', '--exclude', '*.safetensors'], { cwd: b, env: e });
      expect(f).toMatchObject({ commit: r.rev2, objects: { wanted: 0, fetched: 0 }, notFetched: ['model.safetensors'], bytesReceived: 0 });
      expect(proxy.counts.lfsRequests).toBe(0);
    });

    it('pull --revision fast-forwards the current branch to a remote branch, a tag or a commit; diverged merges (here: a conflict, exit 7)', async () => {
      const parent = tmpDir();
      const e = env();
      await runHubJson(['clone', url, 'b', '--revision', r.rev1], { cwd: parent, env: e });
      const b = join(parent, 'b');
      await runHubJson(['switch', '-c', 'work'], { cwd: b, env: e });
      // without --revision: the remote has no branch 'work'
      expect((await runHub(['pull'], { cwd: b, env: e })).code).toBe(3);
      expect(await runHubJson(['pull', '--revision', 'main'], { cwd: b, env: e })).toMatchObject({ branch: 'work', revision: 'origin/main', to: r.rev2, upToDate: false });
      expect(sha(join(b, 'model.safetensors'))).toBe(r.model2);
      expect(await runHubJson(['pull', '--revision', r.dev], { cwd: b, env: e })).toMatchObject({ revision: r.dev, to: r.dev, upToDate: false, written: ['config.json'] });
      expect(await runHubJson(['pull', '--revision', 'v1'], { cwd: b, env: e })).toMatchObject({ revision: 'v1', upToDate: true });
      expect(await headOf(b, e)).toMatchObject({ commit: r.dev, current: 'work' });
      const diverged = await runHub(['pull', '--revision', 'side'], { cwd: b, env: e });
      expect(diverged.code).toBe(7);
      expect(lines(diverged.stderr)[0]).toBe('hub: error: merge of origin/side stopped: 1 conflicted path: config.json (content)');
      expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe(`<<<<<<< HEAD\n{"rev": "dev"}\n=======\n{"rev": "side"}\n>>>>>>> ${r.side}\n`);
      await runHubJson(['merge', '--abort'], { cwd: b, env: e });
      expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": "dev"}\n');
      expect((await runHub(['pull', '--revision', 'nope'], { cwd: b, env: e })).code).toBe(3);
    });
  });

  describe('HUB_OFFLINE=1', () => {
    const OFFLINE = /^hub: error: hub (clone|fetch|push) needs the network, and HUB_OFFLINE is set$/;

    it('clone, fetch and push fail at once with exit 6 and make no request', async () => {
      const parent = tmpDir();
      const e = env();
      await runHubJson(['clone', url, 'b'], { cwd: parent, env: e });
      const b = join(parent, 'b');
      proxy.reset();
      const off = { ...e, HUB_OFFLINE: '1' };
      const c = await runHub(['clone', url, 'c'], { cwd: parent, env: off });
      expect(c.code).toBe(6);
      expect(lines(c.stderr)[0]).toMatch(OFFLINE);
      expect(existsSync(join(parent, 'c'))).toBe(false);
      for (const args of [['fetch'], ['push']]) {
        const x = await runHub(args, { cwd: b, env: off });
        expect(x.code, x.stderr).toBe(6);
        expect(lines(x.stderr)[0]).toMatch(OFFLINE);
      }
      expect(proxy.counts.requests).toBe(0);
      // against a port where nothing listens, the same one line (not a connection error after retries)
      const dead = await closedPort();
      await runHubJson(['remote', 'add', 'dead', `http://127.0.0.1:${dead}/${REPO}`], { cwd: b, env: e });
      const x = await runHub(['fetch', 'dead'], { cwd: b, env: off });
      expect(x.code).toBe(6);
      expect(lines(x.stderr)[0]).toBe('hub: error: hub fetch needs the network, and HUB_OFFLINE is set');
      expect(proxy.counts.requests).toBe(0);
    });

    it('pull --include completes what a partial clone left as pointers, from the store alone', async () => {
      const parent = tmpDir();
      const e = env();
      await runHubJson(['clone', url, 'p', '--include', '*.json'], { cwd: parent, env: e });
      const p = join(parent, 'p');
      expect((await runHubJson(['status'], { cwd: p, env: e })).notFetched).toEqual(['model.safetensors']);
      const offlineMissing = await runHub(['pull', '--include', '*.safetensors'], { cwd: p, env: { ...e, HUB_OFFLINE: '1' } });
      expect(offlineMissing.code).toBe(6); // the store does not have it yet: never a request
      await runHubJson(['fetch'], { cwd: p, env: e }); // online: content into the store, the working tree untouched
      expect((await runHubJson(['status'], { cwd: p, env: e })).notFetched).toEqual(['model.safetensors']);
      proxy.reset();
      const done = await runHubJson(['pull', '--include', '*.safetensors'], { cwd: p, env: { ...e, HUB_OFFLINE: '1' } });
      expect(done).toMatchObject({ written: ['model.safetensors'], bytesReceived: 0 });
      expect(proxy.counts.requests).toBe(0);
      expect(sha(join(p, 'model.safetensors'))).toBe(r.model2);
      expect(await runHubJson(['status'], { cwd: p, env: e })).toMatchObject({ notFetched: [], clean: true });
    });

    it('pull works from what an earlier fetch brought, and names the file whose content is missing', async () => {
      const parent = tmpDir();
      const e = env();
      const off = { ...e, HUB_OFFLINE: '1' };
      await runHubJson(['clone', url, 'b', '--revision', 'v1'], { cwd: parent, env: e });
      const b = join(parent, 'b');
      await runHubJson(['switch', '-c', 'main'], { cwd: b, env: e });
      // origin/main (rev2) is known since the clone, but its model never came into the store
      await runHubJson(['fetch', '--exclude', '*.safetensors'], { cwd: b, env: e });
      proxy.reset();
      const missing = await runHub(['pull'], { cwd: b, env: off });
      expect(missing.code).toBe(6);
      expect(lines(missing.stderr)[0]).toMatch(/^hub: error: content of 'model\.safetensors' \(oid [0-9a-f]{12}\) is not in the local store, and HUB_OFFLINE is set$/);
      expect(proxy.counts.requests).toBe(0);
      expect(await headOf(b, e)).toMatchObject({ commit: r.rev1, current: 'main' });
      expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": 1}\n');

      await runHubJson(['fetch'], { cwd: b, env: e });
      proxy.reset();
      const p = await runHubJson(['pull'], { cwd: b, env: off });
      expect(p).toMatchObject({ revision: 'origin/main', to: r.rev2, upToDate: false, bytesReceived: 0, transfer: null });
      expect(sha(join(b, 'model.safetensors'))).toBe(r.model2);
      expect(proxy.counts.requests).toBe(0);
      // offline, --revision resolves against what was fetched, too
      expect(await runHubJson(['pull', '--revision', 'dev'], { cwd: b, env: off })).toMatchObject({ to: r.dev, upToDate: false });
      expect(await runHubJson(['pull'], { cwd: b, env: off })).toMatchObject({ upToDate: true });
      expect(proxy.counts.requests).toBe(0);
    });
  });

  it('two CI jobs sharing one HUB_HOME: the second clone and the second pull of a revision move no content bytes on the wire', async () => {
    const home = tmpDir();
    const e = env(home);
    const parent = tmpDir();
    const job = async (name: string) => {
      proxy.reset();
      const c = await runHubJson(['clone', url, name, '--revision', 'v1'], { cwd: parent, env: e });
      const cloneWire = proxy.counts.lfsBytes;
      const dir = join(parent, name);
      expect(sha(join(dir, 'model.safetensors'))).toBe(r.model1);
      await runHubJson(['switch', '-c', 'ci'], { cwd: dir, env: e });
      proxy.reset();
      const p = await runHubJson(['pull', '--revision', 'main'], { cwd: dir, env: e });
      expect(sha(join(dir, 'model.safetensors'))).toBe(r.model2);
      return { c, cloneWire, p, pullWire: proxy.counts.lfsBytes, requests: proxy.counts.requests };
    };
    const first = await job('job1');
    expect(first.cloneWire).toBeGreaterThanOrEqual(readFileSync(r.files.model1).length);
    expect(first.pullWire).toBeGreaterThan(0);
    const second = await job('job2');
    expect(second.requests).toBeGreaterThan(0); // history still came through the proxy
    expect(second.cloneWire).toBe(0);
    expect(second.pullWire).toBe(0);
    expect(second.c.bytesReceived).toBe(0);
    expect(second.p.bytesReceived).toBe(0);
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
