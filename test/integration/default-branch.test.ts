/**
 * A repository whose HEAD would name a branch it does not have (the first push brings only
 * another branch; a push deletes the default branch): hub serve moves HEAD to a branch it has,
 * so git checks something out and hub can clone and fetch it at all (isomorphic-git cannot fetch
 * from a remote without a HEAD branch).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

describe('the default branch of a hub serve repository', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('follows the first pushed branch when main was never pushed, and moves off a deleted default branch', async () => {
    await runHubJson(['repo', 'create', 'admin/branches', '--endpoint', s.url, '--token', s.adminToken]);
    const g = gitClient();
    const url = authUrl(s.host, '/admin/branches', s.adminToken);
    const dir = tmpDir();
    g.run(dir, 'init', '-q', '-b', 'dev');
    writeFileSync(join(dir, 'a.txt'), 'on dev\n');
    g.run(dir, 'add', 'a.txt');
    g.run(dir, 'commit', '-qm', 'dev');
    const first = g.tryRun(dir, 'push', url, 'dev');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain("remote: hub: the repository's default branch is now dev");
    expect(g.run(dir, 'ls-remote', '--symref', url, 'HEAD')).toMatch(/^ref: refs\/heads\/dev\tHEAD$/m);
    // hub clones it and checks dev out (before: "unexpected: Could not find HEAD.")
    const env = { HUB_TOKEN: s.adminToken };
    const into = tmpDir();
    const cloned = await runHubJson(['clone', `${s.url}/admin/branches`, 'c'], { cwd: into, env });
    expect(cloned.branch).toBe('dev');
    // main arrives: HEAD stays on dev (it exists); dev deleted: HEAD moves to main
    g.run(dir, 'checkout', '-q', '-b', 'main');
    writeFileSync(join(dir, 'a.txt'), 'on main\n');
    g.run(dir, 'commit', '-qam', 'main');
    g.run(dir, 'push', '-q', url, 'main');
    expect(g.run(dir, 'ls-remote', '--symref', url, 'HEAD')).toMatch(/^ref: refs\/heads\/dev\tHEAD$/m);
    const deleted = g.tryRun(dir, 'push', url, ':dev');
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(g.run(dir, 'ls-remote', '--symref', url, 'HEAD')).toMatch(/^ref: refs\/heads\/main\tHEAD$/m);
    const again = await runHubJson(['clone', `${s.url}/admin/branches`, 'd'], { cwd: into, env });
    expect(again.branch).toBe('main');
  });
});
