// A push's history overlaps the server's proof of its content (docs/protocol.md, "Upload"): hub
// serve answers a registration in two lines, the first once a mark names (repository, oid); the
// client sends its pack then, and the pre-receive hook, finding the object not held yet, waits
// while a live mark names it, then checks again. The marks here are made through the server's
// own metadata API (as a registering server makes them) while real git pushes a pointer.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRATION_STALE_MS } from '../../src/server/registrations.js';
import { readManifest } from '../../src/store/manifest-files.js';
import { storePaths, xorbPath } from '../../src/store/paths.js';
import { Store } from '../../src/store/store.js';
import { request } from 'undici';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { serversOnS3, startHubServe, type TestServer } from '../helpers/hub-server.js';
import { git } from '../helpers/git-repo.js';
import { makeModel } from '../helpers/make-model.js';
import { addOldMark, countMarks } from '../helpers/registration-marks.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { withServerMetadata } from '../helpers/server-metadata.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'application/vnd.git-lfs+json';

/** The command lines of the processes whose working directory is `dir` (git starts hooks in the repository). */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) === dir) found.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('the pre-receive hook and registrations in flight', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  /** A local hub repository of `repo` with one committed model (its content stored locally, not pushed); its oid. */
  async function committedModel(repo: string, seed: number) {
    const { dir, env } = await localRepoWithRemote(s, repo);
    makeModel(join(dir, 'model.safetensors'), '2MiB', seed);
    writeFileSync(join(dir, 'README.md'), '# m\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
    const [owner, name] = repo.split('/');
    const id = await withServerMetadata(s, async (meta) => (await meta.getRepo('model', owner, name))!.id);
    return { dir, env: { ...env, HUB_TRANSFER: 'hub-chunks' }, oid: sha(join(dir, 'model.safetensors')), id };
  }

  /** `git push` of the history alone (no LFS upload), running; resolves with its exit status and stderr. */
  function gitPushHistory(dir: string, repo: string) {
    const g = gitClient();
    const child = spawn('git', ['push', '--no-verify', authUrl(new URL(s.url).host, `/${repo}`, s.adminToken), 'HEAD:refs/heads/main'], { cwd: dir, env: g.env });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
    let exited = false;
    void done.then(() => (exited = true));
    return { done, exited: () => exited, remoteHas: () => g.run(tmpDir(), 'ls-remote', authUrl(new URL(s.url).host, `/${repo}`, s.adminToken)) };
  }

  /** Marks (repository `id`, `oid`) as a registering server does, and starts gitPushHistory of `repo`, checked to be still waiting after 1.5 s; the mark's id. */
  async function pushWaitingOnMark(dir: string, repo: string, id: number, oid: string) {
    const mark = await withServerMetadata(s, (meta) => meta.registrations.begin(id, oid));
    const push = gitPushHistory(dir, repo);
    await new Promise((r) => setTimeout(r, 1500));
    expect(push.exited(), 'the hook waits for the registration').toBe(false);
    // the waiting is the server's (hook-channel.ts): the hook is its script alone, not a node process
    const hooks = processesIn(join(s.root, 'repos', `${repo}.git`));
    expect(hooks.some((cmd) => cmd.includes('hooks/pre-receive')), hooks.join('\n')).toBe(true);
    expect(hooks.filter((cmd) => cmd.includes('pre-receive-hook.js'))).toEqual([]);
    return { mark, push };
  }

  it('waits while a live mark names a pointer the repository does not hold, and accepts the push once the object is held', async () => {
    const { dir, env, oid, id } = await committedModel('admin/wait-held', 161);
    const { mark, push } = await pushWaitingOnMark(dir, 'admin/wait-held', id, oid);
    // the content arrives the way hub sends it, with the same commit on another branch (its
    // history waits for the repository's lock, which the waiting push holds); the mark above
    // still stands until it is removed
    git(dir, 'checkout', '-q', '-b', 'up');
    const sent = runHubJson(['push'], { cwd: dir, env });
    const r = await push.done;
    expect(r.code, r.stderr).toBe(0);
    expect(await sent).toMatchObject({ branch: 'up', objects: { uploaded: 1 } });
    await withServerMetadata(s, (meta) => meta.registrations.end(mark));
    const clone = tmpDir();
    await runHubJson(['clone', `${s.url}/admin/wait-held`, 'b'], { cwd: clone, env: { ...env, HUB_HOME: tmpDir() } });
    expect(sha(join(clone, 'b', 'model.safetensors'))).toBe(oid);
  });

  it('of two pushes of one branch, the one whose ref moved meanwhile gets exit 7 and one line naming the branch', async () => {
    const { dir, env, oid, id } = await committedModel('admin/race', 167);
    const { mark, push } = await pushWaitingOnMark(dir, 'admin/race', id, oid);
    // hub reads the remote's refs while its upload crawls (1 MiB/s through a proxy): no main
    // yet; its upload then lets the waiting push land first, which moves main
    const is = (method: string, part: string) => (req: IncomingMessage) => req.method === method && (req.url ?? '').includes(part);
    const proxy = await startFaultProxy(s.url, [{ match: is('PUT', '/cas/v1/xorbs/'), fault: 'throttle', rate: 1 << 20, times: Infinity }]);
    try {
      git(dir, 'remote', 'set-url', 'origin', `${proxy.url}/admin/race`);
      const r = await runHub(['push'], { cwd: dir, env });
      expect((await push.done).code).toBe(0);
      expect(r.code, r.stderr).toBe(7);
      const errors = lines(r.stderr).filter((l) => l.startsWith('hub: error: '));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^hub: error: the remote did not update main: /);
      expect(r.stderr).not.toMatch(/unexpected/);
    } finally {
      await proxy.close();
      await withServerMetadata(s, (meta) => meta.registrations.end(mark));
    }
  });

  it('refuses the push when the mark goes and the object is still not held', async () => {
    const { dir, oid, id } = await committedModel('admin/wait-gone', 162);
    const { mark, push } = await pushWaitingOnMark(dir, 'admin/wait-gone', id, oid);
    await withServerMetadata(s, (meta) => meta.registrations.end(mark));
    const r = await push.done;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${oid} (model.safetensors): not on the server`);
    expect(push.remoteHas()).toBe('');
  });

  it('does not wait for a stale mark (a stopped server), nor for a mark of another repository', async () => {
    const { dir, oid, id } = await committedModel('admin/stale', 163);
    const other = await committedModel('admin/stale-other', 163); // the same file: the same oid
    expect(other.oid).toBe(oid);
    await addOldMark(s, id, oid, REGISTRATION_STALE_MS + 60_000);
    const live = await withServerMetadata(s, (meta) => meta.registrations.begin(other.id, oid));
    // with a live mark of its own the hook would wait for ever: no one removes these
    const r = await gitPushHistory(dir, 'admin/stale').done;
    await withServerMetadata(s, (meta) => meta.registrations.end(live));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${oid} (model.safetensors): not on the server`);
  });

  it.skipIf(serversOnS3)('a registration that fails with a 5xx after its first line leaves its mark: the hook waits for the retry, which lets the push land', async () => {
    const { dir, env, oid } = await committedModel('admin/retried', 166);
    // the content as hub stores it, uploaded by hand: the xorbs, then the manifest
    const store = await Store.open(join(env.HUB_HOME, 'store'));
    const manifest = readManifest(store.paths, oid)!;
    const auth = { authorization: `Bearer ${s.adminToken}` };
    const batch = await request(`${s.url}/admin/retried.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...auth, accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation: 'upload', transfers: ['hub-chunks'], objects: [{ oid, size: manifest.size }] }) });
    const base: string = ((await batch.body.json()) as any).objects[0].actions.upload.href;
    const xorbs = [...new Set(manifest.terms.map((t) => t.xorb))];
    for (const x of xorbs) {
      const r = await request(`${base}/xorbs/${x}`, { method: 'PUT', headers: auth, body: readFileSync(xorbPath(store.paths, x)) });
      expect(r.statusCode, await r.body.text()).toBe(200);
    }
    store.close();
    const register = async () => {
      const r = await request(`${base}/reconstructions/${oid}`, { method: 'POST', headers: { ...auth, accept: 'application/x-ndjson', 'content-type': 'application/json' }, body: JSON.stringify(manifest) });
      return (await r.body.text()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    };
    // the server's copy of a xorb made unreadable (a directory in its place): a 500, not a refusal
    const held = xorbPath(storePaths(join(s.root, 'store')), xorbs[0]);
    renameSync(held, `${held}.away`);
    mkdirSync(held);
    try {
      const failed = await register();
      expect(failed[0]).toEqual({ registering: oid });
      expect(failed[1]).toMatchObject({ status: 500 });
      expect(await countMarks(s, oid), 'the mark stays for the retry').toBe(1);
      const push = gitPushHistory(dir, 'admin/retried');
      await new Promise((r) => setTimeout(r, 1500));
      expect(push.exited(), 'the hook waits for the retry').toBe(false);
      rmSync(held, { recursive: true });
      renameSync(`${held}.away`, held);
      expect(await register()).toEqual([{ registering: oid }, { oid, size: manifest.size }]);
      const r = await push.done;
      expect(r.code, r.stderr).toBe(0);
    } finally {
      if (existsSync(`${held}.away`)) {
        rmSync(held, { recursive: true, force: true });
        renameSync(`${held}.away`, held);
      }
    }
    const clone = tmpDir();
    await runHubJson(['clone', `${s.url}/admin/retried`, 'b'], { cwd: clone, env: { ...env, HUB_HOME: tmpDir() } });
    expect(sha(join(clone, 'b', 'model.safetensors'))).toBe(oid);
  });

  it('a registration refused after its first line: the pack was sent, the hook refuses it, the push fails with the refusal of the content and the remote has no branch', async () => {
    const is = (method: string, part: string) => (req: IncomingMessage) => req.method === method && (req.url ?? '').includes(part);
    // the manifest reaches the server with another Xet hash (its check fails after the first
    // line), and the answer at 40 bytes/s, so the client has its first line seconds before the rest
    const forge = (body: Buffer) => Buffer.from(JSON.stringify({ ...JSON.parse(body.toString('utf8')), xetHash: '0'.repeat(64) }));
    const proxy = await startFaultProxy(s.url, [{ match: is('POST', '/cas/v1/reconstructions/'), fault: 'throttle', rate: 40, times: Infinity, transformRequest: forge }]);
    try {
      const { dir, env } = await localRepoWithRemote(s, 'admin/refused', { base: proxy.url });
      makeModel(join(dir, 'model.safetensors'), '2MiB', 165);
      await runHubJson(['add', '-A'], { cwd: dir, env });
      await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
      const r = await runHub(['push'], { cwd: dir, env: { ...env, HUB_TRANSFER: 'hub-chunks' } });
      expect(r.code, r.stderr).toBe(2); // a 422 of the server: what hub sent was refused (http-client.ts)
      expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))[0]).toMatch(/registering [0-9a-f]{12}.*Xet hash/);
      const [registered] = proxy.log.filter((q) => q.method === 'POST' && q.url.includes('/cas/v1/reconstructions/'));
      const [pack] = proxy.log.filter((q) => q.method === 'POST' && q.url.endsWith('/git-receive-pack'));
      expect(pack && pack.at < registered.doneAt!, 'the pack went before the answer ended').toBe(true);
      expect(await countMarks(s, sha(join(dir, 'model.safetensors')))).toBe(0);
      expect(gitClient().run(tmpDir(), 'ls-remote', authUrl(new URL(s.url).host, '/admin/refused', s.adminToken))).toBe('');
    } finally {
      await proxy.close();
    }
  });

  it('hub push sends its pack once the server says the registration runs, before its answer ends, and the push lands whole', async () => {
    // the registration's answer reaches the client at 40 bytes/s: its first line (~80 bytes)
    // at once, its second seconds later; the pack must not wait for the second
    const is = (method: string, part: string) => (req: IncomingMessage) => req.method === method && (req.url ?? '').includes(part);
    const proxy = await startFaultProxy(s.url, [{ match: is('POST', '/cas/v1/reconstructions/'), fault: 'throttle', rate: 40, times: Infinity }]);
    try {
      const { dir, env } = await localRepoWithRemote(s, 'admin/overlap', { base: proxy.url });
      makeModel(join(dir, 'model.safetensors'), '8MiB', 164);
      await runHubJson(['add', '-A'], { cwd: dir, env });
      await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
      const pushed = await runHubJson(['push'], { cwd: dir, env: { ...env, HUB_TRANSFER: 'hub-chunks' } });
      expect(pushed).toMatchObject({ transfer: 'hub-chunks', objects: { uploaded: 1 } });
      const [registered] = proxy.log.filter((r) => r.method === 'POST' && r.url.includes('/cas/v1/reconstructions/'));
      const [pack] = proxy.log.filter((r) => r.method === 'POST' && r.url.endsWith('/git-receive-pack'));
      expect(registered?.doneAt && pack, proxy.log.map((r) => `${r.method} ${r.url}`).join('\n')).toBeTruthy();
      expect(pack.at, 'the pack went after the registration began').toBeGreaterThan(registered.at);
      expect(pack.at, 'and before its answer ended').toBeLessThan(registered.doneAt!);
      expect(await countMarks(s, sha(join(dir, 'model.safetensors')))).toBe(0);
      const clone = tmpDir();
      await runHubJson(['clone', `${s.url}/admin/overlap`, 'b'], { cwd: clone, env: { ...env, HUB_HOME: tmpDir() } });
      expect(sha(join(clone, 'b', 'model.safetensors'))).toBe(sha(join(dir, 'model.safetensors')));
    } finally {
      await proxy.close();
    }
  });
});
