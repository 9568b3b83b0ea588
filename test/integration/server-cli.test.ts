import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';

describe('hub repo create and hub token create', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('creates repositories with the JSON result, and maps server refusals to exit codes', async () => {
    const created = await runHubJson(['repo', 'create', 'admin/one', '--private'], { env: { HUB_ENDPOINT: s.url, HUB_TOKEN: s.adminToken } });
    expect(created).toEqual({ id: 'admin/one', type: 'model', private: true, url: `${s.url}/admin/one` });
    const ds = await runHubJson(['repo', 'create', 'admin/data', '--dataset', '--endpoint', s.url, '--token', s.adminToken]);
    expect(ds.url).toBe(`${s.url}/datasets/admin/data`);

    const again = await runHub(['repo', 'create', 'admin/one', '--endpoint', s.url, '--token', s.adminToken]);
    expect(again.code).toBe(7);
    expect(lines(again.stderr)[0]).toMatch(/^hub: error: creating admin\/one: .*already exists/);
    const badToken = await runHub(['repo', 'create', 'admin/two', '--endpoint', s.url, '--token', 'hub_wrong']);
    expect(badToken.code).toBe(4);
    const noEndpoint = await runHub(['repo', 'create', 'admin/two']);
    expect(noEndpoint.code).toBe(2);
    expect(lines(noEndpoint.stderr)[0]).toMatch(/no server given/);
    expect((await runHub(['repo', 'create', 'not-an-id', '--endpoint', s.url])).code).toBe(2);
    expect((await runHub(['repo', 'create', 'admin/x', '--endpoint', 'http://127.0.0.1:1', '--token', 't'])).code).toBe(6);
  });

  it('creates tokens on the server machine: read-only by default, shown once', async () => {
    const read = await runHubJson(['token', 'create', '--root', s.root, '--user', 'carol']);
    expect(read).toMatchObject({ user: 'carol', write: false });
    expect(read.token).toMatch(/^hf_/);
    const created = await runHub(['repo', 'create', 'carol/x', '--endpoint', s.url, '--token', read.token]);
    expect(created.code).toBe(4); // read-only token
    const write = await runHubJson(['token', 'create', '--root', s.root, '--user', 'carol', '--write']);
    expect((await runHubJson(['repo', 'create', 'carol/x', '--endpoint', s.url, '--token', write.token])).id).toBe('carol/x');
    const info = await request(`${s.url}/api/models/carol/x`, { headers: { authorization: `Bearer ${read.token}` } });
    expect(info.statusCode).toBe(200);
    expect(await info.body.json()).toMatchObject({ id: 'carol/x', private: false });
    // carol may not create repositories for someone else
    expect((await runHub(['repo', 'create', 'admin/y', '--endpoint', s.url, '--token', write.token])).code).toBe(4);
  });
});

describe('hub serve on a port that is in use', () => {
  it('exits 7 with one line naming the port (and a hint), and keeps the first admin token for a start that works', async () => {
    const { createServer } = await import('node:net');
    const { tmpDir } = await import('../helpers/tmp-dir.js');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const root = tmpDir();
    try {
      const r = await runHub(['serve', '--root', root, '--port', String(port)]);
      expect(r.code, r.stderr).toBe(7);
      expect(lines(r.stderr)).toEqual([`hub: error: port ${port} on 127.0.0.1 is already in use`, 'hint: stop what is using it, or pick another --port (0 picks a free one)']);
      expect(r.stdout).toBe('');
      const json = await runHub(['serve', '--root', root, '--port', String(port), '--json']);
      expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'port_in_use', exitCode: 7, data: { host: '127.0.0.1', port } });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    // the failed starts created no token that nobody saw: the first real start shows one
    const s = await startHubServe(root);
    try {
      expect(s.adminToken).toMatch(/\S{20,}/);
    } finally {
      await s.stop();
    }
  });
});
