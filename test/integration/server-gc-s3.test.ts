/**
 * `hub gc --root DIR --storage s3://... --s3-endpoint URL` against a real S3 service (Swift's
 * s3api): orphans older than the grace period go (a deleted repository's file and xorbs, xorb
 * bytes never published, Xet lookup entries of no file, abandoned multipart uploads), young ones
 * and everything a repository holds stay, pushes running meanwhile through a server on the same
 * bucket survive byte-exact (one of them deduplicating against a deleted repository's old xorbs),
 * and a writer that relied on old objects after gc read the metadata keeps them alive by its
 * touches (store/s3-gc.ts). In the S3 run (test/vitest.s3.config.ts) the metadata is PostgreSQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcObjectStore } from '../../src/store/s3-gc.js';
import { S3Objects } from '../../src/store/s3-objects.js';
import { parseStoredManifest } from '../../src/store/manifest-files.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { pushOneFile } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { S3_TEST_ENV, s3Endpoint, s3Wanted, testBucket } from '../helpers/s3-service.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hex64 = () => randomBytes(32).toString('hex');
const GRACE_S = 8; // seconds: LastModified has 1 s resolution, and a loaded machine takes seconds between steps
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!s3Wanted())('hub gc --root on a server whose content is in a bucket (a real Swift)', () => {
  let s: TestServer;
  let objects: S3Objects;
  let storageArgs: string[];
  beforeAll(async () => {
    const bucket = testBucket('hub-gc-s3');
    storageArgs = ['--storage', `s3://${bucket}/srv`, '--s3-endpoint', s3Endpoint()];
    s = await startHubServe(tmpDir('hub-gc-s3-'), storageArgs, { ...S3_TEST_ENV });
    objects = new S3Objects({ kind: 's3', bucket, prefix: 'srv', endpoint: s3Endpoint() }, S3_TEST_ENV);
  });
  afterAll(async () => {
    await s?.stop();
    objects?.close();
  });

  const push = (repo: string, bytes: Buffer) => pushOneFile(s, repo, bytes);
  const names = async (prefix: string) => {
    const out = new Set<string>();
    for await (const o of objects.list(prefix)) out.add(o.name);
    return out;
  };
  const manifestXorbs = async (oid: string) => {
    const bytes = await objects.get(`manifests/${oid}.json`);
    expect(bytes, `manifest of ${oid}`).toBeDefined();
    return [...new Set(parseStoredManifest(oid, Buffer.from(bytes!).toString('utf8')).terms.map((t) => t.xorb))];
  };
  const uploads = async () => {
    const out = new Set<string>();
    for await (const u of objects.listUploads()) out.add(u.uploadId);
    return out;
  };
  /** An orphan of each kind the gc collects besides files and xorbs; returns their names. */
  const plantOrphans = async () => {
    const data = `xorbs/${hex64()}.xorb`; // bytes whose table was never written (a server died in between)
    await objects.put(data, randomBytes(1000));
    const entry = `xet-files/${hex64()}`; // a lookup entry of a file that is not there
    await objects.put(entry, Buffer.from(`${hex64()}\n`));
    const key = objects.key(`xorbs/${hex64()}.xorb`);
    const { UploadId } = await objects.client.send(new CreateMultipartUploadCommand({ Bucket: objects.location.bucket, Key: key }));
    await objects.client.send(new UploadPartCommand({ Bucket: objects.location.bucket, Key: key, UploadId, PartNumber: 1, Body: randomBytes(1000) }));
    return { data, entry, upload: UploadId! };
  };
  const gc = (extra: string[] = [], graceS = GRACE_S) => runHubJson(['gc', '--root', s.root, ...storageArgs, '--grace', String(graceS), ...extra], { env: { ...S3_TEST_ENV, HUB_HOME: tmpDir() } });

  it('refuses a root whose server is on S3 without the same --storage (exit 2, one line), and --grace 0 on a bucket', async () => {
    const r = await runHub(['gc', '--root', s.root, '--grace', '0'], { env: { HUB_HOME: tmpDir() } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hub: error: the server of \S+ keeps its content in s3:\/\/hub-gc-s3-\S+\/srv at http:\/\/\S+, not local: pass the same --storage and --s3-endpoint as to hub serve \(hub gc --root did nothing\)$/)]);
    const other = await runHub(['gc', '--root', s.root, '--storage', `s3://${testBucket('hub-other')}`, '--s3-endpoint', s3Endpoint(), '--json'], { env: { ...S3_TEST_ENV, HUB_HOME: tmpDir() } });
    expect(other.code).toBe(2);
    expect(JSON.parse(other.stdout).error.code).toBe('storage_mismatch');
    const zero = await runHub(['gc', '--root', s.root, ...storageArgs, '--grace', '0', '--json'], { env: { ...S3_TEST_ENV, HUB_HOME: tmpDir() } });
    expect(zero.code).toBe(2);
    expect(JSON.parse(zero.stdout).error.code).toBe('bad_grace');
  });

  it("removes a deleted repository's objects and old orphans, keeps young ones and what repositories hold, and pushes running meanwhile survive", async () => {
    const kept = randomBytes(3 << 20);
    const dropped = randomBytes(3 << 20);
    const resurrected = randomBytes(3 << 20);
    await push('admin/kept', kept);
    await push('admin/dropped', dropped);
    await push('admin/gone', resurrected);
    const droppedXorbs = await manifestXorbs(sha256(dropped));
    const resurrectedXorbs = await manifestXorbs(sha256(resurrected));
    for (const repo of ['admin/dropped', 'admin/gone']) await runHubJson(['repo', 'delete', repo, '--endpoint', s.url, '--token', s.adminToken]);
    const old = await plantOrphans();

    // everything is younger than the grace period (an hour, the default): nothing goes
    expect(await gc(['--dry-run'], 3600)).toMatchObject({ dryRun: true, manifestsRemoved: 0, xorbsRemoved: 0, xetEntriesRemoved: 0, uploadsAborted: 0, repositories: 1 });
    await sleep(GRACE_S * 1000 + 1500);
    const young = await plantOrphans();

    // gc while two pushes run: new content, and a deleted repository's bytes pushed again (deduplicated against its old xorbs)
    const fresh = randomBytes(6 << 20);
    const pushes = Promise.all([push('admin/fresh', fresh), push('admin/again', resurrected)]);
    const first = await gc();
    // young orphans stay (checked now: by the next gc they may be old)
    expect((await names('xorbs/')).has(young.data)).toBe(true);
    expect((await names('xet-files/')).has(young.entry)).toBe(true);
    expect((await uploads()).has(young.upload)).toBe(true);
    await pushes;
    const second = await gc(); // with both pushes registered
    expect(second.objectsHeld).toBe(3);
    // the dropped file, and the resurrected one's old manifest when gc came before the push relied on it (then uploaded again)
    expect([1, 2], JSON.stringify([first, second])).toContain(first.manifestsRemoved + second.manifestsRemoved);
    expect(first.xorbsRemoved + second.xorbsRemoved).toBeGreaterThanOrEqual(droppedXorbs.length + 1); // + the unpublished bytes
    expect(first.uploadsAborted).toBe(1); // the old one (the young one may be old by the second gc)
    expect(first.xetEntriesRemoved + second.xetEntriesRemoved).toBeGreaterThanOrEqual(1);

    const manifests = await names('manifests/');
    const xorbs = await names('xorbs/');
    expect(manifests.has(`manifests/${sha256(dropped)}.json`)).toBe(false);
    for (const x of droppedXorbs) expect(xorbs.has(`xorbs/${x}.table`) || xorbs.has(`xorbs/${x}.xorb`), x).toBe(false);
    for (const x of resurrectedXorbs) expect(xorbs.has(`xorbs/${x}.table`) && xorbs.has(`xorbs/${x}.xorb`), x).toBe(true);
    expect(xorbs.has(old.data)).toBe(false);
    expect((await names('xet-files/')).has(old.entry)).toBe(false);
    expect((await uploads()).has(old.upload)).toBe(false);

    // the check fsck makes: every manifest's xorbs are published whole (table and bytes), no table without bytes
    for (const m of manifests) {
      const oid = /([0-9a-f]{64})\.json$/.exec(m)![1];
      for (const x of await manifestXorbs(oid)) {
        const table = await objects.stat(`xorbs/${x}.table`);
        const data = await objects.stat(`xorbs/${x}.xorb`);
        expect(table && data, `${oid}: xorb ${x}`).toBeTruthy();
      }
    }
    for (const n of xorbs) if (n.endsWith('.table')) expect(xorbs.has(n.replace(/\.table$/, '.xorb')), n).toBe(true);
    // and every repository clones byte-exact
    for (const [repo, bytes] of [['admin/kept', kept], ['admin/fresh', fresh], ['admin/again', resurrected]] as const) {
      const into = tmpDir();
      await runHubJson(['clone', `${s.url}/${repo}`, 'c'], { cwd: into, env: { HUB_TOKEN: s.adminToken, HUB_HOME: tmpDir() } });
      expect(sha256(readFileSync(join(into, 'c', 'w.bin'))), repo).toBe(sha256(bytes));
    }
  });

  it('a writer that relies on old objects after gc read the metadata keeps them: its touches make them recent', async () => {
    const bytes = randomBytes(2 << 20);
    await push('admin/once', bytes);
    const oid = sha256(bytes);
    const xorbs = await manifestXorbs(oid);
    await runHubJson(['repo', 'delete', 'admin/once', '--endpoint', s.url, '--token', s.adminToken]);
    await sleep(GRACE_S * 1000 + 1500);
    // what gc would have read before this push registered: no repository holds the oid (the other tests' files are held)
    const holdersBefore = new Set<string>();
    for (const m of await names('manifests/')) if (!m.includes(oid)) holdersBefore.add(/([0-9a-f]{64})\.json$/.exec(m)![1]);
    await push('admin/twice', bytes); // deduplicates against the old file and xorbs, touching them
    const r = await gcObjectStore(objects, { keep: holdersBefore, graceMs: GRACE_S * 1000 });
    expect(r).toMatchObject({ manifestsRemoved: 0 });
    for (const x of xorbs) expect(await objects.stat(`xorbs/${x}.table`), x).toBeDefined();
    const into = tmpDir();
    await runHubJson(['clone', `${s.url}/admin/twice`, 'c'], { cwd: into, env: { HUB_TOKEN: s.adminToken, HUB_HOME: tmpDir() } });
    expect(sha256(readFileSync(join(into, 'c', 'w.bin')))).toBe(oid);
  });

  it('spares what was touched after its listing: gc asks each object\'s LastModified again just before removing it', async () => {
    const bytes = randomBytes(2 << 20);
    await push('admin/late', bytes);
    const oid = sha256(bytes);
    const xorbs = await manifestXorbs(oid);
    await runHubJson(['repo', 'delete', 'admin/late', '--endpoint', s.url, '--token', s.adminToken]);
    const keep = new Set<string>();
    for (const m of await names('manifests/')) if (!m.includes(oid)) keep.add(/([0-9a-f]{64})\.json$/.exec(m)![1]);
    // a listing taken long before: every object looks old (as one touched after gc listed it would)
    const staleListing = Object.create(objects) as S3Objects;
    staleListing.list = async function* (prefix: string) {
      for await (const o of objects.list(prefix)) yield { ...o, mtimeMs: 0 };
    };
    const r = await gcObjectStore(staleListing, { keep, graceMs: GRACE_S * 1000 });
    expect(await objects.stat(`manifests/${oid}.json`), JSON.stringify(r)).toBeDefined();
    for (const x of xorbs) expect((await objects.stat(`xorbs/${x}.table`)) && (await objects.stat(`xorbs/${x}.xorb`)), x).toBeTruthy();
  });
});
