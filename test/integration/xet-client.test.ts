/**
 * hub as a Xet client (issue 17) against a real `hub serve`, every request through a recording
 * proxy: push, clone, pull, fetch and download use the Xet CAS (token routes, global dedup, xorb
 * and shard uploads, reconstructions and signed fetches; no hub-chunks or basic content request),
 * byte-exact, and a 10%-changed revision moves at most 15% of the file each way. A CAS that serves
 * LZ4 and byte-grouped LZ4 records is read byte-exact; a corrupted byte, and a record whose
 * compressed length lies, are refused with exit 5 and nothing written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressChunk } from '../../src/formats/chunk-compress.js';
import { parseXorbRecords, CHUNK_HEADER_BYTES } from '../../src/formats/xorb.js';
import { startFaultProxy, type FaultProxy, type FaultRule, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { preferTransfer, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const CAS = '/api/xet-cas';
const path = (r: ProxiedRequest) => r.url.split('?')[0];
const seen = (log: ProxiedRequest[], method: string, re: RegExp) => log.filter((r) => r.method === method && re.test(path(r)));
/** Bytes of file content that crossed the proxy in request or response bodies of content requests. */
const contentBytes = (log: ProxiedRequest[]) => log.filter((r) => /\/(xorbs|fetch|shards|objects\/[0-9a-f]{64})/.test(path(r))).reduce((n, r) => n + r.sent + r.received, 0);
/** No request of the hub-chunks or basic transfers. */
const noOtherTransfer = (log: ProxiedRequest[]) => expect(log.filter((r) => /\/info\/lfs\/(cas\/|objects\/[0-9a-f]{64})/.test(path(r))).map((r) => `${r.method} ${path(r)}`)).toEqual([]);

/** The chunk records of a served (uncompressed) range re-encoded with `scheme`; `lie` alters the first record's stored length. */
function reencode(body: Buffer, scheme: 'lz4' | 'bg4-lz4', lie = 0): Buffer {
  const out: Buffer[] = [];
  parseXorbRecords(body).forEach((r, i) => {
    const c = compressChunk(body.subarray(r.dataOffset, r.dataOffset + r.length), scheme);
    const n = c.bytes.length + (i === 0 ? lie : 0);
    out.push(Buffer.from([0, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, c.scheme, r.length & 0xff, (r.length >> 8) & 0xff, (r.length >> 16) & 0xff]), Buffer.from(c.bytes));
  });
  return Buffer.concat(out);
}


// hub's first choice against hub serve is hub-chunks: these suites ask for Xet first
preferTransfer('xet,hub-chunks');
describe('hub as a Xet client of hub serve', () => {
  let s: TestServer;
  let proxy: FaultProxy;
  const rules: FaultRule[] = [];
  beforeAll(async () => {
    s = await startHubServe();
    proxy = await startFaultProxy(s.url, rules);
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
  });
  const user = () => ({ ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken });

  it('push, clone, push of a 10%-changed revision, pull, fetch and download: byte-exact over Xet, each revision moving at most 15% of the file', async () => {
    const a = await localRepoWithRemote(s, 'admin/round', { base: proxy.url });
    makeModel(join(a.dir, 'model.safetensors'), '24MiB', 1701);
    const size = readFileSync(join(a.dir, 'model.safetensors')).length;
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: a.dir, env: a.env });

    proxy.log.length = 0;
    const push1 = await runHubJson(['push'], { cwd: a.dir, env: a.env });
    let log = proxy.log.splice(0);
    expect(push1.transfer).toBe('xet');
    expect(seen(log, 'GET', new RegExp(`^${CAS}/v1/chunks/default-merkledb/[0-9a-f]{64}$`)).length).toBeGreaterThan(0);
    const xorbs1 = seen(log, 'POST', new RegExp(`^${CAS}/v1/xorbs/default/[0-9a-f]{64}$`));
    expect(xorbs1.length).toBeGreaterThan(0);
    expect(xorbs1.reduce((n, r) => n + r.sent, 0)).toBeGreaterThanOrEqual(size); // the whole file went up (F32: not worth compressing)
    expect(seen(log, 'POST', new RegExp(`^${CAS}/v1/shards$`))).toHaveLength(1);
    noOtherTransfer(log);

    const b = user();
    const parent = tmpDir();
    const clone = await runHubJson(['clone', `${proxy.url}/admin/round`, 'b'], { cwd: parent, env: b });
    log = proxy.log.splice(0);
    expect(clone.transfer).toBe('xet');
    expect(sha256(join(parent, 'b', 'model.safetensors'))).toBe(sha256(join(a.dir, 'model.safetensors')));
    expect(seen(log, 'GET', new RegExp(`^${CAS}/v2/reconstructions/[0-9a-f]{64}$`))).toHaveLength(1);
    expect(seen(log, 'GET', new RegExp(`^${CAS}/fetch/[0-9a-f]{64}$`)).reduce((n, r) => n + r.received, 0)).toBeGreaterThanOrEqual(size);
    noOtherTransfer(log);

    // rev2: 10% of the tensors changed
    const m2 = join(tmpDir(), 'rev2.safetensors');
    mutateModel(join(a.dir, 'model.safetensors'), m2, 0.1, 1702);
    renameSync(m2, join(a.dir, 'model.safetensors'));
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    await runHubJson(['commit', '-m', 'rev2'], { cwd: a.dir, env: a.env });
    const push2 = await runHubJson(['push'], { cwd: a.dir, env: a.env });
    log = proxy.log.splice(0);
    expect(push2.transfer).toBe('xet');
    const up = contentBytes(log);
    expect(up, `push of rev2 sent ${up} of ${size} bytes`).toBeLessThanOrEqual(size * 0.15);
    expect(push2.bytesSent).toBeGreaterThan(0);
    noOtherTransfer(log);

    const pull = await runHubJson(['pull'], { cwd: join(parent, 'b'), env: b });
    log = proxy.log.splice(0);
    expect(pull.transfer ?? pull.content?.transfer).toBe('xet');
    expect(sha256(join(parent, 'b', 'model.safetensors'))).toBe(sha256(join(a.dir, 'model.safetensors')));
    const down = contentBytes(log);
    expect(down, `pull of rev2 received ${down} of ${size} bytes`).toBeLessThanOrEqual(size * 0.15);
    expect(down).toBeGreaterThan(0);
    noOtherTransfer(log);

    // the clone's store packed what it fetched into xorbs of its own: a change pushed from it still sends only the change
    const m3 = join(tmpDir(), 'rev3.safetensors');
    mutateModel(join(parent, 'b', 'model.safetensors'), m3, 0.1, 1703);
    renameSync(m3, join(parent, 'b', 'model.safetensors'));
    await runHubJson(['add', '-A'], { cwd: join(parent, 'b'), env: b });
    await runHubJson(['commit', '-m', 'rev3'], { cwd: join(parent, 'b'), env: b });
    await runHubJson(['push'], { cwd: join(parent, 'b'), env: b });
    log = proxy.log.splice(0);
    expect(contentBytes(log), 'push of rev3 from the clone').toBeLessThanOrEqual(size * 0.15);

    // fetch into the first repository, and a download into a fresh directory, both through Xet
    const fetched = await runHubJson(['fetch'], { cwd: a.dir, env: a.env });
    expect(fetched.transfer ?? fetched.content?.transfer).toBe('xet');
    log = proxy.log.splice(0);
    expect(contentBytes(log)).toBeLessThanOrEqual(size * 0.15);
    const out = join(tmpDir(), 'dl');
    await runHubJson(['download', `${proxy.url}/admin/round`, '--local-dir', out], { cwd: tmpDir(), env: user() });
    log = proxy.log.splice(0);
    expect(sha256(join(out, 'model.safetensors'))).toBe(sha256(join(parent, 'b', 'model.safetensors')));
    expect(seen(log, 'GET', new RegExp(`^${CAS}/fetch/`)).length).toBeGreaterThan(0);
    noOtherTransfer(log);
  });

  it('reads a CAS that serves LZ4 and byte-grouped LZ4 records, byte-exact', async () => {
    const a = await localRepoWithRemote(s, 'admin/packed', { base: proxy.url });
    makeModel(join(a.dir, 'model.safetensors'), '4MiB', 1711, 8, 'BF16');
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: a.dir, env: a.env });
    await runHubJson(['push'], { cwd: a.dir, env: a.env });
    for (const scheme of ['lz4', 'bg4-lz4'] as const) {
      const rule: FaultRule = { match: (req) => (req.url ?? '').startsWith(`${CAS}/fetch/`), fault: 'transform', times: Infinity, transform: (body) => reencode(body, scheme) };
      rules.push(rule);
      try {
        const parent = tmpDir();
        await runHubJson(['clone', `${proxy.url}/admin/packed`, 'c'], { cwd: parent, env: user() });
        expect(rule.hits).toBeGreaterThan(0);
        expect(sha256(join(parent, 'c', 'model.safetensors'))).toBe(sha256(join(a.dir, 'model.safetensors')));
      } finally {
        rules.length = 0;
      }
    }
  });

  for (const [n, [what, transform, message]] of ([
    ['a corrupted byte in a served range', (body: Buffer) => ((body[body.length >> 1] ^= 0x40), body), /hash|corrupt/i],
    ['a record whose compressed length says one byte more than it holds', (body: Buffer) => reencode(body, 'lz4', +1), /xorb .* bytes .*: /],
    ['a record whose compressed length says one byte less than it holds', (body: Buffer) => reencode(body, 'lz4', -1), /xorb .* bytes .*: /],
    ['a record that claims more bytes than the range holds', (body: Buffer) => Buffer.concat([body.subarray(0, CHUNK_HEADER_BYTES), body.subarray(CHUNK_HEADER_BYTES, body.length - 10)]), /ends inside a record|ends before/],
  ] as const).entries()) {
    it(`refuses ${what}: exit 5, no working file, no stored object`, async () => {
      const name = `admin/bad-${n}`;
      const a = await localRepoWithRemote(s, name, { base: proxy.url });
      makeModel(join(a.dir, 'model.safetensors'), '2MiB', 1720 + n);
      await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
      await runHubJson(['commit', '-m', 'rev1'], { cwd: a.dir, env: a.env });
      await runHubJson(['push'], { cwd: a.dir, env: a.env });
      const rule: FaultRule = { match: (req) => (req.url ?? '').startsWith(`${CAS}/fetch/`), fault: 'transform', times: Infinity, transform: (b) => transform(Buffer.from(b)) };
      rules.push(rule);
      try {
        const env = user();
        const parent = tmpDir();
        const r = await runHub(['clone', `${proxy.url}/${name}`, 'c'], { cwd: parent, env });
        expect(rule.hits).toBeGreaterThan(0);
        expect(r.code, r.stderr).toBe(5);
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('hub: error:'))).toHaveLength(1);
        console.log(`${what}: ${r.stderr.trim().split('\n').find((l) => l.startsWith('hub: error:'))}`);
        expect(existsSync(join(parent, 'c', 'model.safetensors'))).toBe(false);
        const manifests = join(env.HUB_HOME, 'store', 'manifests');
        expect(existsSync(manifests) ? readdirSync(manifests).flatMap((d) => readdirSync(join(manifests, d))) : []).toEqual([]);
        // a pull that meets the same: refused, the working file stays the old one
      } finally {
        rules.length = 0;
      }
    });
  }

  it('hub diff in a clone without content reads only the chunks it compares, through hub serve\'s chunk hashes and range reconstructions; a CAS without them gets whole objects', async () => {
    const a = await localRepoWithRemote(s, 'admin/diffed', { base: proxy.url });
    makeModel(join(a.dir, 'model.safetensors'), '16MiB', 1731);
    const size = readFileSync(join(a.dir, 'model.safetensors')).length;
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    const c1 = (await runHubJson(['commit', '-m', 'rev1'], { cwd: a.dir, env: a.env })).commit;
    const m2 = join(tmpDir(), 'rev2.safetensors');
    mutateModel(join(a.dir, 'model.safetensors'), m2, 0.1, 1732);
    renameSync(m2, join(a.dir, 'model.safetensors'));
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    const c2 = (await runHubJson(['commit', '-m', 'rev2'], { cwd: a.dir, env: a.env })).commit;
    await runHubJson(['push'], { cwd: a.dir, env: a.env });
    const local = await runHubJson(['diff', c1, c2], { cwd: a.dir, env: a.env });
    const strip = (doc: { files: Array<{ tensors?: { bytesRead?: unknown } }> }) => doc.files.map((f) => ({ ...f, tensors: f.tensors && { ...f.tensors, bytesRead: undefined } }));
    const diffInFreshClone = async (extra: Record<string, string> = {}) => {
      const env = { ...user(), ...extra };
      const parent = tmpDir();
      await runHubJson(['clone', '--no-checkout', `${proxy.url}/admin/diffed`, 'c'], { cwd: parent, env });
      proxy.log.length = 0;
      const doc = await runHubJson(['diff', c1, c2], { cwd: join(parent, 'c'), env });
      return { doc, log: proxy.log.splice(0) };
    };

    const partial = await diffInFreshClone();
    expect(strip(partial.doc)).toEqual(strip(local));
    expect(partial.doc.files.find((f: { path: string }) => f.path === 'model.safetensors').tensors.changed.count).toBeGreaterThan(0);
    const fetched = seen(partial.log, 'GET', new RegExp(`^${CAS}/fetch/`)).reduce((n, r) => n + r.received, 0);
    // the same chunks hub-chunks reads (its diff reads a chunk at a time by hash): within a few records' headers
    const older = await diffInFreshClone({ HUB_TRANSFER: 'hub-chunks' });
    const olderFetched = older.log.filter((r) => /\/info\/lfs\/cas\/v1\/xorbs\//.test(path(r))).reduce((n, r) => n + r.received, 0);
    console.log(`diff of two revisions of a ${size}-byte model: ${fetched} bytes fetched over Xet, ${olderFetched} over hub-chunks`);
    expect(fetched, `diff fetched ${fetched} of 2 x ${size} bytes`).toBeGreaterThan(0);
    expect(fetched).toBeLessThan(0.5 * size);
    expect(fetched).toBeLessThanOrEqual(olderFetched * 1.02);
    expect(partial.doc.bytesFetched).toBeLessThanOrEqual(fetched);
    expect(seen(partial.log, 'GET', new RegExp(`^${CAS}/v2/reconstructions/`)).filter((r) => r.range).length).toBeGreaterThan(0);
    noOtherTransfer(partial.log);

    // a Xet CAS that does not know hub's extension: its answers carry no hub_chunks
    const rule: FaultRule = {
      match: (req) => /\/reconstructions\//.test(req.url ?? ''),
      fault: 'transform',
      times: Infinity,
      transform: (body) => {
        const doc = JSON.parse(body.toString());
        for (const t of doc.terms ?? []) delete t.hub_chunks;
        return Buffer.from(JSON.stringify(doc));
      },
    };
    rules.push(rule);
    try {
      const whole = await diffInFreshClone();
      expect(rule.hits).toBeGreaterThan(0);
      expect(strip(whole.doc)).toEqual(strip(local));
      expect(seen(whole.log, 'GET', new RegExp(`^${CAS}/fetch/`)).reduce((n, r) => n + r.received, 0)).toBeGreaterThanOrEqual(size);
      noOtherTransfer(whole.log);
    } finally {
      rules.length = 0;
    }
  });

  it('HUB_TRANSFER=hub-chunks keeps the older protocol (the server offers both)', async () => {
    const a = await localRepoWithRemote(s, 'admin/older', { base: proxy.url });
    writeFileSync(join(a.dir, 'w.safetensors'), Buffer.alloc(300_000, 7));
    await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: a.dir, env: a.env });
    proxy.log.length = 0;
    const push = await runHubJson(['push'], { cwd: a.dir, env: { ...a.env, HUB_TRANSFER: 'hub-chunks' } });
    expect(push.transfer).toBe('hub-chunks');
    expect(seen(proxy.log, 'GET', new RegExp(`^${CAS}/`))).toEqual([]);
    const bad = await runHub(['push'], { cwd: a.dir, env: { ...a.env, HUB_TRANSFER: 'carrier-pigeon' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HUB_TRANSFER/);
  });
});
