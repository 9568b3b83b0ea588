import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/store/manifest-files.js';
import { xorbPath } from '../../src/store/paths.js';
import { addFile } from '../../src/store/ingest.js';
import { Store } from '../../src/store/store.js';
import { ChunkApi } from '../../src/transfer/lfs-client.js';
import { sendChunks, xorbsServerLacks } from '../../src/transfer/chunk-adapter.js';
import { uploadSource } from '../../src/core/sync/upload-content.js';
import { TransferQueue } from '../../src/transfer/queue.js';
import { xetHex } from '../../src/hash/xet-hex.js';
import { serverContent } from '../helpers/server-content.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';
import { countMarks } from '../helpers/registration-marks.js';
import { checkSchema, type Schema } from '../helpers/schema-check.js';
import { fileURLToPath } from 'node:url';

const LFS = 'application/vnd.git-lfs+json';
const SCHEMAS = fileURLToPath(new URL('../../docs/schemas/', import.meta.url));

/** The body conforms to docs/schemas/<name>.schema.json (the protocol's published schemas). */
function conforms(name: string, body: unknown): void {
  const schema = JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), 'utf8')) as Schema;
  expect(checkSchema(schema, body), name).toEqual([]);
}

describe('the hub-chunks transfer of hub serve (server side)', () => {
  let s: TestServer;
  let store: Store;
  let work: string;
  beforeAll(async () => {
    s = await startHubServe();
    await runHubJson(['repo', 'create', 'admin/m', '--endpoint', s.url, '--token', s.adminToken]);
    await runHubJson(['repo', 'create', 'admin/other', '--private', '--endpoint', s.url, '--token', s.adminToken]);
    work = tmpDir();
    store = await Store.open(join(work, 'client-store'));
  });
  afterAll(async () => {
    store?.close();
    await s?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${s.adminToken}` });
  async function json(method: 'GET' | 'POST', url: string, body?: unknown) {
    const r = await request(url, { method, headers: { ...auth(), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.statusCode, body: (await r.body.json()) as any };
  }
  async function batch(repo: string, operation: string, objects: Array<{ oid: string; size: number }>, transfers = ['hub-chunks', 'basic']) {
    const r = await request(`${s.url}/${repo}.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...auth(), accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation, transfers, objects }) });
    const body = (await r.body.json()) as any;
    if (r.statusCode === 200) conforms('batch-response', body);
    return body;
  }
  it("asks which of a 10 GiB file's chunks are missing in requests the server takes (at most 100,000 hashes, 8 MiB each)", async () => {
    const b = await batch('admin/m', 'upload', [{ oid: 'a'.repeat(64), size: 1 }]);
    const api = new ChunkApi(b.objects[0].actions.upload.href, auth());
    // ~164,000 chunks of 64 KiB; random hashes: the server holds none of them
    const hashes = Array.from({ length: 164_000 }, () => randomBytes(32).toString('hex'));
    expect(hashes.length).toBeGreaterThan(100_000); // more than the server takes in one request
    expect(await api.missing(hashes)).toEqual(hashes);
    expect(await api.missing([])).toEqual([]);
  });

  /** Pushes a locally stored file the way the client will: only xorbs holding missing chunks. */
  async function push(repo: string, oid: string): Promise<number> {
    const manifest = readManifest(store.paths, oid)!;
    const b = await batch(repo, 'upload', [{ oid, size: manifest.size }]);
    expect(b.transfer).toBe('hub-chunks');
    const base: string = b.objects[0].actions.upload.href;
    const xorbs = [...new Set(manifest.terms.map((t) => t.xorb))];
    const chunksOf = new Map(xorbs.map((x) => [x, store.index.chunksOf(x).map((c) => xetHex(c.hash))]));
    const ask = { chunks: [...chunksOf.values()].flat() };
    conforms('chunks-missing-request', ask);
    const answer = (await json('POST', `${base}/chunks/missing`, ask)).body;
    conforms('chunks-missing-response', answer);
    const missing = new Set<string>(answer.missing);
    // the whole-xorb question (hub asks it first): a xorb is held only when none of its chunks is missing
    const whole = { chunks: [], xorbs };
    conforms('chunks-missing-request', whole);
    const wholeAnswer = (await json('POST', `${base}/chunks/missing`, whole)).body;
    conforms('chunks-missing-response', wholeAnswer);
    for (const x of wholeAnswer.held as string[]) expect(chunksOf.get(x)!.some((h) => missing.has(h))).toBe(false);
    let sent = 0;
    for (const x of xorbs) {
      if (!chunksOf.get(x)!.some((h) => missing.has(h))) continue;
      const bytes = readFileSync(xorbPath(store.paths, x));
      const r = await request(`${base}/xorbs/${x}`, { method: 'PUT', headers: auth(), body: bytes });
      const text = await r.body.text();
      expect(r.statusCode, text).toBe(200);
      conforms('xorb-upload-response', JSON.parse(text));
      sent += bytes.length;
    }
    const reg = await json('POST', `${base}/reconstructions/${oid}`, manifest);
    expect(reg.status, JSON.stringify(reg.body)).toBe(200);
    conforms('reconstruction-registered', reg.body);
    conforms('manifest', manifest);
    return sent;
  }
  /** Downloads a file through its reconstruction and ranged xorb reads. */
  async function pull(repo: string, oid: string, size: number): Promise<Buffer> {
    const b = await batch(repo, 'download', [{ oid, size }]);
    const base: string = b.objects[0].actions.download.href;
    const rec = (await json('GET', `${base}/reconstructions/${oid}`)).body;
    conforms('reconstruction-response', rec);
    const parts: Buffer[] = [];
    for (const t of rec.terms) {
      const r = await request(t.url, { headers: { ...auth(), range: `bytes=${t.range.start}-${t.range.end - 1}` } });
      expect(r.statusCode).toBe(206);
      const records = Buffer.from(await r.body.arrayBuffer());
      for (let at = 0; at < records.length; ) {
        const len = records[at + 5] | (records[at + 6] << 8) | (records[at + 7] << 16);
        parts.push(records.subarray(at + 8, at + 8 + len));
        at += 8 + len;
      }
    }
    return Buffer.concat(parts);
  }

  it('pushes rev1 whole, rev2 as only its new chunks, and serves both back byte for byte', async () => {
    makeModel(join(work, 'rev1'), '16MiB', 31);
    mutateModel(join(work, 'rev1'), join(work, 'rev2'), 0.1, 32);
    const size = statSync(join(work, 'rev1')).size;
    const r1 = await addFile(store, join(work, 'rev1'));
    const r2 = await addFile(store, join(work, 'rev2'));
    expect(await push('admin/m', r1.oid)).toBeGreaterThanOrEqual(size);
    // what the client asks before sending rev2: the xorbs holding a chunk the server lacks, the
    // same whether all hashes go in one request or a few xorbs' worth at a time
    const xorbs2 = [...new Set(readManifest(store.paths, r2.oid)!.terms.map((t) => t.xorb))];
    const b2 = await batch('admin/m', 'upload', [{ oid: r2.oid, size: r2.size }]);
    const api = new ChunkApi(b2.objects[0].actions.upload.href, auth());
    const source = { chunksOf: (x: string) => store.index.chunksOf(x).map((c) => xetHex(c.hash)) };
    const known1 = new Set(readManifest(store.paths, r1.oid)!.terms.map((t) => t.xorb));
    const whole = await xorbsServerLacks(new TransferQueue(), api, source, xorbs2);
    expect([...whole].sort()).toEqual(xorbs2.filter((x) => !known1.has(x)).sort());
    expect(whole.size).toBeGreaterThan(0);
    const smallest = Math.min(...xorbs2.map((x) => source.chunksOf(x).length));
    expect([...(await xorbsServerLacks(new TransferQueue(), api, source, xorbs2, smallest))].sort()).toEqual([...whole].sort());
    const sent2 = await push('admin/m', r2.oid);
    expect(sent2).toBeLessThanOrEqual(0.15 * size);
    for (const [r, file] of [[r1, 'rev1'], [r2, 'rev2']] as const) {
      const got = await pull('admin/m', r.oid, r.size);
      expect(createHash('sha256').update(got).digest('hex')).toBe(r.oid);
      expect(got.equals(readFileSync(join(work, file)))).toBe(true);
    }
    // the basic transfer serves chunk-uploaded objects too
    const basic = await batch('admin/m', 'download', [{ oid: r2.oid, size: r2.size }], ['basic']);
    expect(basic.transfer).toBe('basic');
  });

  it('asks about the first xorb it lacks alone, and sends it while the others are asked about', async () => {
    // c = a then b: its manifest names a's xorb, b's and one of its own (the chunks at the seam)
    const seed = 0x5eed0001;
    console.log(`seam file seed ${seed}`);
    const a = Buffer.from(mulberry32Bytes(seed, 3 << 20));
    const b = Buffer.from(mulberry32Bytes(seed + 1, 3 << 20));
    for (const [name, bytes] of [['a', a], ['b', b], ['c', Buffer.concat([a, b])]] as const) writeFileSync(join(work, name), bytes);
    const ra = await addFile(store, join(work, 'a'));
    const rb = await addFile(store, join(work, 'b'));
    const rc = await addFile(store, join(work, 'c'));
    const xorbsOf = (oid: string) => [...new Set(readManifest(store.paths, oid)!.terms.map((t) => t.xorb))];
    const xorbs = xorbsOf(rc.oid);
    expect(xorbs.length).toBeGreaterThanOrEqual(3);
    expect(xorbs).toEqual(expect.arrayContaining([...xorbsOf(ra.oid), ...xorbsOf(rb.oid)]));

    const b3 = await batch('admin/m', 'upload', [{ oid: rc.oid, size: rc.size }]);
    const api = new ChunkApi(b3.objects[0].actions.upload.href, auth());
    const asked: string[][] = [];
    const put: string[] = [];
    let firstPut: () => void = () => {};
    const firstPutDone = new Promise<void>((resolve) => (firstPut = resolve));
    let sentBeforeSecondAnswer = false;
    const missing = api.missing.bind(api);
    api.missing = async (hashes) => {
      asked.push(hashes);
      if (asked.length === 2) {
        // the second answer waits for the first upload: with the uploads held until every answer
        // is in, it waits the whole 20 s and the test fails below
        sentBeforeSecondAnswer = await Promise.race([firstPutDone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      }
      return missing(hashes);
    };
    const putXorb = api.putXorb.bind(api);
    api.putXorb = async (xorb, size, body) => {
      await putXorb(xorb, size, body);
      put.push(xorb);
      if (put.length === 1) firstPut();
    };
    const q = new TransferQueue();
    const sent = await sendChunks(q, api, rc.oid, uploadSource(store), q.meter(rc.oid, 'c', rc.size));
    const source = uploadSource(store);
    expect(asked[0]).toEqual(source.chunksOf(xorbs[0])); // the first xorb alone
    expect(asked.flat().sort()).toEqual(xorbs.flatMap((x) => source.chunksOf(x)).sort());
    expect(put[0]).toBe(xorbs[0]);
    expect(sentBeforeSecondAnswer).toBe(true);
    expect([...put].sort()).toEqual([...xorbs].sort());
    expect(sent).toBeGreaterThan(a.length + b.length);
    // registered: the server reassembles c byte for byte
    expect((await pull('admin/m', rc.oid, rc.size)).equals(readFileSync(join(work, 'c')))).toBe(true);
  }, 60_000);

  it('answers a Range of a reconstruction with the terms holding those bytes and the offset of the first', async () => {
    const r2 = await addFile(store, join(work, 'rev2')); // pushed above; several terms (old xorbs and the new one)
    const b = await batch('admin/m', 'download', [{ oid: r2.oid, size: r2.size }]);
    const url = `${b.objects[0].actions.download.href}/reconstructions/${r2.oid}`;
    const get = async (range?: string) => {
      const r = await request(url, { headers: { ...auth(), ...(range ? { range } : {}) } });
      return { status: r.statusCode, body: (await r.body.json()) as any };
    };
    const whole = (await get()).body;
    conforms('reconstruction-response', whole);
    expect(whole.offset).toBe(0);
    expect(whole.terms.length).toBeGreaterThan(2);
    const starts: number[] = [];
    let at = 0;
    for (const t of whole.terms) {
      starts.push(at);
      at += t.bytes;
    }
    expect(at).toBe(r2.size);
    const key = (t: any) => `${t.xorb}:${t.chunkStart}-${t.chunkEnd}`;
    // the byte just inside the second term, through the first byte of the third: those two terms
    const one = await get(`bytes=${starts[1] + 1}-${starts[2]}`);
    conforms('reconstruction-response', one.body);
    expect(one.body.offset).toBe(starts[1]);
    expect(one.body.terms.map(key)).toEqual(whole.terms.slice(1, 3).map(key));
    expect(one.body.terms[0].hashes).toEqual(whole.terms[1].hashes);
    // windows of 1 MiB walked as a client does, each from where the last one's terms ended: the whole
    const walked: any[] = [];
    for (let from = 0; from < r2.size; ) {
      const w = await get(`bytes=${from}-${Math.min(r2.size, from + (1 << 20)) - 1}`);
      expect(w.status).toBe(200);
      expect(w.body.offset).toBe(from);
      walked.push(...w.body.terms);
      from += w.body.terms.reduce((n: number, t: any) => n + t.bytes, 0);
    }
    expect(walked.map(key)).toEqual(whole.terms.map(key));
    expect((await get(`bytes=${r2.size}-`)).status).toBe(416);
  });

  it('refuses a corrupted xorb, a manifest that does not reassemble to its oid, and xorbs of other repositories', async () => {
    const b = await batch('admin/m', 'upload', [{ oid: 'ab'.repeat(32), size: 10 }]);
    const base: string = b.objects[0].actions.upload.href;
    const [x] = [...store.xorbs.list()].map((e) => e.xorb);
    const bytes = readFileSync(xorbPath(store.paths, x));
    bytes[bytes.length >> 1] ^= 1;
    const fake = 'ef'.repeat(32);
    const bad = await request(`${base}/xorbs/${fake}`, { method: 'PUT', headers: auth(), body: bytes });
    expect(bad.statusCode).toBe(422);
    expect(await bad.body.text()).toMatch(/does not match/);
    // a manifest naming existing chunks under the wrong oid
    const oid = [...store.xorbs.list()].length ? (await addFile(store, join(work, 'rev1'))).oid : '';
    const m = readManifest(store.paths, oid)!;
    const wrong = { ...m, oid: 'cd'.repeat(32) };
    const reg = await json('POST', `${base}/reconstructions/${wrong.oid}`, wrong);
    expect(reg.status).toBe(422);
    expect((await batch('admin/m', 'download', [{ oid: wrong.oid, size: m.size }])).objects[0].error.code).toBe(404);
    // admin/other holds nothing: none of admin/m's xorbs can be read through it
    const other = await batch('admin/other', 'upload', [{ oid: 'ab'.repeat(32), size: 10 }]);
    const r = await request(`${other.objects[0].actions.upload.href}/xorbs/${m.terms[0].xorb}`, { headers: auth() });
    expect(r.statusCode).toBe(404);
    await r.body.dump();
  });

  it('refuses, over HTTP, a manifest naming uploaded chunks whose bytes do not hash to its oid (only the SHA-256 over the whole file tells), then takes the right one', async () => {
    makeModel(join(work, 'rev3'), '4MiB', 33);
    mutateModel(join(work, 'rev3'), join(work, 'rev4'), 0.25, 34);
    const r3 = await addFile(store, join(work, 'rev3'));
    const r4 = await addFile(store, join(work, 'rev4'));
    const m4 = readManifest(store.paths, r4.oid)!;
    await push('admin/m', r3.oid); // uploads xorbs holding rev4's chunks as well
    const b = await batch('admin/m', 'upload', [{ oid: r4.oid, size: r4.size }]);
    const base: string = b.objects[0].actions.upload.href;
    for (const x of new Set(m4.terms.map((t) => t.xorb))) {
      const r = await request(`${base}/xorbs/${x}`, { method: 'PUT', headers: auth(), body: readFileSync(xorbPath(store.paths, x)) });
      expect(r.statusCode, await r.body.text()).toBe(200);
    }
    // rev4's terms and Xet hash (consistent with each other) under rev3's size and an oid of other bytes
    const oid = createHash('sha256').update('not these bytes').digest('hex');
    const forged = await json('POST', `${base}/reconstructions/${oid}`, { ...m4, oid });
    expect(forged.status, JSON.stringify(forged.body)).toBe(422);
    expect(forged.body.message).toMatch(/failed verification/);
    expect((await batch('admin/m', 'download', [{ oid, size: m4.size }])).objects[0].error.code).toBe(404);
    expect((await json('POST', `${base}/reconstructions/${r4.oid}`, m4)).status).toBe(200);
    expect((await pull('admin/m', r4.oid, r4.size)).equals(readFileSync(join(work, 'rev4')))).toBe(true);
  });

  it('answers a client that reads NDJSON in two lines, the registration under way and then its outcome; a refusal is the second line, and no mark stays', async () => {
    makeModel(join(work, 'rev5'), '4MiB', 35);
    mutateModel(join(work, 'rev5'), join(work, 'rev6'), 0.25, 36);
    const r5 = await addFile(store, join(work, 'rev5'));
    const r6 = await addFile(store, join(work, 'rev6'));
    const m6 = readManifest(store.paths, r6.oid)!;
    await push('admin/m', r5.oid);
    const b = await batch('admin/m', 'upload', [{ oid: r6.oid, size: r6.size }]);
    const base: string = b.objects[0].actions.upload.href;
    for (const x of new Set(m6.terms.map((t) => t.xorb))) {
      const r = await request(`${base}/xorbs/${x}`, { method: 'PUT', headers: auth(), body: readFileSync(xorbPath(store.paths, x)) });
      expect(r.statusCode, await r.body.text()).toBe(200);
    }
    const ndjson = async (oid: string, manifest: unknown) => {
      const r = await request(`${base}/reconstructions/${oid}`, { method: 'POST', headers: { ...auth(), accept: 'application/x-ndjson, application/json', 'content-type': 'application/json' }, body: JSON.stringify(manifest) });
      const text = await r.body.text();
      expect(r.statusCode, text).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/x-ndjson/);
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    };
    // rev6's terms under an oid of other bytes: refused by the SHA-256, after the first line
    const oid = createHash('sha256').update('other bytes again').digest('hex');
    const refused = await ndjson(oid, { ...m6, oid });
    expect(refused).toHaveLength(2);
    conforms('reconstruction-registering', refused[0]);
    expect(refused[0]).toEqual({ registering: oid });
    expect(refused[1]).toMatchObject({ status: 422, code: 'hash_mismatch', message: expect.stringMatching(/failed verification/) });
    expect(await countMarks(s)).toBe(0);
    expect((await batch('admin/m', 'download', [{ oid, size: m6.size }])).objects[0].error.code).toBe(404);
    const taken = await ndjson(r6.oid, m6);
    expect(taken).toEqual([{ registering: r6.oid }, { oid: r6.oid, size: r6.size }]);
    conforms('reconstruction-registered', taken[1]);
    expect(await countMarks(s)).toBe(0);
    expect((await pull('admin/m', r6.oid, r6.size)).equals(readFileSync(join(work, 'rev6')))).toBe(true);
    // held already: one plain JSON answer, as to any client
    const again = await request(`${base}/reconstructions/${r6.oid}`, { method: 'POST', headers: { ...auth(), accept: 'application/x-ndjson, application/json', 'content-type': 'application/json' }, body: JSON.stringify(m6) });
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(await again.body.json()).toEqual({ oid: r6.oid, size: r6.size });
  });

  it('serves xorb ranges from its table of served ranges alone: a GET reads no manifest of the repository', async () => {
    const r1 = await addFile(store, join(work, 'rev1'));
    const b = await batch('admin/m', 'download', [{ oid: r1.oid, size: r1.size }]);
    const rec = (await json('GET', `${b.objects[0].actions.download.href}/reconstructions/${r1.oid}`)).body;
    // with every manifest of the server's store out of reach, each xorb range still serves
    const restore = await serverContent(s).hideManifests();
    try {
      const parts: Buffer[] = [];
      for (const t of rec.terms) {
        const r = await request(t.url, { headers: { ...auth(), range: `bytes=${t.range.start}-${t.range.end - 1}` } });
        expect(r.statusCode).toBe(206);
        const records = Buffer.from(await r.body.arrayBuffer());
        for (let at = 0; at < records.length; ) {
          const len = records[at + 5] | (records[at + 6] << 8) | (records[at + 7] << 16);
          parts.push(records.subarray(at + 8, at + 8 + len));
          at += 8 + len;
        }
      }
      expect(createHash('sha256').update(Buffer.concat(parts)).digest('hex')).toBe(r1.oid);
    } finally {
      await restore();
    }
  });

  it('a server started with --no-chunk-transfer offers only basic', async () => {
    // a second server on the same root (and, in the PostgreSQL run, the same database)
    const plain = await startHubServe(s.root, ['--no-chunk-transfer']);
    const url = plain.url;
    try {
      const r = await request(`${url}/admin/m.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...auth(), accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation: 'upload', transfers: ['hub-chunks', 'basic'], objects: [{ oid: 'ab'.repeat(32), size: 1 }] }) });
      expect(((await r.body.json()) as any).transfer).toBe('basic');
      const only = await request(`${url}/admin/m.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...auth(), accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation: 'upload', transfers: ['hub-chunks'], objects: [] }) });
      expect(only.statusCode).toBe(422);
      await only.body.dump();
    } finally {
      await plain.stop();
    }
  });
});
