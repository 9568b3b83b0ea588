/**
 * `hub gc --root DIR` on a running server (issue 18): what no repository holds and is older than
 * the grace period goes (a deleted repository's files and the xorbs only they used); everything a
 * repository holds stays, and so does a push that runs while gc does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { pushOneFile } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('hub gc --root on a server root', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it("removes a deleted repository's content once older than the grace period, keeps what repositories hold, and a push running meanwhile", async () => {
    const push = (repo: string, bytes: Buffer) => pushOneFile(s, repo, bytes);
    const kept = randomBytes(3 << 20);
    const dropped = randomBytes(3 << 20);
    await push('admin/kept', kept);
    await push('admin/dropped', dropped);
    const store = join(s.root, 'store');
    await runHubJson(['repo', 'delete', 'admin/dropped', '--endpoint', s.url, '--token', s.adminToken]);
    const env = { HUB_HOME: tmpDir() };

    // everything is recent: the default grace keeps it all
    const young = await runHubJson(['gc', '--root', s.root, '--dry-run'], { env });
    expect(young).toMatchObject({ dryRun: true, manifestsRemoved: 0, xorbsRemoved: 0, repositories: 1, objectsHeld: 1 });

    // two hours later (the files' times moved back), while another push runs
    const past = new Date(Date.now() - 2 * 3600_000);
    for (const f of filesUnder(store)) if (!f.endsWith('.sqlite') && !f.includes('sqlite-')) utimesSync(f, past, past);
    const fresh = randomBytes(6 << 20);
    const pushing = push('admin/fresh', fresh);
    const collected = await runHubJson(['gc', '--root', s.root], { env });
    await pushing;
    const again = await runHubJson(['gc', '--root', s.root], { env }); // after the push, with it registered
    expect(collected.manifestsRemoved + again.manifestsRemoved).toBe(1);
    expect(collected.xorbsRemoved + again.xorbsRemoved).toBeGreaterThanOrEqual(1);
    expect(again.objectsHeld).toBe(2);

    // what the repositories hold is whole: clones byte-exact, the store healthy
    for (const [repo, bytes] of [['admin/kept', kept], ['admin/fresh', fresh]] as const) {
      const into = tmpDir();
      await runHubJson(['clone', `${s.url}/${repo}`, 'c'], { cwd: into, env: { HUB_TOKEN: s.adminToken } });
      expect(sha256(readFileSync(join(into, 'c', 'w.bin'))), repo).toBe(sha256(bytes));
    }
    const fsck = await runHub(['fsck', '--json'], { env: { HUB_HOME: s.root } });
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    // the dropped file's bytes are gone from every xorb
    const probe = dropped.subarray(1 << 20, (1 << 20) + 64);
    for (const f of filesUnder(join(store, 'xorbs'))) expect(readFileSync(f).includes(probe), f).toBe(false);
  });
});
