import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer, pendingUploads } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'application/vnd.git-lfs+json';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function batch(s: TestServer, repo: string, operation: string, objects: Array<{ oid: string; size: number }>, token = s.adminToken) {
  const r = await request(`${s.url}/${repo}.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: { accept: LFS, 'content-type': LFS, authorization: `Bearer ${token}` },
    body: JSON.stringify({ operation, transfers: ['basic'], objects }),
  });
  return { status: r.statusCode, body: (await r.body.json()) as any };
}

async function put(s: TestServer, repo: string, oid: string, body: Buffer, headers: Record<string, string> = {}) {
  const r = await request(`${s.url}/${repo}.git/info/lfs/objects/${oid}`, { method: 'PUT', headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/octet-stream', ...headers }, body });
  return { status: r.statusCode, text: await r.body.text() };
}

/** Starts a PUT of `bytes` sent 1 MiB at a time with a pause between pieces; `sent()` is how much went out. */
function slowUpload(s: TestServer, repo: string, bytes: Buffer, pauseMs: number) {
  let sent = 0;
  const body = (async function* () {
    for (let at = 0; at < bytes.length; at += 1 << 20) {
      yield bytes.subarray(at, at + (1 << 20));
      sent += 1 << 20;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  const status = request(`${s.url}/${repo}.git/info/lfs/objects/${sha(bytes)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${s.adminToken}`, 'content-length': String(bytes.length) },
    body,
  }).then((r) => r.statusCode, () => 'aborted' as const);
  return { status, sent: () => sent };
}

describe('hub serve keeps only verified objects', () => {
  it('rejects an upload whose bytes do not match the oid or the length, leaving nothing behind', async () => {
    const s = await startHubServe();
    try {
      await runHubJson(['repo', 'create', 'admin/m', '--endpoint', s.url, '--token', s.adminToken]);
      const good = randomBytes(300_000);
      const oid = sha(good);
      const bad = Buffer.from(good);
      bad[1000] ^= 1;
      const wrong = await put(s, 'admin/m', oid, bad);
      expect(wrong.status).toBe(422);
      expect(JSON.parse(wrong.text).error).toMatch(/hash/);
      expect((await batch(s, 'admin/m', 'download', [{ oid, size: good.length }])).body.objects[0].error.code).toBe(404);
      expect(pendingUploads(s.root)).toEqual([]);
      // a body shorter than its Content-Length is refused too (the client lies about the length)
      const short = await request(`${s.url}/admin/m.git/info/lfs/objects/${oid}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${s.adminToken}`, 'content-length': String(good.length + 10) },
        body: good,
      }).then((r) => r.statusCode, () => 'aborted');
      expect(short === 400 || short === 'aborted').toBe(true);
      expect((await batch(s, 'admin/m', 'download', [{ oid, size: good.length }])).body.objects[0].error.code).toBe(404);
      // the right bytes are accepted, verified and downloadable
      expect((await put(s, 'admin/m', oid, good)).status).toBe(200);
      const dl = await batch(s, 'admin/m', 'download', [{ oid, size: good.length }]);
      const got = await request(dl.body.objects[0].actions.download.href, { headers: dl.body.objects[0].actions.download.header });
      expect(sha(Buffer.from(await got.body.arrayBuffer()))).toBe(oid);
      expect(pendingUploads(s.root)).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it('refuses a push whose pointers name objects the server does not hold', async () => {
    const s = await startHubServe();
    try {
      await runHubJson(['repo', 'create', 'admin/p', '--endpoint', s.url, '--token', s.adminToken]);
      const client = gitClient();
      const dir = join(tmpDir(), 'p');
      const url = authUrl(s.host, '/admin/p', s.adminToken);
      client.run(tmpDir(), 'clone', '-q', url, dir);
      const oid = 'cd'.repeat(32);
      // committed without git-lfs (no .gitattributes): the pointer text goes in as it is
      writeFileSync(join(dir, 'ghost.bin'), `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 42\n`);
      client.run(dir, 'add', '-A');
      client.run(dir, 'commit', '-q', '-m', 'ghost');
      const push = client.tryRun(dir, '-c', 'lfs.allowincompletepush=true', 'push', 'origin', 'main');
      expect(push.status).not.toBe(0);
      expect(push.stderr).toContain(oid);
      expect(push.stderr).toMatch(/push refused/);
      expect(client.tryRun(dir, 'ls-remote', 'origin').stdout).toBe('');
    } finally {
      await s.stop();
    }
  });

  it('after a SIGKILL mid-upload, a restart serves every completed object and the interrupted one is absent', async () => {
    const s = await startHubServe();
    await runHubJson(['repo', 'create', 'admin/k', '--endpoint', s.url, '--token', s.adminToken]);
    const done = randomBytes(2_000_000);
    expect((await put(s, 'admin/k', sha(done), done)).status).toBe(200);
    const big = randomBytes(64 << 20);
    const bigOid = sha(big);
    // stream the big upload slowly, and kill the server while it is in flight
    const upload = slowUpload(s, 'admin/k', big, 10);
    while (upload.sent() < 16 << 20) await new Promise((r) => setTimeout(r, 20));
    await s.stop('SIGKILL');
    expect(await upload.status).toBe('aborted');

    const again = await startHubServe(s.root);
    try {
      const token = s.adminToken;
      const ok = await batch(again, 'admin/k', 'download', [{ oid: sha(done), size: done.length }, { oid: bigOid, size: big.length }], token);
      expect(ok.status).toBe(200);
      const [first, second] = ok.body.objects;
      expect(second.error.code).toBe(404);
      const got = await request(first.actions.download.href, { headers: first.actions.download.header });
      expect(sha(Buffer.from(await got.body.arrayBuffer()))).toBe(sha(done));
      expect(pendingUploads(s.root)).toEqual([]);
    } finally {
      await again.stop();
    }
  });

  it('SIGTERM lets an in-flight upload finish, then stops; a restart serves the object', async () => {
    const s = await startHubServe();
    await runHubJson(['repo', 'create', 'admin/t', '--endpoint', s.url, '--token', s.adminToken]);
    const big = randomBytes(16 << 20);
    const oid = sha(big);
    const upload = slowUpload(s, 'admin/t', big, 20);
    while (upload.sent() < 4 << 20) await new Promise((r) => setTimeout(r, 10));
    const stopped = s.stop('SIGTERM');
    expect(await upload.status).toBe(200);
    await stopped;
    expect(s.stderr()).toMatch(/hub serve stopped/);
    const again = await startHubServe(s.root);
    try {
      const r = await batch(again, 'admin/t', 'download', [{ oid, size: big.length }], s.adminToken);
      const got = await request(r.body.objects[0].actions.download.href, { headers: r.body.objects[0].actions.download.header });
      expect(sha(Buffer.from(await got.body.arrayBuffer()))).toBe(oid);
    } finally {
      await again.stop();
    }
  });
});
