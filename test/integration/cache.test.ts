// `hub cache ls|rm|prune` with `hub du` and `hub gc`: download snapshots are listed and counted,
// detached ones removed, and nothing a working tree or a kept snapshot needs ever leaves the store.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf } from '../helpers/clean-clones.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Binary content (a NUL byte: the server has it uploaded as LFS). */
const blob = (seed: string) => Buffer.concat([Buffer.alloc(1), bytesOf(seed, 200_000)]);

describe('hub cache', () => {
  let s: TestServer;
  let url: string;
  let source: string; // where the uploader's files are
  const uploader = () => ({ ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken });
  const upload = async (files: Record<string, Buffer | string>, repo = url) => {
    for (const [p, bytes] of Object.entries(files)) writeFileSync(join(source, p), bytes);
    const r = await runHubJson(['upload', repo, ...Object.keys(files)], { cwd: source, env: uploader() });
    return { commit: r.commit as string, oids: Object.fromEntries(r.files.filter((f: { large: boolean }) => f.large).map((f: { path: string; oid: string }) => [f.path, f.oid])) as Record<string, string> };
  };

  beforeAll(async () => {
    s = await startHubServe();
    url = `${s.url}/admin/c`;
    source = tmpDir();
    for (const repo of ['admin/c', 'admin/w']) await runHubJson(['repo', 'create', repo, '--endpoint', s.url, '--token', s.adminToken]);
  });
  afterAll(async () => s?.stop());

  // one user's HUB_HOME, carried through the tests below in order
  const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: '' };
  const has = async (oid: string) => (await runHub(['store', 'cat', oid, '-o', join(tmpDir(), 'out')], { env })).code === 0;
  const snapshot = (commit: string) => join(env.HUB_HOME, 'snapshots', s.host.replace(':', '_'), 'admin', 'c', commit);
  type Uploaded = Awaited<ReturnType<typeof upload>>;
  let w: Uploaded, r1: Uploaded, r2: Uploaded, r3: Uploaded;
  let clonePath: string;
  const cloneParent = tmpDir(); // lives as long as the file: a working tree gc must respect throughout

  it('ls lists revisions with refs, sizes and whether they are detached; du counts the snapshots', async () => {
    env.HUB_TOKEN = s.adminToken;
    // a working tree in the same HUB_HOME, whose content must survive everything below
    w = await upload({ 'w.bin': blob('w1') }, `${s.url}/admin/w`);
    clonePath = (await runHubJson(['clone', `${s.url}/admin/w`], { cwd: cloneParent, env })).path;
    expect(existsSync(join(clonePath, 'w.bin'))).toBe(true);

    r1 = await upload({ 'a.bin': blob('a1'), 'b.bin': blob('b1'), 'config.json': '{"v": 1}\n' });
    await runHubJson(['download', url], { env });
    r2 = await upload({ 'a.bin': blob('a2') });
    await runHubJson(['download', url], { env });

    const ls = await runHubJson(['cache', 'ls'], { env });
    expect(ls.repos).toHaveLength(1);
    const repo = ls.repos[0];
    expect(repo).toMatchObject({ remote: url, type: 'model' });
    const byCommit = Object.fromEntries(repo.revisions.map((r: { commit: string }) => [r.commit, r]));
    expect(byCommit[r2.commit]).toMatchObject({ refs: ['main'], detached: false, snapshot: snapshot(r2.commit), files: 4 });
    expect(byCommit[r1.commit]).toMatchObject({ refs: [], detached: true, snapshot: snapshot(r1.commit), files: 4 });
    expect(byCommit[r2.commit].bytes).toBeGreaterThan(2 * 200_000);
    const human = await runHub(['cache', 'ls'], { env });
    expect(human.stdout).toMatch(new RegExp(`${r1.commit.slice(0, 12)} .*\\(detached\\)`));
    expect(human.stdout).toMatch(new RegExp(`${r2.commit.slice(0, 12)} .* main`));

    const du = await runHubJson(['du'], { env });
    expect(du).toMatchObject({ snapshots: 2, snapshotBytes: repo.snapshotBytes });
  });

  it('prune removes the detached snapshot and the content only it had; the kept revision and the working tree keep theirs', async () => {

    // a dry run removes nothing
    const dry = await runHubJson(['cache', 'prune', '--grace', '0', '--dry-run'], { env });
    expect(dry.snapshotsRemoved.map((r: { commit: string }) => r.commit)).toEqual([r1.commit]);
    expect(existsSync(snapshot(r1.commit))).toBe(true);

    const pruned = await runHubJson(['cache', 'prune', '--grace', '0'], { env });
    expect(pruned.snapshotsRemoved.map((r: { commit: string }) => r.commit)).toEqual([r1.commit]);
    expect(pruned.gc.manifestsRemoved).toBe(1); // a1: only the detached snapshot had it
    expect(existsSync(snapshot(r1.commit))).toBe(false);
    expect(readFileSync(join(snapshot(r2.commit), 'a.bin')).equals(blob('a2'))).toBe(true);
    expect(await has(r1.oids['a.bin'])).toBe(false);
    for (const oid of [r2.oids['a.bin'], r1.oids['b.bin'], w.oids['w.bin']]) expect(await has(oid), oid).toBe(true);
    expect((await runHubJson(['du'], { env })).snapshots).toBe(1);
    // the kept revision still downloads offline, the working tree still restores offline
    expect(await runHubJson(['download', url, '--local-dir', tmpDir()], { env: { ...env, HUB_OFFLINE: '1' } })).toMatchObject({ commit: r2.commit });

  });

  it('hub gc removes detached snapshots too (older than its grace period)', async () => {
    r3 = await upload({ 'b.bin': blob('b3') });
    await runHubJson(['download', url], { env });
    const gc = await runHubJson(['gc', '--grace', '0'], { env });
    expect(gc.snapshotsRemoved.map((r: { commit: string }) => r.commit)).toEqual([r2.commit]);
    expect(existsSync(snapshot(r2.commit))).toBe(false);
    for (const oid of [r2.oids['a.bin'], r3.oids['b.bin'], w.oids['w.bin']]) expect(await has(oid), oid).toBe(true);
    expect(await has(r1.oids['b.bin'])).toBe(false);

  });

  it('rm --revision removes that snapshot and the refs naming it, the next prune its content; rm removes the repository; unknown ones are exit 3', async () => {
    const rm = await runHubJson(['cache', 'rm', url, '--revision', 'main'], { env });
    expect(rm).toMatchObject({ removed: [{ commit: r3.commit }], refsRemoved: ['refs/heads/main'], repoRemoved: false });
    expect(existsSync(snapshot(r3.commit))).toBe(false);
    await runHubJson(['cache', 'prune', '--grace', '0'], { env });
    for (const oid of [r2.oids['a.bin'], r3.oids['b.bin']]) expect(await has(oid), oid).toBe(false);
    expect(await has(w.oids['w.bin'])).toBe(true);
    rmSync(join(clonePath, 'w.bin'));
    const restored = await runHub(['restore', 'w.bin'], { cwd: clonePath, env: { ...env, HUB_OFFLINE: '1' } });
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(join(clonePath, 'w.bin')).equals(blob('w1'))).toBe(true);

    await runHubJson(['download', url], { env });
    expect((await runHub(['cache', 'rm', url, '--revision', 'no-such-branch'], { env })).code).toBe(3);
    const all = await runHubJson(['cache', 'rm', url], { env });
    expect(all).toMatchObject({ repoRemoved: true, removed: [{ commit: r3.commit }] });
    expect((await runHubJson(['cache', 'ls'], { env })).repos).toEqual([]);
    expect((await runHub(['cache', 'rm', url], { env })).code).toBe(3);
    expect((await runHub(['cache', 'rm', 'admin/never', '--revision', 'main'], { env: { ...env, HUB_ENDPOINT: s.url } })).code).toBe(3);
  });
});
