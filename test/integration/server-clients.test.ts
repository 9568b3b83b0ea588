import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient, type GitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { runHubJson } from '../helpers/run-hub.js';
import { storedXorbBytes } from '../helpers/server-content.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');


describe('real git and git-lfs clients against hub serve', () => {
  let server: TestServer;
  let client: GitClient;
  beforeAll(async () => {
    server = await startHubServe();
    client = gitClient();
    await runHubJson(['repo', 'create', 'admin/llama', '--endpoint', server.url, '--token', server.adminToken]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('clone, push, pull, git lfs push and pull of a 64 MiB file, and a fresh clone checks out real bytes', async () => {
    const url = authUrl(server.host, '/admin/llama', server.adminToken);
    const work = tmpDir();
    const a = join(work, 'a');
    client.run(work, 'clone', '-q', url, a);
    client.run(a, 'lfs', 'track', '*.safetensors');
    makeModel(join(a, 'model.safetensors'), '64MiB', 21);
    writeFileSync(join(a, 'config.json'), '{"rev": 1}\n');
    client.run(a, 'add', '-A');
    client.run(a, 'commit', '-q', '-m', 'rev1');
    client.run(a, 'push', '-q', 'origin', 'main');
    const rev1 = sha256(join(a, 'model.safetensors'));
    const size = statSync(join(a, 'model.safetensors')).size;
    const afterRev1 = await storedXorbBytes(server);

    // a fresh clone (git-lfs installed) checks out the real bytes
    const b = join(work, 'b');
    client.run(work, 'clone', '-q', url, b);
    expect(sha256(join(b, 'model.safetensors'))).toBe(rev1);
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"rev": 1}\n');

    // rev2: 10% of the tensors rewritten; git lfs push sends the whole file, the server stores ~10%
    mutateModel(join(a, 'model.safetensors'), join(work, 'next'), 0.1, 22);
    renameSync(join(work, 'next'), join(a, 'model.safetensors'));
    writeFileSync(join(a, 'config.json'), '{"rev": 2}\n');
    client.run(a, 'add', '-A');
    client.run(a, 'commit', '-q', '-m', 'rev2');
    client.run(a, 'lfs', 'push', 'origin', 'main');
    client.run(a, 'push', '-q', 'origin', 'main');
    const rev2 = sha256(join(a, 'model.safetensors'));
    expect((await storedXorbBytes(server)) - afterRev1).toBeLessThanOrEqual(0.15 * size);

    // git pull brings rev2; git lfs pull of an explicitly skipped checkout fills it in
    client.run(b, 'pull', '-q', 'origin', 'main');
    expect(sha256(join(b, 'model.safetensors'))).toBe(rev2);
    const c = join(work, 'c');
    client.run(work, '-c', 'lfs.fetchexclude=*', 'clone', '-q', url, c);
    expect(statSync(join(c, 'model.safetensors')).size).toBeLessThan(1024); // a pointer
    client.run(c, 'lfs', 'pull');
    expect(sha256(join(c, 'model.safetensors'))).toBe(rev2);
    expect(client.run(c, 'log', '--format=%s')).toBe('rev2\nrev1\n');
  });

  it('serves dataset repositories under /datasets/ for git and LFS', async () => {
    await runHubJson(['repo', 'create', 'admin/squad', '--dataset', '--endpoint', server.url, '--token', server.adminToken]);
    const url = authUrl(server.host, '/datasets/admin/squad', server.adminToken);
    const work = tmpDir();
    client.run(work, 'clone', '-q', url, join(work, 'd'));
    client.run(join(work, 'd'), 'lfs', 'track', '*.parquet');
    writeFileSync(join(work, 'd', 'train.parquet'), Buffer.alloc(200_000, 7));
    client.run(join(work, 'd'), 'add', '-A');
    client.run(join(work, 'd'), 'commit', '-q', '-m', 'data');
    client.run(join(work, 'd'), 'push', '-q', 'origin', 'main');
    client.run(work, 'clone', '-q', `${url}.git`, join(work, 'e'));
    expect(readFileSync(join(work, 'e', 'train.parquet')).equals(Buffer.alloc(200_000, 7))).toBe(true);
    // the model namespace does not see it
    expect(client.tryRun(work, 'ls-remote', authUrl(server.host, '/admin/squad', server.adminToken)).status).not.toBe(0);
  });
});
