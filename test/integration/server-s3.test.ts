/**
 * `hub serve --storage s3://BUCKET/PREFIX --s3-endpoint URL` against a real S3 service (Swift's
 * s3api, test/services/swift.sh): hub push and hub clone, git and git-lfs (the basic transfer)
 * against it, byte-exact, with every xorb and manifest in the bucket and none in the server's
 * folder; the same server started again with its local chunk index deleted still serves it all;
 * bad storage arguments and an unreachable service fail with one line and their exit codes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Objects } from '../../src/store/s3-objects.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { S3_TEST_ENV, s3Endpoint, s3Wanted, testBucket } from '../helpers/s3-service.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe.skipIf(!s3Wanted())('hub serve with its content in an S3 bucket (a real Swift)', () => {
  let s: TestServer;
  let bucket: string;
  let objects: S3Objects;
  beforeAll(async () => {
    bucket = testBucket('hub-serve-s3');
    s = await startHubServe(tmpDir('hub-serve-s3-'), ['--storage', `s3://${bucket}/models`, '--s3-endpoint', s3Endpoint()], { ...S3_TEST_ENV });
    objects = new S3Objects({ kind: 's3', bucket, prefix: 'models', endpoint: s3Endpoint() }, S3_TEST_ENV);
  });
  afterAll(async () => {
    await s?.stop();
    objects?.close();
  });

  /** Files under the server's root whose names say they are store objects (there must be none). */
  const localObjects = (root: string) => readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.xorb$|manifests\/|xorbs\//.test(f));

  /** The bucket's objects, by kind. */
  async function bucketObjects(): Promise<{ xorbs: number; tables: number; manifests: number; xorbBytes: number }> {
    const n = { xorbs: 0, tables: 0, manifests: 0, xorbBytes: 0 };
    for await (const o of objects.list('')) {
      if (o.name.endsWith('.xorb')) {
        n.xorbs++;
        n.xorbBytes += o.size;
      } else if (o.name.endsWith('.table')) n.tables++;
      else if (o.name.startsWith('manifests/')) n.manifests++;
    }
    return n;
  }

  it('hub push then hub clone of two revisions are byte-exact, the second stores about its 10% of new bytes, and no xorb is on the server\'s disk', async () => {
    expect(s.stderr()).not.toContain('NodeVersionSupportWarning'); // the log stays JSON lines
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/s3model');
    makeModel(join(a, 'model.safetensors'), '24MiB', 61);
    writeFileSync(join(a, 'config.json'), '{"rev": 1}\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: a, env });
    expect(await runHubJson(['push'], { cwd: a, env })).toMatchObject({ transfer: 'hub-chunks', objects: { uploaded: 1 } });
    const afterRev1 = await bucketObjects();
    expect(afterRev1.xorbs).toBeGreaterThan(0);
    expect(afterRev1.tables).toBe(afterRev1.xorbs);
    expect(afterRev1.manifests).toBe(1);
    const size = statSync(join(a, 'model.safetensors')).size;

    mutateModel(join(a, 'model.safetensors'), join(a, 'next'), 0.1, 62);
    renameSync(join(a, 'next'), join(a, 'model.safetensors'));
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'rev2'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    const afterRev2 = await bucketObjects();
    expect(afterRev2.manifests).toBe(2);
    expect(afterRev2.xorbBytes - afterRev1.xorbBytes).toBeLessThanOrEqual(0.15 * size);

    const parent = tmpDir();
    const benv = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    const c = await runHubJson(['clone', `${s.url}/admin/s3model`, 'b'], { cwd: parent, env: benv });
    expect(c).toMatchObject({ largeFiles: 1, transfer: 'hub-chunks' });
    expect(sha(join(parent, 'b', 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    const rev1 = (await runHubJson(['log'], { cwd: a, env })).commits[1].commit;
    const old = await runHubJson(['clone', '--revision', rev1, `${s.url}/admin/s3model`, 'old'], { cwd: parent, env: { ...benv, HUB_HOME: tmpDir() } });
    expect(old.largeFiles).toBe(1);
    expect(readFileSync(join(parent, 'old', 'config.json'), 'utf8')).toBe('{"rev": 1}\n');
    expect(localObjects(s.root)).toEqual([]);
  });

  it('git and git-lfs (basic transfer) push and pull through it byte-exact, and the bucket holds the object', async () => {
    await runHubJson(['repo', 'create', 'admin/s3git', '--endpoint', s.url, '--token', s.adminToken]);
    const client = gitClient();
    const url = authUrl(s.host, '/admin/s3git', s.adminToken);
    const work = tmpDir();
    const a = join(work, 'a');
    client.run(work, 'clone', '-q', url, a);
    client.run(a, 'lfs', 'track', '*.bin');
    makeModel(join(a, 'weights.bin'), '12MiB', 63);
    client.run(a, 'add', '-A');
    client.run(a, 'commit', '-q', '-m', 'one');
    const before = (await bucketObjects()).manifests;
    client.run(a, 'push', '-q', 'origin', 'main');
    expect((await bucketObjects()).manifests).toBe(before + 1);
    const b = join(work, 'b');
    client.run(work, '-c', 'lfs.fetchexclude=*', 'clone', '-q', url, b);
    expect(statSync(join(b, 'weights.bin')).size).toBeLessThan(1024); // a pointer until pulled
    client.run(b, 'lfs', 'pull');
    expect(sha(join(b, 'weights.bin'))).toBe(sha(join(a, 'weights.bin')));
    expect(localObjects(s.root)).toEqual([]);
  });

  it('started again with its local chunk index deleted, it serves everything the bucket holds', async () => {
    await s.stop();
    for (const f of readdirSync(join(s.root, 'store'))) if (f.startsWith('index.sqlite')) rmSync(join(s.root, 'store', f));
    s = await startHubServe(s.root, s.args, s.env);
    const parent = tmpDir();
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
    await runHubJson(['clone', `${s.url}/admin/s3model`, 'b'], { cwd: parent, env });
    const model = join(parent, 'b', 'model.safetensors');
    const client = gitClient();
    const g = join(tmpDir(), 'g');
    client.run(tmpDir(), 'clone', '-q', authUrl(s.host, '/admin/s3git', s.adminToken), g);
    expect(statSync(g + '/weights.bin').size).toBe(12 << 20);
    expect(statSync(model).size).toBeGreaterThan(24_000_000);
    expect((await runHubJson(['status'], { cwd: join(parent, 'b'), env })).clean).toBe(true);
  });

  it('refuses a bad --storage (exit 2) and an unreachable service (exit 6) with one line each', async () => {
    const bad = await runHub(['serve', '--root', tmpDir(), '--port', '0', '--storage', 's3://Not_A_Bucket']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^hub: error: "Not_A_Bucket" is not an S3 bucket name/);
    const stray = await runHub(['serve', '--root', tmpDir(), '--port', '0', '--s3-endpoint', 'http://127.0.0.1:9']);
    expect(stray.code).toBe(2);
    const down = await runHub(['serve', '--root', tmpDir(), '--port', '0', '--storage', `s3://${testBucket('hub-down')}`, '--s3-endpoint', 'http://127.0.0.1:9'], { env: { ...S3_TEST_ENV } });
    expect(down.code).toBe(6);
    expect(down.stderr.trim().split('\n')[0]).toMatch(/^hub: error: s3:\/\/hub-down-\S+ at http:\/\/127\.0\.0\.1:9: cannot reach the bucket: ECONNREFUSED/);
    const denied = await runHub(['serve', '--root', tmpDir(), '--port', '0', '--storage', `s3://${testBucket('hub-denied')}`, '--s3-endpoint', s3Endpoint()], { env: { ...S3_TEST_ENV, AWS_SECRET_ACCESS_KEY: 'wrong' } });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('refused the credentials');
  });
});
