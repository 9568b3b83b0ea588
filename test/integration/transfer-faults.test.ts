import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const is = (method: string, part: string) => (req: IncomingMessage) => req.method === method && (req.url ?? '').includes(part);

describe('transfers through a faulty network', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  /** A local repository with one 8 MiB model committed, its remote pointing at `base`. */
  async function localRepo(base: string, repo: string) {
    const { dir: a, env } = await localRepoWithRemote(s, repo, { base });
    makeModel(join(a, 'model.safetensors'), '8MiB', 71);
    writeFileSync(join(a, 'config.json'), '{}\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: a, env });
    return { a, env };
  }

  it('retries 500s, 429s, resets mid-upload and mid-download, truncated and slow bodies: push and clone succeed', async () => {
    const rules: FaultRule[] = [
      { match: is('POST', '/objects/batch'), fault: 'status500', times: 1 },
      { match: is('POST', '/chunks/missing'), fault: 'status429', times: 1 },
      { match: is('PUT', '/cas/v1/xorbs/'), fault: 'reset-request', times: 1 },
      { match: is('POST', '/cas/v1/reconstructions/'), fault: 'status500', times: 1 },
      { match: is('GET', '/cas/v1/reconstructions/'), fault: 'status500', times: 1 },
      { match: is('GET', '/cas/v1/xorbs/'), fault: 'reset-response', times: 1 },
      { match: is('GET', '/cas/v1/xorbs/'), fault: 'truncate', times: 1 },
      { match: is('GET', '/cas/v1/xorbs/'), fault: 'slow', times: 1 },
    ];
    const proxy = await startFaultProxy(s.url, rules);
    try {
      const { a, env } = await localRepo(proxy.url, 'admin/faulty');
      const pushed = await runHubJson(['push'], { cwd: a, env });
      expect(pushed.objects.uploaded).toBe(1);
      const parent = tmpDir();
      await runHubJson(['clone', `${proxy.url}/admin/faulty`, 'b'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir() } });
      expect(sha(join(parent, 'b', 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
      for (const r of rules) expect(r.hits, `${r.fault} ${r.match.toString()}`).toBe(r.times);
    } finally {
      await proxy.close();
    }
  });

  it('a corrupted byte in a range response: clone exits 5 and no unverified bytes reach the working tree', async () => {
    const direct = await localRepo(s.url, 'admin/corrupt');
    await runHubJson(['push'], { cwd: direct.a, env: direct.env });
    const proxy = await startFaultProxy(s.url, [{ match: is('GET', '/cas/v1/xorbs/'), fault: 'corrupt', times: Infinity }]);
    try {
      const parent = tmpDir();
      const r = await runHub(['clone', `${proxy.url}/admin/corrupt`, 'b'], { cwd: parent, env: { ...direct.env, HUB_HOME: tmpDir() } });
      expect(r.code).toBe(5);
      expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))[0]).toMatch(/do not match its hash|hashes to/);
      expect(existsSync(join(parent, 'b', 'model.safetensors'))).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('when retries run out: exit 6 with a clear message', async () => {
    const direct = await localRepo(s.url, 'admin/down');
    const proxy = await startFaultProxy(s.url, [{ match: is('POST', '/objects/batch'), fault: 'status500', times: Infinity }]);
    try {
      await runHubJson(['remote', 'remove', 'origin'], { cwd: direct.a, env: direct.env });
      await runHubJson(['remote', 'add', 'origin', `${proxy.url}/admin/down`], { cwd: direct.a, env: direct.env });
      const r = await runHub(['push'], { cwd: direct.a, env: direct.env });
      expect(r.code).toBe(6);
      expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))[0]).toMatch(/LFS upload: injected/);
    } finally {
      await proxy.close();
    }
  });
});
