import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { tmpDir } from '../helpers/tmp-dir.js';

describe('hub push looks only at what changed since the remote', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('a push after earlier pushed commits reads none of their objects: an old pointer blob gone from .git/objects does not matter', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/history', { track: ['*.bin'] });
    const commit = async (name: string, text: string, msg: string) => {
      writeFileSync(join(dir, name), text.repeat(2000));
      await runHubJson(['add', '-A'], { cwd: dir, env });
      await runHubJson(['commit', '-m', msg], { cwd: dir, env });
    };
    await commit('w.bin', 'first ', 'one');
    const oldBlob = execFileSync('git', ['rev-parse', 'HEAD:w.bin'], { cwd: dir, encoding: 'utf8' }).trim();
    await commit('w.bin', 'second ', 'two');
    await commit('v.bin', 'third ', 'three');
    expect((await runHubJson(['push'], { cwd: dir, env })).objects).toEqual({ checked: 3, uploaded: 3 });
    // history the remote has is never walked again (the old code inflated every blob of it)
    rmSync(join(dir, '.git', 'objects', oldBlob.slice(0, 2), oldBlob.slice(2)));
    await commit('u.bin', 'fourth ', 'four');
    expect((await runHubJson(['push'], { cwd: dir, env })).objects).toEqual({ checked: 1, uploaded: 1 });
  });

  it('bytes sent and received count every object of a push and a clone that move several at once', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/several', { track: ['*.bin'] });
    const sizes = [300_000, 400_000, 500_000];
    sizes.forEach((n, i) => writeFileSync(join(dir, `f${i}.bin`), randomBytes(n)));
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'three files'], { cwd: dir, env });
    const pushed = await runHubJson(['push'], { cwd: dir, env });
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(pushed.objects).toEqual({ checked: 3, uploaded: 3 });
    expect(pushed.bytesSent).toBeGreaterThanOrEqual(total); // xorbs: the data plus record headers
    const parent = tmpDir();
    const cloned = await runHubJson(['clone', `${s.url}/admin/several`, 'c'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir() } });
    expect(cloned.bytesReceived).toBeGreaterThanOrEqual(total);
  });
});
