// The real Hugging Face JS client (@huggingface/hub) against `hub serve` (issue 7, Done 1 and 2):
// what it uploads is a real git commit that hub and git read, and what `hub push` wrote is listed
// and downloadable by it, with the LFS oid as the etag of large files.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRepo, downloadFile, fileDownloadInfo, fileExists, listFiles, modelInfo, uploadFiles } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('@huggingface/hub against hub serve', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('createRepo, uploadFiles (a config and a 16 MiB safetensors through basic LFS), listFiles, fileExists, downloadFile, modelInfo; hub and git see the commit', async () => {
    const hubUrl = s.url;
    const accessToken = s.adminToken;
    const repo = { type: 'model' as const, name: 'admin/from-hf' };
    const modelPath = join(tmpDir(), 'model.safetensors');
    makeModel(modelPath, '16MiB', 101);
    const model = readFileSync(modelPath);
    const config = Buffer.from('{"architectures": ["Tiny"]}\n');
    await createRepo({ repo, accessToken, hubUrl });
    const commit = await uploadFiles({
      repo,
      accessToken,
      hubUrl,
      commitTitle: 'upload from the JS client',
      useXet: false, // the basic LFS path (its Xet path: xet-js-client.test.ts)
      files: [
        { path: 'config.json', content: new Blob([config]) },
        { path: 'weights/model.safetensors', content: new Blob([model]) },
      ],
    });
    expect(commit?.commit.oid).toMatch(/^[0-9a-f]{40}$/);

    const files = await all(listFiles({ repo, hubUrl, accessToken, recursive: true }));
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(byPath['config.json']).toMatchObject({ type: 'file', size: config.length });
    expect(byPath['weights/model.safetensors']).toMatchObject({ type: 'file', size: model.length, lfs: { oid: sha256(model), size: model.length } });
    expect(await fileExists({ repo, path: 'config.json', hubUrl, accessToken })).toBe(true);
    expect(await fileExists({ repo, path: 'nope.json', hubUrl, accessToken })).toBe(false);
    const got = await downloadFile({ repo, path: 'weights/model.safetensors', hubUrl, accessToken, xet: false });
    expect(sha256(new Uint8Array(await got!.arrayBuffer()))).toBe(sha256(model));
    const info = await modelInfo({ name: repo.name, hubUrl, accessToken });
    expect(info).toMatchObject({ name: 'admin/from-hf', private: false });
    expect(info.id).toBeTruthy();

    // the same commit, seen by hub clone, hub log and real git
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: accessToken };
    const parent = tmpDir();
    await runHubJson(['clone', `${hubUrl}/admin/from-hf`, 'b'], { cwd: parent, env });
    expect(sha256(readFileSync(join(parent, 'b', 'weights/model.safetensors')))).toBe(sha256(model));
    expect(readFileSync(join(parent, 'b', 'config.json'))).toEqual(config);
    const log = await runHubJson(['log'], { cwd: join(parent, 'b'), env });
    expect(JSON.stringify(log)).toContain(commit!.commit.oid);
    expect(JSON.stringify(log)).toContain('upload from the JS client');
    const git = gitClient();
    const gdir = join(tmpDir(), 'g');
    git.run(parent, 'clone', '-q', authUrl(s.host, '/admin/from-hf', accessToken), gdir);
    expect(git.run(gdir, 'log', '-1', '--format=%H %s').trim()).toBe(`${commit!.commit.oid} upload from the JS client`);
    expect(git.run(gdir, 'lfs', 'ls-files', '--long')).toContain(sha256(model));
    execFileSync('git', ['-C', gdir, 'fsck', '--strict'], { stdio: 'ignore' });
  });

  it('what hub push wrote is listed and downloadable by the JS client, the LFS oid as the etag of large files', async () => {
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/from-hub');
    makeModel(join(a, 'model.safetensors'), '8MiB', 102);
    writeFileSync(join(a, 'README.md'), '# from hub\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    const c = await runHubJson(['commit', '-m', 'from hub'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    const repo = { type: 'model' as const, name: 'admin/from-hub' };
    const opts = { repo, hubUrl: s.url, accessToken: s.adminToken };
    const model = readFileSync(join(a, 'model.safetensors'));
    const files = await all(listFiles({ ...opts, recursive: true }));
    expect(files.map((f) => f.path).sort()).toEqual(['.gitattributes', 'README.md', 'model.safetensors']);
    expect(files.find((f) => f.path === 'model.safetensors')?.lfs?.oid).toBe(sha256(model));
    const dl = await fileDownloadInfo({ ...opts, path: 'model.safetensors' });
    expect(dl?.etag.replace(/"/g, '')).toBe(sha256(model));
    expect(dl?.size).toBe(model.length);
    const blob = await downloadFile({ ...opts, path: 'model.safetensors', xet: false });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe(sha256(model));
    const readme = await downloadFile({ ...opts, path: 'README.md', xet: false });
    expect(await readme!.text()).toBe('# from hub\n');
    expect((await modelInfo({ name: repo.name, hubUrl: s.url, accessToken: s.adminToken, additionalFields: ['sha'] })).sha).toBe(c.commit);
  });
});
