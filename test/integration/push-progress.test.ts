// Issue 14, progress and wording: an upload's progress follows the bytes on the wire (a xorb
// throttled by a proxy shows percentages between 0 and 100, printed by the plain-mode heartbeat
// under CI), its label counts files in words ("1 large file"), and a push that sends nothing
// says git's "Everything up-to-date". HUB_PROGRESS_INTERVAL shortens the heartbeat so the test
// needs no long transfer; nothing here asserts how long anything took.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';

describe('push progress and wording', () => {
  let s: TestServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s = await startHubServe();
    proxy = await startFaultProxy(s.url, [{ match: (req) => (req.method === 'PUT' || req.method === 'POST') && (req.url ?? '').includes('/xorbs/'), fault: 'throttle', rate: 1024 * 1024, times: Infinity }]); // hub-chunks PUTs, Xet POSTs (the default)
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
  });

  it('a throttled upload reports percentages between 0 and 100 as its bytes go out; a second push says Everything up-to-date', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/slow', { base: proxy.url });
    makeModel(join(dir, 'model.safetensors'), '8MiB', 91); // more than the loopback socket buffers take at once
    writeFileSync(join(dir, 'README.md'), 'slow\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
    const r = await runHub(['push'], { cwd: dir, env: { ...env, CI: '1', HUB_PROGRESS_INTERVAL: '0.2' } });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.rules[0]!.hits).toBeGreaterThan(0); // the xorb went through the throttle
    const beats = lines(r.stderr).filter((l) => l.startsWith('Uploading 1 large file: '));
    const percents = beats.map((l) => Number(/: (\d+)%/.exec(l)?.[1]));
    expect(percents.some((p) => p > 0 && p < 100), r.stderr).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b)); // it only goes forward
    expect(lines(r.stderr)).toContain('Uploading 1 large file (8.0 MiB)');
    expect(r.stdout).toMatch(/: 1 of 1 large file uploaded, /);

    const again = await runHub(['push'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('Everything up-to-date\n');
  });
});
