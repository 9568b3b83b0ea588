// The real Hugging Face JS client (@huggingface/hub) on its default path (Xet) against `hub serve`
// as a Xet CAS (issue 17): uploads go through xet tokens, xorbs and shards and downloads through
// reconstructions and fetch URLs, as a recording proxy between them shows; what it uploads is the
// content `hub clone` reads, what `hub push` wrote it downloads, and a 10%-changed revision sends
// little more than the change.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { __internal_XetBlob as XetBlob, createRepo, downloadFile, fileDownloadInfo, uploadFiles } from '@huggingface/hub';
import { describe, expect, it } from 'vitest';
import type { ProxiedRequest } from '../helpers/fault-proxy.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { serveBehindProxy } from '../helpers/served-behind-proxy.js';
import { runHubJson } from '../helpers/run-hub.js';
import { serverContent } from '../helpers/server-content.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const CAS = '/api/xet-cas';
// The JS client (2.17.5) asks the global dedup API about the first chunk of each file only: a
// revision whose first chunk changed is sent whole whatever the server answers. The fine-tunes
// here keep their first tensor (seeds chosen so), as a fine-tune of some layers does.
const FIRST_CHUNK_MAX = 128 * 1024;
const FIRST_CHUNK_SAME = 'the test revision must keep its first chunk: the JS client deduplicates through it only';

/** The requests of `log` whose method is `method` and whose path matches `path`. */
const seen = (log: ProxiedRequest[], method: string, path: RegExp) => log.filter((r) => r.method === method && path.test(r.url.split('?')[0]));

describe('@huggingface/hub on its default (Xet) path against hub serve', () => {
  const t = serveBehindProxy();

  it('uploads through xorbs and a shard, downloads through a reconstruction; hub clone reads the same bytes; a 10%-changed revision sends at most 15% of the file', async () => {
    const hubUrl = t.proxy.url; // every request of the client goes through the proxy (the server builds its URLs from Host)
    const accessToken = t.server.adminToken;
    const repo = { type: 'model' as const, name: 'admin/xet-up' };
    const dir = tmpDir();
    makeModel(join(dir, 'v1.safetensors'), '16MiB', 171);
    mutateModel(join(dir, 'v1.safetensors'), join(dir, 'v2.safetensors'), 0.1, 172);
    const v1 = readFileSync(join(dir, 'v1.safetensors'));
    const v2 = readFileSync(join(dir, 'v2.safetensors'));
    expect(v2.subarray(0, FIRST_CHUNK_MAX).equals(v1.subarray(0, FIRST_CHUNK_MAX)), FIRST_CHUNK_SAME).toBe(true);
    await createRepo({ repo, accessToken, hubUrl });

    t.proxy.log.length = 0;
    await uploadFiles({ repo, accessToken, hubUrl, files: [{ path: 'model.safetensors', content: new Blob([v1]) }] });
    const up = t.proxy.log.splice(0);
    expect(seen(up, 'POST', /\/info\/lfs\/objects\/batch$/)).toHaveLength(1);
    const xorbs = seen(up, 'POST', new RegExp(`^${CAS}/v1/xorbs/default/[0-9a-f]{64}$`));
    expect(xorbs.length).toBeGreaterThan(0);
    expect(xorbs.every((r) => r.done)).toBe(true);
    expect(seen(up, 'POST', new RegExp(`^${CAS}/v1/shards$`))).toHaveLength(1);
    // with the CAS token the batch answer handed out (a Xet token, not the hub token)
    for (const r of seen(up, 'POST', new RegExp(`^${CAS}/`))) expect(r.authorization).toMatch(/^Bearer xet1\./);
    expect(seen(up, 'POST', /\/info\/lfs\/objects\/batch$/)[0].authorization).toBe(`Bearer ${accessToken}`);
    expect(seen(up, 'PUT', /\/info\/lfs\/objects\//)).toEqual([]); // not basic
    expect(seen(up, 'POST', /\/commit\/main$/)).toHaveLength(1);
    // the xorbs carried the file (compressed records: less than its size, more than a tenth of it)
    const xorbBytes = xorbs.reduce((n, r) => n + r.sent, 0);
    expect(xorbBytes).toBeGreaterThan(v1.length / 10);
    expect(xorbBytes).toBeLessThan(v1.length * 1.01);

    const blob = await downloadFile({ repo, path: 'model.safetensors', hubUrl, accessToken });
    expect(blob).toBeInstanceOf(XetBlob);
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe(sha256(v1));
    const down = t.proxy.log.splice(0);
    expect(seen(down, 'GET', /\/api\/models\/admin\/xet-up\/xet-read-token\/[0-9a-f]{40}$/)).toHaveLength(1);
    expect(seen(down, 'GET', new RegExp(`^${CAS}/v2/reconstructions/[0-9a-f]{64}$`)).length).toBeGreaterThan(0);
    expect(seen(down, 'GET', new RegExp(`^${CAS}/v2/`)).every((r) => r.authorization?.startsWith('Bearer xet1.'))).toBe(true);
    const fetched = seen(down, 'GET', new RegExp(`^${CAS}/fetch/[0-9a-f]{64}$`));
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.reduce((n, r) => n + r.received, 0)).toBeGreaterThanOrEqual(v1.length); // the bytes came from fetch URLs...
    expect(seen(down, 'GET', /\/resolve\//).every((r) => r.received < 4096)).toBe(true); // ...not from resolve

    // hub clone (its hub-chunks client) reads what the JS client uploaded
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: accessToken };
    const parent = tmpDir();
    await runHubJson(['clone', `${t.server.url}/admin/xet-up`, 'c1'], { cwd: parent, env });
    expect(sha256(readFileSync(join(parent, 'c1', 'model.safetensors')))).toBe(sha256(v1));

    // a fine-tune (10% of the tensors changed): the client deduplicates against the server (global dedup)
    await uploadFiles({ repo, accessToken, hubUrl, files: [{ path: 'model.safetensors', content: new Blob([v2]) }] });
    const up2 = t.proxy.log.splice(0);
    expect(seen(up2, 'GET', new RegExp(`^${CAS}/v1/chunks/default(-merkledb)?/[0-9a-f]{64}$`)).some((r) => r.received > 0)).toBe(true);
    const sent = up2.reduce((n, r) => n + r.sent, 0);
    expect(sent, `sent ${sent} bytes for a ${v2.length}-byte revision`).toBeLessThanOrEqual(v2.length * 0.15);
    expect(seen(up2, 'POST', new RegExp(`^${CAS}/v1/xorbs/`)).reduce((n, r) => n + r.sent, 0)).toBeGreaterThan(0); // the change itself was sent
    const blob2 = await downloadFile({ repo, path: 'model.safetensors', hubUrl, accessToken });
    expect(sha256(new Uint8Array(await blob2!.arrayBuffer()))).toBe(sha256(v2));
    // v2 reuses v1's xorb around the changed chunks: several ranges of it in one request (multipart/byteranges)
    expect(seen(t.proxy.log.splice(0), 'GET', new RegExp(`^${CAS}/fetch/`)).some((r) => r.range?.includes(','))).toBe(true);
    await runHubJson(['clone', `${t.server.url}/admin/xet-up`, 'c2'], { cwd: parent, env });
    expect(sha256(readFileSync(join(parent, 'c2', 'model.safetensors')))).toBe(sha256(v2));
  });

  it('a 10%-changed revision of a file of several xorbs sends at most 15% of it (the dedup answer names the xorbs of the file the first chunk begins)', async () => {
    const hubUrl = t.proxy.url;
    const accessToken = t.server.adminToken;
    const repo = { type: 'model' as const, name: 'admin/xet-big' };
    const dir = tmpDir();
    makeModel(join(dir, 'v1.safetensors'), '96MiB', 174);
    mutateModel(join(dir, 'v1.safetensors'), join(dir, 'v2.safetensors'), 0.1, 177);
    const v2 = readFileSync(join(dir, 'v2.safetensors'));
    expect(v2.subarray(0, FIRST_CHUNK_MAX).equals(readFileSync(join(dir, 'v1.safetensors')).subarray(0, FIRST_CHUNK_MAX)), FIRST_CHUNK_SAME).toBe(true);
    await createRepo({ repo, accessToken, hubUrl });
    t.proxy.log.length = 0;
    await uploadFiles({ repo, accessToken, hubUrl, files: [{ path: 'model.safetensors', content: new Blob([readFileSync(join(dir, 'v1.safetensors'))]) }] });
    expect(seen(t.proxy.log.splice(0), 'POST', new RegExp(`^${CAS}/v1/xorbs/`)).length).toBeGreaterThan(1); // the file spans xorbs
    await uploadFiles({ repo, accessToken, hubUrl, files: [{ path: 'model.safetensors', content: new Blob([v2]) }] });
    const sent = t.proxy.log.splice(0).reduce((n, r) => n + r.sent, 0);
    expect(sent, `sent ${sent} bytes for a ${v2.length}-byte revision`).toBeLessThanOrEqual(v2.length * 0.15);
    const blob = await downloadFile({ repo, path: 'model.safetensors', hubUrl, accessToken });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe(sha256(v2));
    // its xorbs hold more than 64 MiB of chunk data (cut at 64 MiB compressed), stored uncompressed: hub clone reads them
    const stored = [...(await serverContent(t.server).xorbs()).values()]; // the root's files, or the bucket in the S3 run
    expect(Math.max(...stored)).toBeGreaterThan(64 << 20);
    const parent = tmpDir();
    await runHubJson(['clone', `${t.server.url}/admin/xet-big`, 'c'], { cwd: parent, env: { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: accessToken } });
    expect(sha256(readFileSync(join(parent, 'c', 'model.safetensors')))).toBe(sha256(v2));
  });

  it('downloads through Xet what hub push pushed, byte-exact, a range of it too', async () => {
    const { dir: a, env } = await localRepoWithRemote(t.server, 'admin/xet-down');
    makeModel(join(a, 'model.safetensors'), '8MiB', 173);
    writeFileSync(join(a, 'README.md'), '# pushed by hub\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'from hub'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    const model = readFileSync(join(a, 'model.safetensors'));
    const opts = { repo: { type: 'model' as const, name: 'admin/xet-down' }, hubUrl: t.proxy.url, accessToken: t.server.adminToken };

    // the resolve answer names the file's Xet hash, the one `hub chunk` computes, and its token route
    const info = await fileDownloadInfo({ ...opts, path: 'model.safetensors' });
    const chunked = await runHubJson(['chunk', join(a, 'model.safetensors')], { env });
    expect(info?.xet?.hash).toBe(chunked.xetHash);
    expect(info?.xet?.refreshUrl.pathname).toMatch(/^\/api\/models\/admin\/xet-down\/xet-read-token\/[0-9a-f]{40}$/);
    expect(info?.etag.replace(/"/g, '')).toBe(sha256(model));
    expect(info?.size).toBe(model.length);

    t.proxy.log.length = 0;
    const blob = await downloadFile({ ...opts, path: 'model.safetensors' });
    expect(blob).toBeInstanceOf(XetBlob);
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe(sha256(model));
    const slice = new Uint8Array(await blob!.slice(1_000_003, 3_500_017).arrayBuffer());
    expect(Buffer.from(slice).equals(model.subarray(1_000_003, 3_500_017))).toBe(true);
    const log = t.proxy.log.splice(0);
    expect(seen(log, 'GET', new RegExp(`^${CAS}/v2/reconstructions/[0-9a-f]{64}$`)).length).toBeGreaterThanOrEqual(2);
    expect(seen(log, 'GET', new RegExp(`^${CAS}/fetch/`)).length).toBeGreaterThan(0);
    // a small file is a git blob: no Xet for it
    const readme = await downloadFile({ ...opts, path: 'README.md' });
    expect(readme).not.toBeInstanceOf(XetBlob);
    expect(await readme!.text()).toBe('# pushed by hub\n');
  });
});
