// `hub download` when the server cannot be reached: a revision downloaded before is answered from
// the cache with a warning on stderr (as `hf download` does); anything never downloaded is exit 6.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf } from '../helpers/clean-clones.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('hub download with the server stopped after a first download', () => {
  let s: TestServer;
  let url: string;
  let c1: string;
  const env = { ...ID, HUB_HOME: tmpDir(), HUB_RETRIES: '1' };
  const files = { 'config.json': Buffer.from('{"v": 1}\n'), 'weights.bin': Buffer.concat([Buffer.alloc(4), bytesOf('w', 300_000)]) };

  beforeAll(async () => {
    s = await startHubServe();
    url = `${s.url}/admin/gone`;
    await runHubJson(['repo', 'create', 'admin/gone', '--endpoint', s.url, '--token', s.adminToken]);
    const dir = tmpDir();
    for (const [p, bytes] of Object.entries(files)) writeFileSync(join(dir, p), bytes);
    const serverSide = { ...env, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    c1 = (await runHubJson(['upload', url, 'config.json', 'weights.bin'], { cwd: dir, env: serverSide })).commit;
    const first = await runHubJson(['download', url, '--token', s.adminToken], { env });
    expect(first).toMatchObject({ commit: c1, offline: false, fromCache: false });
    expect(first.files.find((f: { path: string }) => f.path === 'weights.bin').large).toBe(true);
    // the server moves on; this client never saw it
    writeFileSync(join(dir, 'config.json'), '{"v": 2}\n');
    await runHubJson(['upload', url, 'config.json'], { cwd: dir, env: serverSide });
    await s.stop();
  });
  afterAll(async () => s?.stop());

  it('the revision downloaded before comes from the cache, with a warning on stderr; one never downloaded is still exit 6', async () => {
    const r = await runHub(['download', url, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warn.*cannot reach http:\/\/127\.0\.0\.1:\d+ .*answering from the cache, main as last downloaded/);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ commit: c1, revision: 'main', offline: true, fromCache: true, bytesReceived: 0 });
    for (const [p, bytes] of Object.entries(files)) expect(sha(readFileSync(join(doc.localDir, p))), p).toBe(sha(bytes));

    // a revision or repository never downloaded is still exit 6
    const branch = await runHub(['download', url, '--revision', 'dev'], { env });
    expect(branch.code, branch.stderr).toBe(6);
    expect(branch.stderr).not.toContain('answering from the cache');
    const other = await runHub(['download', `${s.url}/admin/never`], { env });
    expect(other.code, other.stderr).toBe(6);
  });

  it('into a new --local-dir the files are written from the store; --quiet still prints only the path', async () => {
    const out = tmpDir();
    const r = await runHub(['download', url, 'weights.bin', '--local-dir', out, '--quiet'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${join(out, 'weights.bin')}\n`);
    expect(r.stderr).toContain('answering from the cache');
    expect(sha(readFileSync(join(out, 'weights.bin')))).toBe(sha(files['weights.bin']));

    // the revision is known but its large file is no longer in the store: the network error stands
    rmSync(join(env.HUB_HOME, 'store'), { recursive: true, force: true });
    const gone = await runHub(['download', url, 'weights.bin', '--local-dir', tmpDir()], { env });
    expect(gone.code, gone.stderr).toBe(6);
    expect(gone.stderr).toContain('cannot reach');
  });
});
