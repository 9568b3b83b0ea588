/**
 * hub's Xet client and the real Hugging Face JS client (@huggingface/hub, its default Xet path)
 * sharing one `hub serve` (issue 17), every request through a recording proxy: what the JS client
 * uploads hub clones, and a 10%-changed revision it uploads next reaches hub's clone by `hub pull`
 * moving at most 15% of the file; what hub pushes the JS client downloads, and a 10%-changed
 * revision hub pushes sends at most 15% and downloads byte-exact.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { __internal_XetBlob as XetBlob, createRepo, downloadFile, uploadFiles } from '@huggingface/hub';
import { describe, expect, it } from 'vitest';
import type { ProxiedRequest } from '../helpers/fault-proxy.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { serveBehindProxy } from '../helpers/served-behind-proxy.js';
import { preferTransfer, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const CAS = '/api/xet-cas';
const path = (r: ProxiedRequest) => r.url.split('?')[0];
/** Content bytes that crossed the proxy (xorb uploads, shards, fetched ranges, basic objects). */
const contentBytes = (log: ProxiedRequest[]) => log.filter((r) => /\/(xorbs|fetch|shards|objects\/[0-9a-f]{64})/.test(path(r))).reduce((n, r) => n + r.sent + r.received, 0);
const xetOnly = (log: ProxiedRequest[]) => {
  expect(log.filter((r) => /\/info\/lfs\/(cas\/|objects\/[0-9a-f]{64})/.test(path(r)))).toEqual([]);
  expect(log.some((r) => path(r).startsWith(`${CAS}/`))).toBe(true);
};


// hub's first choice against hub serve is hub-chunks: these suites ask for Xet first
preferTransfer('xet,hub-chunks');
describe('hub and the Hugging Face JS client on one Xet CAS', () => {
  const t = serveBehindProxy();

  it('the JS client uploads, hub clones; the JS client uploads a 10%-changed revision, hub pulls it moving at most 15%', async () => {
    const repo = { type: 'model' as const, name: 'admin/from-js' };
    const opts = { repo, accessToken: t.server.adminToken, hubUrl: t.proxy.url };
    const dir = tmpDir();
    makeModel(join(dir, 'v1.safetensors'), '16MiB', 1801);
    mutateModel(join(dir, 'v1.safetensors'), join(dir, 'v2.safetensors'), 0.1, 1802);
    const v1 = readFileSync(join(dir, 'v1.safetensors'));
    const v2 = readFileSync(join(dir, 'v2.safetensors'));
    await createRepo(opts);
    await uploadFiles({ ...opts, files: [{ path: 'model.safetensors', content: new Blob([v1]) }] });

    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: t.server.adminToken };
    const parent = tmpDir();
    t.proxy.log.length = 0;
    const clone = await runHubJson(['clone', `${t.proxy.url}/admin/from-js`, 'c'], { cwd: parent, env });
    expect(clone.transfer).toBe('xet');
    expect(sha256(readFileSync(join(parent, 'c', 'model.safetensors')))).toBe(sha256(v1));
    xetOnly(t.proxy.log.splice(0));

    await uploadFiles({ ...opts, files: [{ path: 'model.safetensors', content: new Blob([v2]) }] });
    t.proxy.log.length = 0;
    const pull = await runHubJson(['pull'], { cwd: join(parent, 'c'), env });
    const log = t.proxy.log.splice(0);
    expect(pull.transfer).toBe('xet');
    expect(sha256(readFileSync(join(parent, 'c', 'model.safetensors')))).toBe(sha256(v2));
    const moved = contentBytes(log);
    expect(moved, `hub pull of the JS client's revision moved ${moved} of ${v2.length} bytes`).toBeLessThanOrEqual(v2.length * 0.15);
    expect(moved).toBeGreaterThan(0);
    xetOnly(log);
  });

  it('hub pushes, the JS client downloads; hub pushes a 10%-changed revision sending at most 15%, the JS client downloads it byte-exact', async () => {
    const a = await localRepoWithRemote(t.server, 'admin/from-hub', { base: t.proxy.url });
    const model = join(a.dir, 'model.safetensors');
    makeModel(model, '16MiB', 1811);
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    await runHubJson(['commit', '-m', 'v1'], { cwd: a.dir, env: a.env });
    t.proxy.log.length = 0;
    expect((await runHubJson(['push'], { cwd: a.dir, env: a.env })).transfer).toBe('xet');
    xetOnly(t.proxy.log.splice(0));
    const opts = { repo: { type: 'model' as const, name: 'admin/from-hub' }, accessToken: t.server.adminToken, hubUrl: t.proxy.url, path: 'model.safetensors' };
    const blob1 = await downloadFile(opts);
    expect(blob1).toBeInstanceOf(XetBlob);
    expect(sha256(new Uint8Array(await blob1!.arrayBuffer()))).toBe(sha256(readFileSync(model)));

    const next = join(tmpDir(), 'v2.safetensors');
    mutateModel(model, next, 0.1, 1812);
    renameSync(next, model);
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    await runHubJson(['commit', '-m', 'v2'], { cwd: a.dir, env: a.env });
    t.proxy.log.length = 0;
    await runHubJson(['push'], { cwd: a.dir, env: a.env });
    const log = t.proxy.log.splice(0);
    const size = readFileSync(model).length;
    expect(contentBytes(log), 'hub push of v2').toBeLessThanOrEqual(size * 0.15);
    xetOnly(log);
    const blob2 = await downloadFile(opts);
    expect(blob2).toBeInstanceOf(XetBlob);
    expect(sha256(new Uint8Array(await blob2!.arrayBuffer()))).toBe(sha256(readFileSync(model)));
  });
});
