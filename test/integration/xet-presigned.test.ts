/**
 * `hub serve --storage s3://... --presigned-downloads` against a real S3 service (Swift's s3api):
 * Xet reconstructions hand presigned GETs of the bucket's xorb objects, each signed for its one
 * byte range, so the bytes go from the bucket to the client. The real @huggingface/hub client and
 * hub (HUB_TRANSFER=xet) download byte-exact through them while a proxy in front of the server
 * sees no fetch and next to no bytes; a presigned URL with a wider range, or none, is refused by
 * the service; and the visibility rule holds: a public file deduplicated into a private file's
 * xorb hands an anonymous reader URLs of that xorb that read its chunks and never the secret.
 * The flag without S3 storage is refused with one line, exit 2.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadFile } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStoredManifest } from '../../src/store/manifest-files.js';
import { XET_TOKEN_TTL_SECONDS } from '../../src/server/xet-tokens.js';
import { S3Objects } from '../../src/store/s3-objects.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { http } from '../helpers/http-answer.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { S3_TEST_ENV, s3Endpoint, s3Wanted, testBucket } from '../helpers/s3-service.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface FetchInfo {
  url: string;
  range: { start: number; end: number };
  url_range: { start: number; end: number };
}

describe.skipIf(!s3Wanted())('hub serve --presigned-downloads on a bucket (a real Swift)', () => {
  let s: TestServer;
  let proxy: FaultProxy;
  let objects: S3Objects;
  let endpoint: string;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    endpoint = s3Endpoint();
    const bucket = testBucket('hub-presign');
    s = await startHubServe(tmpDir('hub-presign-'), ['--storage', `s3://${bucket}/srv`, '--s3-endpoint', endpoint, '--presigned-downloads'], { ...S3_TEST_ENV });
    proxy = await startFaultProxy(s.url, []);
    objects = new S3Objects({ kind: 's3', bucket, prefix: 'srv', endpoint }, S3_TEST_ENV);
    for (const user of ['alice', 'carol']) tokens[user] = (await runHubJson(['token', 'create', '--root', s.root, '--user', user, '--write'])).token;
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
    objects?.close();
  });

  const manifestOf = async (oid: string) => parseStoredManifest(oid, Buffer.from((await objects.get(`manifests/${oid}.json`))!).toString('utf8'));
  /** A v1 reconstruction of the file `oid` of `repo` as an anonymous reader (a Xet read token of a public repository). */
  const reconstruction = async (repo: string, oid: string, version: 1 | 2, who?: string) => {
    const auth: Record<string, string> = who ? { authorization: `Bearer ${tokens[who]}` } : {};
    const t = await http(`${s.url}/api/models/${repo}/xet-read-token/main`, { headers: auth });
    expect(t.status, t.text).toBe(200);
    const r = await http(`${t.json.casUrl}/v${version}/reconstructions/${(await manifestOf(oid)).xetHash}`, { headers: { authorization: `Bearer ${t.json.accessToken}` } });
    expect(r.status, r.text).toBe(200);
    return r.json;
  };
  const get = (url: string, range?: string) => http(url, { headers: range === undefined ? {} : { range } });

  it('refuses --presigned-downloads without S3 storage: one line, exit 2', async () => {
    const r = await runHub(['serve', '--root', tmpDir(), '--port', '0', '--presigned-downloads', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'bad_storage', message: expect.stringMatching(/^--presigned-downloads needs --storage s3:/) });
    const plain = await runHub(['serve', '--root', tmpDir(), '--port', '0', '--presigned-downloads']);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the JS client and hub (Xet) download byte-exact from the bucket: no fetch and next to no bytes pass the server', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/pre', { track: ['*.bin'] });
    const bytes = randomBytes(5 << 20);
    writeFileSync(join(dir, 'w.bin'), bytes);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'w'], { cwd: dir, env });
    await runHubJson(['push'], { cwd: dir, env });

    proxy.log.length = 0;
    const blob = await downloadFile({ repo: { type: 'model', name: 'admin/pre' }, path: 'w.bin', hubUrl: proxy.url, accessToken: s.adminToken });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe(sha256(bytes));
    const viaServer = proxy.log.splice(0);
    expect(viaServer.some((r) => /\/reconstructions\//.test(r.url))).toBe(true); // it did ask the server for the plan...
    expect(viaServer.filter((r) => r.url.includes('/fetch/'))).toEqual([]); // ...and fetched nothing from it
    expect(viaServer.reduce((n, r) => n + r.received, 0)).toBeLessThan(bytes.length / 20);

    const parent = tmpDir();
    const c = await runHubJson(['clone', `${proxy.url}/admin/pre`, 'c'], { cwd: parent, env: { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken, HUB_TRANSFER: 'xet' } });
    expect(c).toMatchObject({ transfer: 'xet', largeFiles: 1 });
    expect(sha256(readFileSync(join(parent, 'c', 'w.bin')))).toBe(sha256(bytes));
    const cloned = proxy.log.splice(0);
    expect(cloned.filter((r) => r.url.includes('/fetch/'))).toEqual([]);
    expect(cloned.reduce((n, r) => n + r.received, 0)).toBeLessThan(bytes.length / 20);
  });

  it("hands an anonymous reader of a public file deduplicated into a private xorb URLs of the bucket that read its chunks, and refuse any wider range", async () => {
    // alice's private file (base + secret, one xorb A by hub push); carol pushes base alone to her public repository with git-lfs (dedup points into A)
    const base = randomBytes(2 << 20);
    const secret = randomBytes(512 << 10);
    await runHubJson(['repo', 'create', 'alice/private', '--private', '--endpoint', s.url, '--token', tokens.alice]);
    await runHubJson(['repo', 'create', 'carol/pub', '--endpoint', s.url, '--token', tokens.carol]);
    const aenv = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: tokens.alice };
    const adir = tmpDir();
    await runHubJson(['init'], { cwd: adir, env: aenv });
    await runHubJson(['track', '*.bin'], { cwd: adir, env: aenv });
    writeFileSync(join(adir, 'model.bin'), Buffer.concat([base, secret]));
    await runHubJson(['add', '-A'], { cwd: adir, env: aenv });
    await runHubJson(['commit', '-m', 'secret'], { cwd: adir, env: aenv });
    await runHubJson(['remote', 'add', 'origin', `${s.url}/alice/private`], { cwd: adir, env: aenv });
    await runHubJson(['push'], { cwd: adir, env: { ...aenv, HUB_TRANSFER: 'hub-chunks' } });
    const git = gitClient();
    const cdir = join(tmpDir(), 'w');
    git.run(tmpDir(), 'clone', '-q', authUrl(s.host, '/carol/pub', tokens.carol), cdir);
    git.run(cdir, 'lfs', 'track', '*.bin');
    writeFileSync(join(cdir, 'base.bin'), base);
    git.run(cdir, 'add', '-A');
    git.run(cdir, 'commit', '-q', '-m', 'base');
    git.run(cdir, 'lfs', 'push', 'origin', 'main');
    git.run(cdir, 'push', '-q', 'origin', 'main');
    const shared = new Set((await manifestOf(sha256(Buffer.concat([base, secret])))).terms.map((t) => t.xorb));
    expect((await manifestOf(sha256(base))).terms.some((t) => shared.has(t.xorb)), "carol's file must reuse alice's xorb").toBe(true);

    const probes = Array.from({ length: 16 }, (_, i) => secret.subarray(i * 32 << 10, (i * 32 << 10) + 64));
    const leaks = (body: Buffer) => probes.some((p) => body.includes(p));
    const v1 = await reconstruction('carol/pub', sha256(base), 1);
    const v2 = await reconstruction('carol/pub', sha256(base), 2);
    const urls: Array<{ xorb: string; url: string; start: number; end: number }> = [];
    for (const [xorb, infos] of Object.entries(v1.fetch_info as Record<string, FetchInfo[]>)) for (const f of infos) urls.push({ xorb, url: f.url, start: f.url_range.start, end: f.url_range.end });
    for (const [xorb, entries] of Object.entries(v2.xorbs as Record<string, Array<{ url: string; ranges: Array<{ bytes: { start: number; end: number } }> }>>)) {
      for (const e of entries) {
        expect(e.ranges).toHaveLength(1); // one signed range per URL
        urls.push({ xorb, url: e.url, start: e.ranges[0].bytes.start, end: e.ranges[0].bytes.end });
      }
    }
    expect(urls.some((u) => shared.has(u.xorb))).toBe(true);
    let read = 0;
    for (const u of urls) {
      expect(new URL(u.url).origin).toBe(new URL(endpoint).origin); // the bucket's service, not the server
      expect(new URL(u.url).searchParams.get('X-Amz-SignedHeaders')).toBe('host;range');
      expect(new URL(u.url).searchParams.get('X-Amz-Expires')).toBe(String(XET_TOKEN_TTL_SECONDS)); // as long as the server's own fetch URLs
      const exact = await get(u.url, `bytes=${u.start}-${u.end}`);
      expect(exact.status, exact.text).toBe(206);
      expect(exact.body.length).toBe(u.end - u.start + 1);
      expect(leaks(exact.body)).toBe(false);
      read += exact.body.length;
      if (!shared.has(u.xorb)) continue;
      // the same URL asking for more of alice's xorb, or all of it, is refused by the service
      const size = (await objects.stat(`xorbs/${u.xorb}.xorb`))!.size;
      const wider = [`bytes=${u.start}-${size - 1}`, `bytes=0-${u.end}`, `bytes=${u.start}-${u.end + 1}`, `bytes=0-${size - 1}`, undefined].filter((r) => r !== `bytes=${u.start}-${u.end}`);
      expect(wider.length).toBeGreaterThanOrEqual(3);
      for (const range of wider) {
        const answer = await get(u.url, range);
        expect(answer.status, `${range}: ${answer.text.slice(0, 200)}`).toBe(403);
        expect(leaks(answer.body)).toBe(false);
      }
    }
    expect(read).toBeGreaterThanOrEqual(base.length);
  });
});
