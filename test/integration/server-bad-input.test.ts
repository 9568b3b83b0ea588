import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';

const LFS = 'application/vnd.git-lfs+json';

/** A raw request (paths are sent exactly as written, unlike fetch/undici URL normalisation). */
function raw(s: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; body: string }> {
  const { port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (b) => (text += b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

describe('bad requests to hub serve get a clear JSON error, and the server keeps serving', () => {
  let s: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    s = await startHubServe();
    auth = { authorization: `Bearer ${s.adminToken}` };
    await runHubJson(['repo', 'create', 'admin/m', '--endpoint', s.url, '--token', s.adminToken]);
  });
  afterAll(async () => s?.stop());

  async function expectJsonError(r: { status: number; body: string }, status: number, pattern: RegExp): Promise<void> {
    expect(r.status, r.body).toBe(status);
    const doc = JSON.parse(r.body);
    expect(typeof doc.error === 'string' || typeof doc.message === 'string').toBe(true);
    expect(doc.error ?? doc.message).toMatch(pattern);
    const health = await request(`${s.url}/api/health`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  }

  const batch = (body: string) => raw(s, 'POST', '/admin/m.git/info/lfs/objects/batch', { ...auth, accept: LFS, 'content-type': LFS }, body);

  it('malformed batch JSON is 400', async () => expectJsonError(await batch('{"operation": "download", "objects": ['), 400, /not valid JSON/));
  it('an unknown operation is 422', async () => expectJsonError(await batch(JSON.stringify({ operation: 'delete', objects: [] })), 422, /unknown operation/));
  it('objects that is not an array is 422', async () => expectJsonError(await batch(JSON.stringify({ operation: 'download', objects: 'x' })), 422, /objects/));
  it('an unsupported hash_algo is 409', async () => expectJsonError(await batch(JSON.stringify({ operation: 'download', objects: [], hash_algo: 'md5' })), 409, /hash_algo/));
  it('hash_algo sha_256 (the HF spelling) is accepted', async () => {
    const r = await batch(JSON.stringify({ operation: 'download', objects: [], hash_algo: 'sha_256' }));
    expect(r.status).toBe(200);
  });
  it('an invalid oid inside a batch is a per-object 422', async () => {
    const r = await batch(JSON.stringify({ operation: 'upload', objects: [{ oid: 'xyz', size: 1 }, { oid: 'a'.repeat(64), size: -1 }] }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).objects.map((o: { error?: { code: number } }) => o.error?.code)).toEqual([422, 422]);
  });
  it('an oversized batch body is 413', async () => expectJsonError(await batch(`{"operation":"download","objects":[],"pad":"${'x'.repeat(11 << 20)}"}`), 413, /too large/));
  it('an invalid oid in an object URL is 422', async () => expectJsonError(await raw(s, 'GET', '/admin/m.git/info/lfs/objects/not-an-oid', auth), 422, /invalid oid/));
  it('path traversal never reaches a file', async () => {
    for (const path of ['/../etc/passwd', '/admin/..%2F..%2Fmeta.sqlite.git/info/refs', '/admin/m.git/info/lfs/objects/..%2F..%2Fmeta.sqlite', '/admin/m/../../meta.sqlite']) {
      const r = await raw(s, 'GET', path, auth);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.body).not.toMatch(/SQLite format|root:x:0/);
      expect(JSON.parse(r.body).error).toBeTruthy();
    }
    expect((await request(`${s.url}/api/health`)).statusCode).toBe(200);
  });
  it('a PUT without Content-Length is 411; a short or long body stores nothing', async () => {
    const data = randomBytes(10_000);
    const oid = createHash('sha256').update(data).digest('hex');
    const path = `/admin/m.git/info/lfs/objects/${oid}`;
    await expectJsonError(await raw(s, 'PUT', path, { ...auth, 'transfer-encoding': 'chunked' }, data), 411, /Content-Length/);
    const long = await raw(s, 'PUT', path, { ...auth, 'content-length': '100' }, data.subarray(0, 100)).then((r) => r, () => ({ status: 0, body: '' }));
    expect(long.status).toBe(422); // 100 bytes that do not hash to the oid
    const r = await batch(JSON.stringify({ operation: 'download', objects: [{ oid, size: data.length }] }));
    expect(JSON.parse(r.body).objects[0].error.code).toBe(404);
    expect(readdirSync(join(s.root, 'tmp'))).toEqual([]);
  });
  it('an unknown route is 404 and a wrong method 405', async () => {
    await expectJsonError(await raw(s, 'GET', '/no/such/thing/here', auth), 404, /not found/);
    await expectJsonError(await raw(s, 'DELETE', `/admin/m.git/info/lfs/objects/${'a'.repeat(64)}`, auth), 405, /not supported/);
  });
  it('a batch without an Accept the LFS API can answer is 406', async () => {
    const r = await raw(s, 'POST', '/admin/m.git/info/lfs/objects/batch', { ...auth, accept: 'text/html', 'content-type': LFS }, '{}');
    await expectJsonError(r, 406, /vnd\.git-lfs\+json/);
  });
});
