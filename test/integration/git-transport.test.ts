import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionError } from '../../src/errors.js';
import { cloneHistory, fetchHistory, pushHistory } from '../../src/repo/sync.js';
import { createGitHttp } from '../../src/transfer/git-http-plugin.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { git } from '../helpers/git-repo.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

describe('git history over hub’s undici http plugin (isomorphic-git) against hub serve', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
    await runHubJson(['repo', 'create', 'admin/h', '--private', '--endpoint', s.url, '--token', s.adminToken]);
    // seed the repository with the real git
    const client = gitClient();
    const seed = join(tmpDir(), 'seed');
    client.run(tmpDir(), 'clone', '-q', authUrl(s.host, '/admin/h', s.adminToken), seed);
    writeFileSync(join(seed, 'README.md'), 'hello\n');
    client.run(seed, 'add', '-A');
    client.run(seed, 'commit', '-q', '-m', 'seed');
    client.run(seed, 'push', '-q', 'origin', 'main');
  });
  afterAll(async () => s?.stop());

  it('clones without checkout, pushes a new commit, and fetches it back; a missing token is a PermissionError', async () => {
    const http = createGitHttp({ token: s.adminToken });
    const dir = join(tmpDir(), 'c');
    const cloned = await cloneHistory({ dir, url: `${s.url}/admin/h`, http });
    expect(cloned.branch).toBe('main');
    expect(cloned.commit).toBe(git(dir, 'rev-parse', 'HEAD').trim());
    expect(git(dir, 'show', 'HEAD:README.md')).toBe('hello\n');

    // a commit made with the real git, pushed with isomorphic-git over the plugin
    writeFileSync(join(dir, 'README.md'), 'hello again\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'second');
    const pushed = await pushHistory({ gitdir: join(dir, '.git'), remote: 'origin', branch: 'main', http });
    expect(pushed).toMatchObject({ ok: true, error: undefined });
    expect(pushed.before).toBe(git(dir, 'rev-parse', 'HEAD~1').trim()); // the remote's old tip, for the tracking ref's reflog
    const other = join(tmpDir(), 'o');
    await cloneHistory({ dir: other, url: `${s.url}/admin/h`, http });
    expect(git(other, 'log', '--format=%s')).toBe('second\nseed\n');
    await fetchHistory({ gitdir: join(other, '.git'), remote: 'origin', http });

    await expect(cloneHistory({ dir: join(tmpDir(), 'x'), url: `${s.url}/admin/h`, http: createGitHttp() })).rejects.toBeInstanceOf(PermissionError);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('hello again\n');
  });
});
