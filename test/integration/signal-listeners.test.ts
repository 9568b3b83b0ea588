// Many requests in flight share one command's AbortSignal: each listens to it. A clone with
// HUB_CONCURRENCY=32 of a file of 16 pieces holds more than Node's default ten listeners at once,
// which Node reports on stderr as a possible leak (MaxListenersExceededWarning); hub raises the
// limit for its own signal (cli/main.ts), so nothing is printed and the clone is byte-exact.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';

describe('many requests in flight', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('a clone with HUB_CONCURRENCY=32 prints no listener warning and gets every byte', async () => {
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/wide');
    makeModel(join(a, 'model.safetensors'), '64MiB', 7);
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'model'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    const parent = tmpDir();
    const r = await runHub(['clone', `${s.url}/admin/wide`, 'b'], { cwd: parent, env: { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken, HUB_CONCURRENCY: '32' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/MaxListenersExceededWarning/);
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(sha(join(parent, 'b', 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
  });
});
