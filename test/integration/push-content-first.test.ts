// hub push reads the remote's refs and packs the history while the large-file content uploads,
// and sends the history only once the content is all on the server (DESIGN §4: content first, so
// the pre-receive check finds every object). A failed upload sends no history at all.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const is = (method: string, part: string) => (req: IncomingMessage) => req.method === method && (req.url ?? '').includes(part);
const find = (log: ProxiedRequest[], method: string, part: string) => log.filter((r) => r.method === method && r.url.includes(part));

describe('hub push: history prepared during the upload, sent after it', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  async function repoWithModel(repo: string, base: string, seed: number) {
    const { dir, env } = await localRepoWithRemote(s, repo, { base });
    makeModel(join(dir, 'model.safetensors'), '4MiB', seed);
    writeFileSync(join(dir, 'README.md'), '# m\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
    return { dir, env: { ...env, HUB_TRANSFER: 'hub-chunks' } };
  }

  it('reads the refs while the content uploads, and sends the pack only once the content is uploaded and its registration under way', async () => {
    // 4 MiB at 1 MiB/s: the upload takes about four seconds, the refs need a fraction of one
    const proxy = await startFaultProxy(s.url, [{ match: is('PUT', '/cas/v1/xorbs/'), fault: 'throttle', rate: 1 << 20, times: Infinity }]);
    try {
      const { dir, env } = await repoWithModel('admin/first', proxy.url, 151);
      const pushed = await runHubJson(['push'], { cwd: dir, env });
      expect(pushed).toMatchObject({ transfer: 'hub-chunks', objects: { uploaded: 1 } });
      const [put] = find(proxy.log, 'PUT', '/cas/v1/xorbs/');
      const [registered] = find(proxy.log, 'POST', '/cas/v1/reconstructions/');
      const [refs] = find(proxy.log, 'GET', '/info/refs?service=git-receive-pack');
      const [pack] = find(proxy.log, 'POST', '/git-receive-pack');
      expect(put?.doneAt && registered?.doneAt && refs && pack, proxy.log.map((r) => `${r.method} ${r.url}`).join('\n')).toBeTruthy();
      expect(refs.at, 'the refs were read while the content uploaded').toBeLessThan(put.doneAt!);
      expect(pack.at, 'the history went after the content').toBeGreaterThan(put.doneAt!);
      expect(pack.at, 'and after the registration began').toBeGreaterThan(registered.at);
      const clone = tmpDir();
      await runHubJson(['clone', `${s.url}/admin/first`, 'b'], { cwd: clone, env: { ...env, HUB_HOME: tmpDir() } });
      expect(sha(join(clone, 'b', 'model.safetensors'))).toBe(sha(join(dir, 'model.safetensors')));
    } finally {
      await proxy.close();
    }
  });

  it('an upload that fails sends no history: the upload error, exit 6, and the remote has no branch', async () => {
    const proxy = await startFaultProxy(s.url, [{ match: is('POST', '/cas/v1/reconstructions/'), fault: 'status500', times: Infinity }]);
    try {
      const { dir, env } = await repoWithModel('admin/unsent', proxy.url, 152);
      const r = await runHub(['push'], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(6);
      expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))[0]).toMatch(/registering [0-9a-f]{12}/);
      expect(find(proxy.log, 'POST', '/git-receive-pack')).toEqual([]);
      const g = gitClient();
      expect(g.run(tmpDir(), 'ls-remote', authUrl(new URL(s.url).host, '/admin/unsent', s.adminToken))).toBe('');
    } finally {
      await proxy.close();
    }
  });
});
