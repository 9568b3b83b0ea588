import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('hub push and hub clone against hub serve', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  /** User A: a repository with rev1 and rev2 of a 32 MiB model, pushed after each commit. */
  async function pushTwoRevisions(server: TestServer, repo: string, extra: Record<string, string> = {}, seed = 41) {
    const made = await localRepoWithRemote(server, repo);
    const a = made.dir;
    const env = { ...made.env, ...extra };
    makeModel(join(a, 'model.safetensors'), '32MiB', seed);
    writeFileSync(join(a, 'config.json'), '{"rev": 1}\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: a, env });
    const p1 = await runHubJson(['push'], { cwd: a, env });
    mutateModel(join(a, 'model.safetensors'), join(a, 'next'), 0.1, seed + 1);
    renameSync(join(a, 'next'), join(a, 'model.safetensors'));
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'rev2'], { cwd: a, env });
    const p2 = await runHubJson(['push'], { cwd: a, env });
    return { a, p1, p2, size: statSync(join(a, 'model.safetensors')).size };
  }

  /** User B: clone into a fresh store and compare with A's working tree. */
  async function cloneAndCompare(server: TestServer, repo: string, a: string, extra: Record<string, string> = {}) {
    const parent = tmpDir();
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: server.adminToken, ...extra };
    const c = await runHubJson(['clone', `${server.url}/${repo}`, 'b'], { cwd: parent, env });
    const b = join(parent, 'b');
    expect(sha(join(b, 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": 1}\n');
    expect((await runHubJson(['status'], { cwd: b, env })).clean).toBe(true);
    expect((await runHubJson(['log', '--oneline'], { cwd: b, env })).commits.map((x: { message: string }) => x.message)).toEqual(['rev2', 'rev1']);
    return c;
  }

  // hub-chunks is the first choice against hub serve, xet against Xet servers; each pinned here with HUB_TRANSFER (docs/protocol.md)
  for (const transfer of ['xet', 'hub-chunks']) {
    it(`${transfer}: push rev1 and rev2 of a 32 MiB model (rev2 sends at most 15%), clone gets identical bytes, git reads it too`, async () => {
      const extra: Record<string, string> = { HUB_TRANSFER: transfer };
      const repo = `admin/pc-${transfer}`;
      const { a, p1, p2, size } = await pushTwoRevisions(s, repo, extra, transfer === 'xet' ? 41 : 43); // content of its own: the other push's would deduplicate
      expect(p1).toMatchObject({ branch: 'main', transfer, objects: { checked: 1, uploaded: 1 } });
      expect(p1.bytesSent).toBeGreaterThanOrEqual(size);
      expect(p2.objects).toEqual({ checked: 1, uploaded: 1 });
      expect(p2.bytesSent).toBeLessThanOrEqual(0.15 * size);
      const c = await cloneAndCompare(s, repo, a, extra);
      expect(c).toMatchObject({ branch: 'main', largeFiles: 1, transfer });
      // what hub pushed is a normal git + git-lfs repository for the real clients too
      const client = gitClient();
      const g = join(tmpDir(), 'g');
      client.run(tmpDir(), 'clone', '-q', authUrl(s.host, `/${repo}`, s.adminToken), g);
      expect(sha(join(g, 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    });
  }

  it('against a plain LFS server (--no-chunk-transfer) push and clone fall back to whole objects', async () => {
    const plain = await startHubServe(undefined, ['--no-chunk-transfer']);
    try {
      const { a, p1, p2, size } = await pushTwoRevisions(plain, 'admin/pb');
      expect(p1).toMatchObject({ transfer: 'basic', bytesSent: size });
      expect(p2).toMatchObject({ transfer: 'basic', bytesSent: size });
      const c = await cloneAndCompare(plain, 'admin/pb', a);
      expect(c).toMatchObject({ transfer: 'basic', bytesReceived: size });
    } finally {
      await plain.stop();
    }
  });

  it('issue 5 end to end: A pushes rev1, B clones, A pushes rev2 (10% changed), B pulls; both directions move at most 15% for rev2', async () => {
    const { dir: a, env: envA } = await localRepoWithRemote(s, 'admin/e2e');
    const envB = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    makeModel(join(a, 'model.safetensors'), '64MiB', 51);
    writeFileSync(join(a, 'config.json'), '{"rev": 1}\n');
    await runHubJson(['add', '-A'], { cwd: a, env: envA });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: a, env: envA });
    await runHubJson(['push'], { cwd: a, env: envA });
    const size = statSync(join(a, 'model.safetensors')).size;

    const parent = tmpDir();
    await runHubJson(['clone', `${s.url}/admin/e2e`, 'b'], { cwd: parent, env: envB });
    const b = join(parent, 'b');
    expect(sha(join(b, 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));

    mutateModel(join(a, 'model.safetensors'), join(a, 'next'), 0.1, 52);
    renameSync(join(a, 'next'), join(a, 'model.safetensors'));
    writeFileSync(join(a, 'config.json'), '{"rev": 2}\n');
    await runHubJson(['add', '-A'], { cwd: a, env: envA });
    await runHubJson(['commit', '-m', 'rev2'], { cwd: a, env: envA });
    const pushed = await runHubJson(['push'], { cwd: a, env: envA });
    expect(pushed.bytesSent).toBeLessThanOrEqual(0.15 * size);

    const pulled = await runHubJson(['pull'], { cwd: b, env: envB });
    expect(pulled).toMatchObject({ upToDate: false, transfer: 'hub-chunks' });
    expect(pulled.written.sort()).toEqual(['config.json', 'model.safetensors']);
    expect(pulled.bytesReceived).toBeLessThanOrEqual(0.15 * size);
    expect(pulled.bytesReceived).toBeGreaterThan(0);
    expect(sha(join(b, 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": 2}\n');
    expect((await runHubJson(['status'], { cwd: b, env: envB })).clean).toBe(true);
    expect((await runHubJson(['pull'], { cwd: b, env: envB })).upToDate).toBe(true);
  });

  it('a private repository with hub login instead of HUB_TOKEN: clone, commit, push, pull over basic too', async () => {
    const plain = await startHubServe(undefined, ['--no-chunk-transfer']);
    try {
      await runHubJson(['repo', 'create', 'admin/priv', '--private', '--endpoint', plain.url, '--token', plain.adminToken]);
      const envA = { ...ID, HUB_HOME: tmpDir(), HUB_ENDPOINT: plain.url };
      const envB = { ...ID, HUB_HOME: tmpDir(), HUB_ENDPOINT: plain.url };
      for (const env of [envA, envB]) await runHubJson(['login', '--token', plain.adminToken], { env });
      const parent = tmpDir();
      await runHubJson(['clone', 'admin/priv', 'a'], { cwd: parent, env: envA }); // an empty repository
      const a = join(parent, 'a');
      await runHubJson(['track', '*.bin'], { cwd: a, env: envA });
      writeFileSync(join(a, 'w.bin'), Buffer.alloc(3_000_000, 9));
      await runHubJson(['add', '-A'], { cwd: a, env: envA });
      await runHubJson(['commit', '-m', 'one'], { cwd: a, env: envA });
      expect(await runHubJson(['push'], { cwd: a, env: envA })).toMatchObject({ transfer: 'basic', objects: { uploaded: 1 } });
      await runHubJson(['clone', 'admin/priv', 'b'], { cwd: parent, env: envB });
      writeFileSync(join(a, 'w.bin'), Buffer.alloc(3_000_000, 8));
      await runHubJson(['add', '-A'], { cwd: a, env: envA });
      await runHubJson(['commit', '-m', 'two'], { cwd: a, env: envA });
      await runHubJson(['push'], { cwd: a, env: envA });
      const pulled = await runHubJson(['pull'], { cwd: join(parent, 'b'), env: envB });
      expect(pulled).toMatchObject({ transfer: 'basic', bytesReceived: 3_000_000 });
      expect(readFileSync(join(parent, 'b', 'w.bin')).equals(Buffer.alloc(3_000_000, 8))).toBe(true);
      // without the login: exit 4 at once
      const anon = await runHub(['clone', 'admin/priv', 'c'], { cwd: parent, env: { ...ID, HUB_HOME: tmpDir(), HUB_ENDPOINT: plain.url } });
      expect(anon.code).toBe(4);
    } finally {
      await plain.stop();
    }
  });

  it('partial clone: --include "*.json" fetches no other large-file bytes; pull --include completes the rest', async () => {
    const { dir: a, env: envA } = await localRepoWithRemote(s, 'admin/partial', { track: ['*.safetensors', '*.json'] });
    const envB = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    makeModel(join(a, 'model.safetensors'), '8MiB', 61);
    const meta = Buffer.from(JSON.stringify({ note: 'x'.repeat(20_000) }));
    writeFileSync(join(a, 'meta.json'), meta);
    await runHubJson(['add', '-A'], { cwd: a, env: envA });
    await runHubJson(['commit', '-m', 'one'], { cwd: a, env: envA });
    await runHubJson(['push'], { cwd: a, env: envA });

    const parent = tmpDir();
    const c = await runHubJson(['clone', `${s.url}/admin/partial`, 'b', '--include', '*.json'], { cwd: parent, env: envB });
    const b = join(parent, 'b');
    expect(c.largeFiles).toBe(2);
    expect(c.notFetched).toEqual(['model.safetensors']);
    expect(c.bytesReceived).toBeLessThan(meta.length + 1024); // the json's chunks and headers, nothing of the model
    expect(readFileSync(join(b, 'meta.json')).equals(meta)).toBe(true);
    expect(statSync(join(b, 'model.safetensors')).size).toBeLessThan(1024); // still a pointer
    const st = await runHubJson(['status'], { cwd: b, env: envB });
    expect(st).toMatchObject({ clean: true, notFetched: ['model.safetensors'] });

    const pulled = await runHubJson(['pull', '--include', '*.safetensors'], { cwd: b, env: envB });
    expect(pulled.written).toEqual(['model.safetensors']);
    expect(pulled.bytesReceived).toBeGreaterThanOrEqual(statSync(join(a, 'model.safetensors')).size);
    expect(sha(join(b, 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    expect(await runHubJson(['status'], { cwd: b, env: envB })).toMatchObject({ clean: true, notFetched: [] });
  });

  it('a push that is not a fast-forward (two clones pushed divergent commits) is exit 7, one line, a hint naming hub pull', async () => {
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/diverged');
    writeFileSync(join(a, 'notes.txt'), 'base\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'base'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    const parent = tmpDir();
    const envB = { ...env, HUB_HOME: tmpDir() };
    await runHubJson(['clone', `${s.url}/admin/diverged`, 'b'], { cwd: parent, env: envB });
    const b = join(parent, 'b');
    writeFileSync(join(a, 'notes.txt'), 'from a\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    const fromA = await runHubJson(['commit', '-m', 'a'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    writeFileSync(join(b, 'notes.txt'), 'from b\n');
    await runHubJson(['add', '-A'], { cwd: b, env: envB });
    await runHubJson(['commit', '-m', 'b'], { cwd: b, env: envB });
    const r = await runHub(['-q', 'push'], { cwd: b, env: envB });
    expect(r.code, r.stderr).toBe(7);
    expect(lines(r.stderr)).toEqual([
      "hub: error: the remote's main has commits that this main does not have: the push is not a fast-forward",
      "hint: run 'hub pull' to bring them in (it merges diverged histories), then push again",
    ]);
    expect(r.stderr).not.toMatch(/force|unexpected/i);
    const json = await runHub(['push', '--json'], { cwd: b, env: envB });
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'non_fast_forward', exitCode: 7 });
    // the remote still has A's commit
    const c = tmpDir();
    expect((await runHubJson(['clone', `${s.url}/admin/diverged`, 'c'], { cwd: c, env: { ...env, HUB_HOME: tmpDir() } })).commit).toBe(fromA.commit);
  });

  it('a missing or wrong token fails at once with exit 4', async () => {
    await runHubJson(['repo', 'create', 'admin/secret', '--private', '--endpoint', s.url, '--token', s.adminToken]);
    const parent = tmpDir();
    const none = await runHub(['clone', `${s.url}/admin/secret`, 'x'], { cwd: parent });
    expect(none.code).toBe(4);
    const wrong = await runHub(['clone', `${s.url}/admin/secret`, 'y', '--token', 'hub_wrong'], { cwd: parent });
    expect(wrong.code).toBe(4);
  });

  it('push --tags sends tags and the large files only a tag reaches; a clone at the tag gets them', async () => {
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/tagged');
    writeFileSync(join(a, 'config.json'), '{}\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'base'], { cwd: a, env });
    await runHubJson(['switch', '-c', 'exp'], { cwd: a, env });
    const model = join(tmpDir(), 'exp.safetensors');
    makeModel(model, '2MiB', 44);
    copyFileSync(model, join(a, 'exp.safetensors'));
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'experiment'], { cwd: a, env });
    await runHubJson(['tag', 'exp-v1'], { cwd: a, env });
    await runHubJson(['switch', 'main'], { cwd: a, env });
    await runHubJson(['branch', '-D', 'exp'], { cwd: a, env });
    const plain = await runHubJson(['push'], { cwd: a, env });
    expect(plain).toMatchObject({ tags: [], objects: { checked: 0 } });
    const tagged = await runHubJson(['push', '--tags'], { cwd: a, env });
    expect(tagged).toMatchObject({ tags: ['exp-v1'], objects: { checked: 1, uploaded: 1 } });
    const parent = tmpDir();
    await runHubJson(['clone', `${s.url}/admin/tagged`, 'b', '--revision', 'exp-v1'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir() } });
    expect(sha(join(parent, 'b', 'exp.safetensors'))).toBe(sha(model));
  });
});
