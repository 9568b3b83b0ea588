/**
 * The store's S3 backends against a real S3 service (OpenStack Swift's s3api, started by
 * test/services/swift.sh): the objects client, xorbs (multipart uploads, ranged reads, chunk
 * tables, nothing visible before it is whole, not even after a kill -9), manifests, and a store
 * opened on a bucket with an empty local chunk index.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xetHex } from '../../src/hash/xet-hex.js';
import { addFile } from '../../src/store/ingest.js';
import { objectPiecesAsync } from '../../src/store/reassemble.js';
import { MULTIPART_PART_BYTES, S3Objects } from '../../src/store/s3-objects.js';
import { Store } from '../../src/store/store.js';
import { openStoredXorb } from '../../src/store/stored-xorb.js';
import { dedupCandidates } from '../../src/store/xet-dedup.js';
import { recordXetManifest } from '../../src/store/xet-manifest-record.js';
import type { S3Location } from '../../src/store/storage-location.js';
import { repoRoot } from '../helpers/paths.js';
import { S3_TEST_ENV, s3Endpoint, s3Wanted, testBucket } from '../helpers/s3-service.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const p of pieces) out.push(p);
  return Buffer.concat(out);
}

/** Every file name under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe.skipIf(!s3Wanted())('the store on S3-compatible storage (a real Swift)', () => {
  let location: S3Location;
  let objects: S3Objects;
  beforeAll(async () => {
    location = { kind: 's3', bucket: testBucket('hub-store'), prefix: 'some/prefix', endpoint: s3Endpoint() };
    objects = new S3Objects(location, S3_TEST_ENV);
    await objects.ensureBucket();
  });
  afterAll(() => objects?.close());

  it('creates a missing bucket, and puts, gets, ranges, lists (under its prefix only) and removes objects', async () => {
    const probe = new S3Objects({ ...location, bucket: testBucket('hub-new') }, S3_TEST_ENV);
    try {
      await expect(probe.get('x')).rejects.toMatchObject({ code: 'storage_failed' }); // no such bucket yet: a failure, not a missing object
      await probe.ensureBucket();
      await probe.ensureBucket(); // a second server racing to create it: fine
      expect(await probe.head('x')).toBeUndefined();
    } finally {
      probe.close();
    }
    const bytes = Buffer.from(mulberry32Bytes(5, 300_000));
    await objects.put('a/one', bytes);
    await objects.put('a/two', Buffer.from('two'));
    await objects.put('b/three', Buffer.from('three'));
    expect(Buffer.from((await objects.get('a/one'))!).equals(bytes)).toBe(true);
    expect(await objects.get('a/none')).toBeUndefined();
    expect(await objects.head('a/two')).toBe(3);
    expect(await collect((await objects.getRange('a/one', 1000, 201_000))!)).toEqual(bytes.subarray(1000, 201_000));
    const listed: string[] = [];
    for await (const o of objects.list('a/')) listed.push(`${o.name}:${o.size}`);
    expect(listed).toEqual(['a/one:300000', 'a/two:3']);
    // the prefix is part of every key: another prefix of the bucket sees none of these
    const other = new S3Objects({ ...location, prefix: 'elsewhere' }, S3_TEST_ENV);
    try {
      const seen: string[] = [];
      for await (const o of other.list('')) seen.push(o.name);
      expect(seen).toEqual([]);
    } finally {
      other.close();
    }
    await objects.remove(['a/one', 'a/two', 'a/never-was']);
    const left: string[] = [];
    for await (const o of objects.list('')) left.push(o.name);
    expect(left).toEqual(['b/three']);
  });

  it('uploads a large object in parts and never shows an interrupted upload', async () => {
    const dir = tmpDir();
    const size = 3 * MULTIPART_PART_BYTES + 12345;
    writeFileSync(join(dir, 'big'), mulberry32Bytes(6, size));
    await objects.putFile('big', join(dir, 'big'), size);
    const head = await objects.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: objects.key('big') }));
    expect(head.ContentLength).toBe(size);
    expect(head.ETag).toMatch(/-4"$/); // a multipart upload's ETag names its part count
    const data = Buffer.from(mulberry32Bytes(6, size));
    expect(await collect((await objects.getRange('big', MULTIPART_PART_BYTES - 10, MULTIPART_PART_BYTES + 10))!)).toEqual(data.subarray(MULTIPART_PART_BYTES - 10, MULTIPART_PART_BYTES + 10));
    // an upload aborted after its first part of twelve: no object
    const longer = 12 * MULTIPART_PART_BYTES;
    writeFileSync(join(dir, 'longer'), mulberry32Bytes(12, longer));
    const stop = new AbortController();
    const upload = objects.putFile('cut', join(dir, 'longer'), longer, stop.signal);
    await waitForParts(objects, location, 'cut');
    stop.abort(new Error('stopped'));
    await expect(upload).rejects.toThrow('stopped');
    expect(await objects.head('cut')).toBeUndefined();
  });

  it('stores xorbs and manifests in the bucket only: reads are exact, whole or ranged, and a second revision deduplicates', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'), S3_TEST_ENV, { storage: location });
    try {
      expect(store.remote).toBe(true);
      const a = Buffer.from(mulberry32Bytes(7, 20_000_000));
      const b = Buffer.concat([a.subarray(0, 15_000_000), Buffer.from(mulberry32Bytes(8, 5_000_000))]);
      writeFileSync(join(dir, 'a'), a);
      writeFileSync(join(dir, 'b'), b);
      const ra = await addFile(store, join(dir, 'a'));
      const rb = await addFile(store, join(dir, 'b'));
      expect(rb.dedupBytes).toBeGreaterThan(14_000_000);
      expect(filesUnder(join(dir, 'store')).filter((f) => f.endsWith('.xorb') || f.endsWith('.json'))).toEqual([]);
      expect(existsSync(join(dir, 'store', 'xorbs'))).toBe(false);
      const listed = [];
      for await (const x of store.xorbs.listAsync()) listed.push(x);
      expect(listed).toHaveLength(ra.xorbsWritten + rb.xorbsWritten);
      expect(listed.reduce((n, x) => n + x.bytes, 0)).toBeLessThan(27_000_000);
      const manifests = [];
      for await (const oid of store.manifests.listAsync()) manifests.push(oid);
      expect(manifests.sort()).toEqual([ra.oid, rb.oid].sort());

      const mb = (await store.manifests.readAsync(rb.oid))!;
      expect((await collect(objectPiecesAsync(store, mb))).equals(b)).toBe(true);
      const random = seededRandom(testSeed('s3 ranges'));
      for (let i = 0; i < 12; i++) {
        const start = Math.floor(random() * b.length);
        const end = Math.min(b.length, start + 1 + Math.floor(random() * (i % 2 ? 100_000 : 9_000_000)));
        expect((await collect(objectPiecesAsync(store, mb, { start, end }))).equals(b.subarray(start, end)), `${start}-${end}`).toBe(true);
      }
      // the sync forms are the local store's only
      expect(() => store.xorbs.open(listed[0].xorb)).toThrow(expect.objectContaining({ code: 'sync_on_object_store' }));
      expect(() => store.manifests.read(ra.oid)).toThrow(expect.objectContaining({ code: 'sync_on_object_store' }));
      // a xorb read whole matches its name (every chunk hashed again)
      const f = await store.xorbs.openAsync(listed[0].xorb);
      expect(f.table?.records.length).toBeGreaterThan(0);
      f.close();
    } finally {
      store.close();
    }
  });

  it('serves what the bucket holds from a store with an empty local index, and indexes each xorb it reads', async () => {
    const dir = tmpDir();
    const first = await Store.open(join(dir, 'one'), S3_TEST_ENV, { storage: { ...location, prefix: 'fresh' } });
    const data = Buffer.from(mulberry32Bytes(9, 12_000_000));
    writeFileSync(join(dir, 'f'), data);
    let oid: string;
    try {
      oid = (await addFile(first, join(dir, 'f'))).oid;
    } finally {
      first.close();
    }
    const second = await Store.open(join(dir, 'two'), S3_TEST_ENV, { storage: { ...location, prefix: 'fresh' } });
    try {
      expect(second.index.chunkCount()).toBe(0);
      const m = (await second.manifests.readAsync(oid))!;
      expect((await collect(objectPiecesAsync(second, m))).equals(data)).toBe(true);
      expect(second.index.chunkCount()).toBeGreaterThan(0);
      for (const t of m.terms) expect(second.index.hasXorb(t.xorb)).toBe(true);
      // so adding the same bytes again stores nothing new
      const again = await addFile(second, join(dir, 'f'));
      expect(again).toMatchObject({ newBytes: 0, xorbsWritten: 0, alreadyStored: true });
    } finally {
      second.close();
    }
  });

  it("keeps the Xet CAS's lookups in the bucket: what one server's store recorded, another's finds (and its dedup hint once it has read the xorb)", async () => {
    const dir = tmpDir();
    const storage = { ...location, prefix: 'xet' };
    const data = Buffer.from(mulberry32Bytes(12, 3_000_000));
    writeFileSync(join(dir, 'f'), data);
    const a = await Store.open(join(dir, 'a'), S3_TEST_ENV, { storage });
    let oid: string;
    let xetHash: string;
    let firstChunk: string;
    try {
      oid = (await addFile(a, join(dir, 'f'))).oid;
      const m = (await a.manifests.readAsync(oid))!;
      xetHash = m.xetHash;
      await recordXetManifest(a, m);
      const f = await openStoredXorb(a, m.terms[0].xorb);
      firstChunk = xetHex(f.table!.hashes[m.terms[0].chunkStart]);
      f.close();
    } finally {
      a.close();
    }
    const b = await Store.open(join(dir, 'b'), S3_TEST_ENV, { storage });
    try {
      expect(await b.xetFiles.oidOfFile(xetHash)).toBe(oid);
      expect(await b.xetFiles.oidOfFirstChunk(firstChunk)).toBe(oid);
      expect(await b.xetFiles.oidOfFile('0'.repeat(64))).toBeUndefined();
      expect(await dedupCandidates(b, firstChunk)).toBeNull(); // b's index has not seen the chunk yet
      const m = (await b.manifests.readAsync(oid))!;
      expect((await collect(objectPiecesAsync(b, m))).equals(data)).toBe(true); // indexes its xorbs
      expect(await dedupCandidates(b, firstChunk)).toMatchObject({ xorb: m.terms[0].xorb, index: m.terms[0].chunkStart, file: { oid } });
    } finally {
      b.close();
    }
    expect(filesUnder(dir).filter((f) => f.includes('xet-files'))).toEqual([]);
    const bucket = new S3Objects(storage, S3_TEST_ENV);
    const names: string[] = [];
    for await (const o of bucket.list('xet-files/')) names.push(o.name);
    bucket.close();
    expect(names.sort()).toEqual([`xet-files/${xetHash}`, `xet-files/first/${firstChunk}`].sort());
  });

  it('forgets an indexed xorb the bucket lost: the add fails once, and the next one writes its chunks again', async () => {
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'), S3_TEST_ENV, { storage: { ...location, prefix: 'lost' } });
    try {
      const data = Buffer.from(mulberry32Bytes(10, 3_000_000));
      writeFileSync(join(dir, 'f'), data);
      const first = await addFile(store, join(dir, 'f'));
      const m = (await store.manifests.readAsync(first.oid))!;
      const lost = new S3Objects({ ...location, prefix: 'lost' }, S3_TEST_ENV);
      await lost.remove([`xorbs/${m.terms[0].xorb}.table`]); // the xorb is unpublished behind the index
      lost.close();
      writeFileSync(join(dir, 'g'), Buffer.concat([data, Buffer.from('x')]));
      await expect(addFile(store, join(dir, 'g'))).rejects.toMatchObject({ code: 'missing_xorb' });
      expect(store.index.hasXorb(m.terms[0].xorb)).toBe(false);
      const retry = await addFile(store, join(dir, 'g'));
      expect(retry.newBytes).toBeGreaterThan(2_900_000);
      expect((await collect(objectPiecesAsync(store, (await store.manifests.readAsync(retry.oid))!))).length).toBe(data.length + 1);
    } finally {
      store.close();
    }
  });

  it('shows no part of a xorb whose uploading process was killed (kill -9 after its first part)', async () => {
    const dir = tmpDir();
    const size = 12 * MULTIPART_PART_BYTES;
    writeFileSync(join(dir, 'x'), mulberry32Bytes(11, size));
    const xorb = 'ab'.repeat(32);
    const chunks = size / (64 << 10); // chunks of 64 KiB records: the table's sizes add up to the file's
    const script = `
      import { openS3Storage } from '${repoRoot}/dist/store/s3-storage.js';
      import { chunkTable } from '${repoRoot}/dist/store/xorb-table.js';
      const [loc, path, xorb, n] = process.argv.slice(1);
      const s3 = await openS3Storage(JSON.parse(loc), process.env);
      const table = chunkTable(Array.from({ length: Number(n) }, () => ({ hash: new Uint8Array(32), length: (64 << 10) - 8 })));
      await s3.xorbs.commitAsync(path, xorb, table);
      console.log('finished');`;
    const loc = { ...location, prefix: 'killed' };
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(loc), join(dir, 'x'), xorb, String(chunks)], {
      env: { ...process.env, ...S3_TEST_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (out += b));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await waitForParts(objects, loc, `xorbs/${xorb}.xorb`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(out).not.toContain('finished');
    const reader = await Store.open(join(dir, 'reader'), S3_TEST_ENV, { storage: loc });
    try {
      expect(await reader.xorbs.existsAsync(xorb)).toBe(false);
      await expect(reader.xorbs.openAsync(xorb)).rejects.toMatchObject({ code: 'missing_xorb' });
      const listed = [];
      for await (const x of reader.xorbs.listAsync()) listed.push(x);
      expect(listed).toEqual([]);
    } finally {
      reader.close();
    }
  });
});

/** Waits until a multipart upload of `name` under `loc` has at least one part stored. */
async function waitForParts(objects: S3Objects, loc: S3Location, name: string): Promise<void> {
  const key = `${loc.prefix ? `${loc.prefix}/` : ''}${name}`;
  for (let i = 0; i < 600; i++) {
    const uploads = await objects.client.send(new ListMultipartUploadsCommand({ Bucket: loc.bucket, Prefix: key }));
    for (const u of uploads.Uploads ?? []) {
      const parts = await objects.client.send(new ListPartsCommand({ Bucket: loc.bucket, Key: key, UploadId: u.UploadId }));
      if ((parts.Parts ?? []).length > 0) return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no part of ${key} was uploaded within 12 s`);
}
