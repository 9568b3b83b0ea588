/**
 * Issue 14, pushing: `hub push [REMOTE [BRANCH...]]`, `-u`, `--force`, `--force-with-lease`,
 * `--delete`, and a non-fast-forward refused with exit 7 and a hint naming `hub pull`. What the
 * remote holds afterwards is read with real git (`git ls-remote`), and upstreams with git's own
 * `@{upstream}`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitClient, type GitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

let s: TestServer;
let g: GitClient;
beforeAll(async () => {
  s = await startHubServe();
  g = gitClient();
});
afterAll(async () => {
  await s.stop();
});

/** The remote's branches as `git ls-remote` lists them: name -> commit. */
function remoteHeads(repo: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of g.run(tmpDir(), 'ls-remote', '--heads', `${s.url}/${repo}`).split('\n').filter(Boolean)) {
    const [oid, ref] = line.split('\t');
    out[ref.replace('refs/heads/', '')] = oid;
  }
  return out;
}

describe('hub push forms', () => {
  it('pushes named branches, sets upstreams with -u, deletes with --delete', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/forms');
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    const c1 = await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
    const first = await runHubJson(['push', '-u', 'origin', 'main'], { cwd: dir, env });
    expect(first).toMatchObject({ remote: 'origin', branch: 'main', commit: c1.commit, upstreamSet: ['main'] });
    expect(g.run(dir, 'rev-parse', '--abbrev-ref', 'main@{upstream}').trim()).toBe('origin/main');

    await runHubJson(['branch', 'feature'], { cwd: dir, env });
    await runHubJson(['branch', 'other'], { cwd: dir, env });
    const two = await runHubJson(['push', 'origin', 'feature', 'other'], { cwd: dir, env });
    expect(two.branches.map((b: { branch: string }) => b.branch)).toEqual(['feature', 'other']);
    expect(remoteHeads('admin/forms')).toEqual({ main: c1.commit, feature: c1.commit, other: c1.commit });
    expect(g.run(dir, 'rev-parse', 'refs/remotes/origin/feature').trim()).toBe(c1.commit);

    const del = await runHubJson(['push', 'origin', '--delete', 'other'], { cwd: dir, env });
    expect(del.branches).toEqual([{ branch: 'other', commit: null, deleted: true, forced: false, upToDate: false }]);
    expect(remoteHeads('admin/forms')).toEqual({ main: c1.commit, feature: c1.commit });
    expect(g.tryRun(dir, 'rev-parse', '--verify', '-q', 'refs/remotes/origin/other').status).not.toBe(0);
    expect((await runHub(['push', '--delete'], { cwd: dir, env })).code).toBe(2);
  });

  it('refuses a non-fast-forward (exit 7, hint hub pull); --force-with-lease holds only while the remote is where we last fetched; --force overwrites', async () => {
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/lease');
    writeFileSync(join(a, 'n.txt'), 'base\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'base'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    const parent = tmpDir();
    const envB = { ...env, HUB_HOME: tmpDir() };
    await runHubJson(['clone', `${s.url}/admin/lease`, 'b'], { cwd: parent, env: envB });
    const b = join(parent, 'b');
    writeFileSync(join(a, 'n.txt'), 'from a\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    const fromA = await runHubJson(['commit', '-m', 'a'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    writeFileSync(join(b, 'n.txt'), 'from b\n');
    await runHubJson(['add', '-A'], { cwd: b, env: envB });
    const fromB = await runHubJson(['commit', '-m', 'b'], { cwd: b, env: envB });

    const plain = await runHub(['push'], { cwd: b, env: envB });
    expect(plain.code).toBe(7);
    expect(plain.stderr).toMatch(/not a fast-forward/);
    expect(plain.stderr).toMatch(/hint: .*'hub pull'/);

    // B last saw the base commit: the lease names it, the remote has A's commit, so it fails
    const stale = await runHub(['push', '--force-with-lease', '--json'], { cwd: b, env: envB });
    expect(stale.code).toBe(7);
    expect(JSON.parse(stale.stdout).error).toMatchObject({ code: 'stale_lease', data: { remote: fromA.commit } });
    expect(remoteHeads('admin/lease').main).toBe(fromA.commit);

    // after a fetch B has seen A's commit: the lease holds and B's commit replaces it
    await runHubJson(['fetch'], { cwd: b, env: envB });
    const leased = await runHubJson(['push', '--force-with-lease'], { cwd: b, env: envB });
    expect(leased.branches[0]).toMatchObject({ branch: 'main', commit: fromB.commit, forced: true });
    expect(remoteHeads('admin/lease').main).toBe(fromB.commit);

    // A is now behind and diverged: --force puts A's commit back
    expect((await runHub(['push'], { cwd: a, env })).code).toBe(7);
    await runHubJson(['push', '--force'], { cwd: a, env });
    expect(remoteHeads('admin/lease').main).toBe(fromA.commit);
  });
});
