/**
 * hub serve's Xet CAS spoken to byte by byte (issue 17): xorbs and shards built here with the
 * Xet codecs (LZ4, ByteGrouping4LZ4 and stored records, with and without the footer) register a
 * file that reconstructions v1 (with Range) serve; malformed xorbs and shards are each refused
 * with one clear 400 and leave nothing behind; tokens are scoped; and a private repository's
 * chunks cannot be read, reconstructed, deduplicated against or named in a shard by anyone who
 * cannot read the repository, with answers that do not tell that they exist.
 */
import { createHash, randomBytes } from 'node:crypto';
import { compress as lz4jsCompress } from 'lz4js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkScheme } from '../../src/formats/chunk-compression.js';
import { parseShard } from '../../src/formats/shard.js';
import { encodeShard } from '../../src/formats/shard-writer.js';
import type { Shard } from '../../src/formats/shard-types.js';
import { parseXetXorb } from '../../src/formats/xet-xorb.js';
import { encodeXetXorb } from '../../src/formats/xet-xorb-write.js';
import { createKeyedBlake3, type KeyedBlake3 } from '../../src/hash/blake3.js';
import { createXetHashers, type XetHashers } from '../../src/hash/hashers.js';
import { fileHash } from '../../src/hash/merkle.js';
import { createVerificationHasher, termVerificationHash } from '../../src/hash/term-verification.js';
import { fromXetHex, xetHex } from '../../src/hash/xet-hex.js';
import { http, type Answer } from '../helpers/http-answer.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { shardBodies } from '../../src/transfer/xet-shards.js';
import { seededRandom } from '../unit/formats/seeded.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let hashers: XetHashers;
let verifier: KeyedBlake3;

/** A file of `chunks` as a Xet client uploads it: its xorb (records of the best scheme, footer unless told) and its shard. */
function xetFile(chunks: Uint8Array[], opts: { footer?: boolean } = {}) {
  const { bytes: xorb, xorbHash, chunkHashes } = encodeXetXorb(chunks, hashers, { footer: opts.footer ?? true });
  const data = Buffer.concat(chunks);
  const fileH = fileHash(chunkHashes.map((hash, i) => ({ hash, size: chunks[i].length })), hashers);
  let at = 0;
  const shard: Shard = {
    files: [{ fileHash: fileH, terms: [{ xorbHash, flags: 0, unpackedBytes: data.length, chunkStart: 0, chunkEnd: chunks.length }], verification: [termVerificationHash(chunkHashes, verifier)], sha256: fromXetHex(sha256(data)) }],
    xorbs: [{ xorbHash, flags: 0, chunks: chunkHashes.map((hash, i) => ({ hash, unpackedStart: (at += chunks[i].length) - chunks[i].length, unpackedBytes: chunks[i].length, flags: 0 })), unpackedBytes: data.length, storedBytes: xorb.length }],
    footer: null,
  };
  return { xorb, xorbHex: xetHex(xorbHash), chunkHashes, data, fileHex: xetHex(fileH), oid: sha256(data), shard };
}

describe('hub serve as a Xet CAS, byte by byte', () => {
  let s: TestServer;
  const tok = { alice: '', bob: '', carol: '' };
  const { rand, seed } = seededRandom('xet cas refusals');
  let cas: string;

  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  async function xetToken(repo: string, scope: 'read' | 'write', hubToken?: string): Promise<Answer> {
    return http(`${s.url}/api/models/${repo}/xet-${scope}-token/main`, { headers: hubToken ? bearer(hubToken) : {} });
  }
  async function casToken(repo: string, scope: 'read' | 'write', hubToken?: string): Promise<string> {
    const a = await xetToken(repo, scope, hubToken);
    expect(a.status, a.text).toBe(200);
    expect(a.json.casUrl).toBe(cas);
    expect(a.json.exp).toBeGreaterThan(Date.now() / 1000);
    return a.json.accessToken as string;
  }
  const postXorb = (t: string, hash: string, body: Uint8Array) => http(`${cas}/v1/xorbs/default/${hash}`, { method: 'POST', headers: bearer(t), body: Buffer.from(body) });
  const postShard = (t: string, body: Uint8Array) => http(`${cas}/v1/shards`, { method: 'POST', headers: bearer(t), body: Buffer.from(body) });
  const get = (t: string, path: string, headers: Record<string, string> = {}) => http(`${cas}${path}`, { headers: { ...bearer(t), ...headers } });
  const head = (t: string, path: string) => http(`${cas}${path}`, { method: 'HEAD', headers: bearer(t) });
  /** Expects a 400 whose message is one line matching `re`. */
  function refused(a: Answer, re: RegExp): void {
    expect(a.status, a.text).toBe(400);
    expect(a.json.error, `seed ${seed}`).toMatch(re);
    expect(a.json.error).not.toContain('\n');
  }
  /** Chunks that take every record scheme: text (LZ4), F32 weights (ByteGrouping4LZ4), random bytes (stored). */
  function mixedChunks(n = 3): Uint8Array[] {
    const floats = () => new Uint8Array(new Float32Array(Array.from({ length: 8192 }, () => rand.normal() * 0.02)).buffer);
    return [new TextEncoder().encode(`chunk ${Buffer.from(rand.bytes(8)).toString('hex')} `.repeat(900)), floats(), rand.bytes(20_000), ...Array.from({ length: n - 3 }, () => rand.bytes(9000))];
  }

  beforeAll(async () => {
    hashers = await createXetHashers();
    verifier = await createVerificationHasher();
    s = await startHubServe();
    cas = `${s.url}/api/xet-cas`;
    const token = async (user: string) => (await runHubJson(['token', 'create', '--root', s.root, '--user', user, '--write'])).token as string;
    tok.alice = await token('alice');
    tok.bob = await token('bob');
    tok.carol = await token('carol');
    const create = async (t: string, org: string, name: string, isPrivate: boolean) => {
      const r = await http(`${s.url}/api/repos/create`, { method: 'POST', headers: { ...bearer(t), 'content-type': 'application/json' }, body: JSON.stringify({ name, organization: org, type: 'model', private: isPrivate }) });
      expect(r.status, r.text).toBe(200);
    };
    await create(tok.alice, 'alice', 'secret', true);
    await create(tok.alice, 'alice', 'pub', false);
    await create(tok.bob, 'bob', 'pub', false);
  });
  afterAll(async () => s?.stop());

  it('registers a file from a xorb of LZ4, ByteGrouping4LZ4 and stored records and its shard; reconstruction v1 with a Range fetches its bytes', async () => {
    const w = await casToken('alice/pub', 'write', tok.alice);
    const f = xetFile(mixedChunks(5));
    expect(parseXetXorb(f.xorb).records.map((r) => r.scheme).slice(0, 3)).toEqual([ChunkScheme.lz4, ChunkScheme.byteGrouping4Lz4, ChunkScheme.none]);
    const x = await postXorb(w, f.xorbHex, f.xorb);
    expect(x.status, x.text).toBe(200);
    expect(x.json).toEqual({ was_inserted: true });
    expect((await postXorb(w, f.xorbHex, f.xorb)).json).toEqual({ was_inserted: false }); // the caller's own: not news
    const sh = await postShard(w, encodeShard(f.shard));
    expect(sh.status, sh.text).toBe(200);
    expect(sh.json).toEqual({ result: 1 });
    // the repository now holds the object, as after a hub push
    const batch = await http(`${s.url}/alice/pub.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...bearer(tok.alice), 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'download', transfers: ['basic'], objects: [{ oid: f.oid, size: f.data.length }] }) });
    expect(batch.json.objects[0].actions?.download, batch.text).toBeTruthy();

    const r = await get(w, `/v1/reconstructions/${f.fileHex}`, { range: 'bytes=30000-50000' });
    expect(r.status, r.text).toBe(200);
    const { offset_into_first_range: skip, terms, fetch_info: info } = r.json;
    expect(terms.map((t: { hash: string }) => t.hash)).toEqual([f.xorbHex]);
    // fetch every range, decode its (stored uncompressed) records, keep the bytes the range asked for
    const pieces: Buffer[] = [];
    for (const fi of info[f.xorbHex]) {
      const a = await http(fi.url, { headers: { range: `bytes=${fi.url_range.start}-${fi.url_range.end}` } });
      expect(a.status, a.text).toBe(206);
      for (let at = 0; at < a.body.length; ) {
        const len = a.body.readUIntLE(at + 1, 3);
        pieces.push(a.body.subarray(at + 8, at + 8 + len));
        at += 8 + len;
      }
      // the signed Range only: another is refused
      expect((await http(fi.url, { headers: { range: `bytes=0-${fi.url_range.end + 1}` } })).status).toBe(403);
    }
    const got = Buffer.concat(pieces).subarray(skip, skip + 20001);
    expect(got.equals(f.data.subarray(30000, 50001)), `seed ${seed}`).toBe(true);
    expect((await head(w, `/v1/files/${f.fileHex}`)).headers['content-length']).toBe(String(f.data.length));
    expect((await get(w, `/v1/reconstructions/${f.fileHex}`, { range: `bytes=${f.data.length}-` })).status).toBe(416);
  });

  it('registers files from shards split as a large push splits them: xorb blocks alone, then the files alone', async () => {
    const w = await casToken('alice/pub', 'write', tok.alice);
    const [a, b] = [xetFile(mixedChunks(4)), xetFile(mixedChunks(3))];
    for (const f of [a, b]) expect((await postXorb(w, f.xorbHex, f.xorb)).status).toBe(200);
    const bodies = [...shardBodies([...a.shard.xorbs, ...b.shard.xorbs], [...a.shard.files, ...b.shard.files], 48 * 8)];
    expect(bodies.map((body) => parseShard(body).xorbs.length + parseShard(body).files.length * 100)).toEqual([1, 1, 100, 100]); // each xorb block, then each file, in a shard of its own
    for (const body of bodies) {
      const sh = await postShard(w, body);
      expect(sh.status, sh.text).toBe(200);
    }
    for (const f of [a, b]) {
      const batch = await http(`${s.url}/alice/pub.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...bearer(tok.alice), 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ operation: 'download', transfers: ['basic'], objects: [{ oid: f.oid, size: f.data.length }] }) });
      const href = batch.json.objects[0].actions?.download?.href;
      expect(href, batch.text).toBeTruthy();
      const got = await http(href, { headers: { ...bearer(tok.alice), ...batch.json.objects[0].actions.download.header } });
      expect(got.body.equals(Buffer.from(f.data)), `seed ${seed}`).toBe(true);
    }
  });

  it('a v2 fetch URL of several ranges serves them together or one at a time (as xet-core fetches), never the bytes between them', async () => {
    const w = await casToken('alice/pub', 'write', tok.alice);
    const chunks = mixedChunks(5);
    const f = xetFile(chunks);
    // a file of chunks 0-1 and 3-4 of the xorb: chunk 2 is not part of it
    const kept = [0, 1, 3, 4];
    const data = Buffer.concat(kept.map((i) => chunks[i]));
    const file = {
      fileHash: fileHash(kept.map((i) => ({ hash: f.chunkHashes[i], size: chunks[i].length })), hashers),
      terms: [
        { xorbHash: f.shard.xorbs[0].xorbHash, flags: 0, unpackedBytes: chunks[0].length + chunks[1].length, chunkStart: 0, chunkEnd: 2 },
        { xorbHash: f.shard.xorbs[0].xorbHash, flags: 0, unpackedBytes: chunks[3].length + chunks[4].length, chunkStart: 3, chunkEnd: 5 },
      ],
      verification: [termVerificationHash(f.chunkHashes.slice(0, 2), verifier), termVerificationHash(f.chunkHashes.slice(3, 5), verifier)],
      sha256: fromXetHex(sha256(data)),
    };
    expect((await postXorb(w, f.xorbHex, f.xorb)).status).toBe(200);
    const sh = await postShard(w, encodeShard({ files: [file], xorbs: f.shard.xorbs, footer: null }));
    expect(sh.status, sh.text).toBe(200);
    const r = await get(w, `/v2/reconstructions/${xetHex(file.fileHash)}`);
    expect(r.status, r.text).toBe(200);
    const [entry] = r.json.xorbs[f.xorbHex] as Array<{ url: string; ranges: Array<{ bytes: { start: number; end: number } }> }>;
    expect(entry.ranges).toHaveLength(2);
    const [a, b] = entry.ranges.map((x) => x.bytes);
    const both = await http(entry.url, { headers: { range: `bytes=${a.start}-${a.end},${b.start}-${b.end}` } });
    expect(both.status, both.text).toBe(206);
    expect(both.headers['content-type']).toMatch(/^multipart\/byteranges/);
    const one = await http(entry.url, { headers: { range: `bytes=${a.start}-${a.end}` } });
    const two = await http(entry.url, { headers: { range: `bytes=${b.start}-${b.end}` } });
    expect([one.status, two.status]).toEqual([206, 206]);
    // stored uncompressed: each record is its 8-byte header and the chunk's bytes
    const records = (body: Buffer) => {
      const out: Buffer[] = [];
      for (let at = 0; at < body.length; at += 8 + body.readUIntLE(at + 1, 3)) out.push(body.subarray(at + 8, at + 8 + body.readUIntLE(at + 1, 3)));
      return Buffer.concat(out);
    };
    expect(records(one.body).equals(Buffer.concat([chunks[0], chunks[1]])), `seed ${seed}`).toBe(true);
    expect(records(two.body).equals(Buffer.concat([chunks[3], chunks[4]])), `seed ${seed}`).toBe(true);
    expect((await http(entry.url, { headers: { range: `bytes=${a.start}-${a.end - 1}` } })).status).toBe(206); // within a signed range
    // the bytes of chunk 2, between the signed ranges: refused however they are asked for
    for (const range of [`bytes=${a.start}-${b.end}`, `bytes=${a.end + 1}-${b.start - 1}`, `bytes=${a.start}-${a.end + 1}`, `bytes=${b.start - 1}-${b.end}`]) {
      expect((await http(entry.url, { headers: { range } })).status, range).toBe(403);
    }
  });

  it('refuses malformed xorbs with one clear 400 each and stores nothing', async () => {
    const w = await casToken('alice/pub', 'write', tok.alice);
    const good = xetFile(mixedChunks(), { footer: true });
    const bare = xetFile(mixedChunks(), { footer: false });
    const records = parseXetXorb(good.xorb);
    const withFooter = (mutate: (b: Buffer) => void) => {
      const b = Buffer.from(good.xorb);
      mutate(b);
      return b;
    };
    // a record of 64 KiB declared whose LZ4 frame expands to 4 MiB
    const bomb = lz4jsCompress(new Uint8Array(4 << 20));
    const bombRecord = Buffer.concat([Buffer.from([0, bomb.length & 0xff, (bomb.length >> 8) & 0xff, bomb.length >> 16, ChunkScheme.lz4, 0, 0, 1]), Buffer.from(bomb)]);
    const lz4 = records.records[0];
    const cases: Array<[string, string, Uint8Array, RegExp]> = [
      ['truncated', bare.xorbHex, bare.xorb.subarray(0, bare.xorb.length - 7), /^truncated chunk record 2 at byte \d+: header says \d+ bytes, \d+ remain$/],
      ['cut in a header', bare.xorbHex, Buffer.concat([bare.xorb, Buffer.from([0, 1, 2])]), /^truncated chunk record 3 at byte \d+: a header needs 8 bytes, 3 available$/],
      ['a footer hash that is not its chunk', good.xorbHex, withFooter((b) => (b[records.recordsEnd + 8 + 32 + 12] ^= 1)), /^xorb footer: chunk 0 hash [0-9a-f]{64} does not match its data/],
      ['a footer boundary that is not the record', good.xorbHex, withFooter((b) => b.writeUInt32LE(b.readUInt32LE(b.length - 4 - 28 - 4 * 6) + 1, b.length - 4 - 28 - 4 * 6)), /^xorb footer/],
      ['a footer cut short', good.xorbHex, good.xorb.subarray(0, good.xorb.length - 1), /^xorb footer/],
      ['the wrong name', randomBytes(32).toString('hex'), bare.xorb, /^xorb [0-9a-f]{64} does not match its content \(its chunks hash to [0-9a-f]{64}\)$/],
      ['a compressed length that lies', good.xorbHex, withFooter((b) => b.writeUIntLE(lz4.storedLength - 9, 1, 3)), /^chunk record 0 at byte 0: /],
      ['an LZ4 bomb', 'b'.repeat(64), bombRecord, /^chunk record 0 at byte 0: LZ4 data expands past the declared uncompressed length 65536$/],
      ['an unknown scheme', bare.xorbHex, Buffer.from(bare.xorb).fill(7, 4, 5), /^chunk record 0 at byte 0: unknown compression scheme 7$/],
    ];
    for (const [name, hash, body, re] of cases) {
      const a = await postXorb(w, hash, body);
      expect(a.status, `${name}: ${a.text}`).toBe(400);
      expect(a.json.error, name).toMatch(re);
      expect((await head(w, `/v1/xorbs/default/${hash}`)).status, name).toBe(404);
    }
    expect((await postXorb(w, 'XYZ', bare.xorb)).status).toBe(400);
    expect((await http(`${cas}/v1/xorbs/other/${bare.xorbHex}`, { method: 'POST', headers: bearer(w), body: Buffer.from(bare.xorb) })).status).toBe(400);
    // and the good ones go in, with or without the footer
    expect((await postXorb(w, good.xorbHex, good.xorb)).status).toBe(200);
    expect((await postXorb(w, bare.xorbHex, bare.xorb)).status).toBe(200);
  });

  it('refuses malformed or lying shards with one clear 400 each and registers nothing', async () => {
    const w = await casToken('alice/pub', 'write', tok.alice);
    const f = xetFile(mixedChunks());
    expect((await postXorb(w, f.xorbHex, f.xorb)).status).toBe(200);
    const lie = (change: (sh: Shard) => void) => {
      const sh = structuredClone(f.shard);
      change(sh);
      return encodeShard(sh);
    };
    const good = encodeShard(f.shard);
    const footed = Buffer.from(encodeShard({ ...f.shard, footer: { hmacKey: new Uint8Array(32), createdAt: 1n, keyExpiry: 2n } }));
    footed.writeBigUInt64LE(12345n, footed.length - 8);
    const other = xetFile(mixedChunks()); // its xorb never uploaded
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['truncated', good.subarray(0, good.length - 20), /^shard: truncated: xorb block/],
      ['not a shard', Buffer.from('hello, this is not a shard at all, it is text of some length'), /^shard: not an MDB shard/],
      ['a wrong footer', footed, /^shard: footer at byte \d+: footer_offset is 12345/],
      ['a verification hash that lies', lie((sh) => (sh.files[0].verification![0] = randomBytes(32))), /^shard: file block 0: the verification hash of term 0 does not match/],
      ['a file hash that lies', lie((sh) => (sh.files[0].fileHash = randomBytes(32))), /Xet hash/],
      ['a SHA-256 that lies', lie((sh) => (sh.files[0].sha256 = randomBytes(32))), /failed verification: its \d+ bytes hash to [0-9a-f]{64}/],
      ['a term length that lies', lie((sh) => (sh.files[0].terms[0].unpackedBytes += 1)), /^shard: file block 0: term 0 says \d+ bytes/],
      ['a xorb block that lies', lie((sh) => (sh.xorbs[0].chunks[1].hash = randomBytes(32))), /^shard: xorb block 0: chunk 1 of xorb [0-9a-f]{64} is not the chunk the shard says$/],
      ['no verification entries', lie((sh) => (sh.files[0].verification = null)), /^shard: file block 0 has no verification entries/],
      ['a xorb not uploaded', encodeShard(other.shard), /^the shard names chunks that are not on the server: upload their xorbs first$/],
    ];
    for (const [name, body, re] of cases) {
      const a = await postShard(w, body);
      expect(a.status, `${name}: ${a.text}`).toBe(400);
      expect(a.json.error, name).toMatch(re);
      expect(a.json.error, name).not.toContain('\n');
    }
    const recon = await get(w, `/v1/reconstructions/${f.fileHex}`);
    expect(recon.status).toBe(404); // nothing registered
    refused(await postShard(w, lie((sh) => (sh.files[0].fileHash = randomBytes(32)))), /Xet hash/);
    expect((await postShard(w, good)).status).toBe(200);
    expect((await get(w, `/v1/reconstructions/${f.fileHex}`)).status).toBe(200);
  });

  it('scopes tokens: a read token cannot upload, a bad, tampered or expired-source token is 401, a token route checks hub access', async () => {
    const r = await casToken('alice/pub', 'read', tok.alice);
    const f = xetFile(mixedChunks());
    const up = await postXorb(r, f.xorbHex, f.xorb);
    expect(up.status, up.text).toBe(403);
    expect((await postXorb('garbage', f.xorbHex, f.xorb)).status).toBe(401);
    const [p, payload, mac] = r.split('.');
    const forged = `${p}.${Buffer.from(Buffer.from(payload, 'base64url').toString().replace('"read"', '"write"')).toString('base64url')}.${mac}`;
    expect((await postXorb(forged, f.xorbHex, f.xorb)).status).toBe(401);
    expect((await http(`${cas}/v1/shards`, { method: 'POST', body: 'x' })).status).toBe(401);
    // token routes: write needs write access, a private repository is not found for others
    expect((await xetToken('alice/pub', 'write', tok.bob)).status).toBe(403);
    expect((await xetToken('alice/pub', 'write')).status).toBe(401);
    expect((await xetToken('alice/secret', 'read', tok.bob)).status).toBe(404);
    expect((await xetToken('alice/secret', 'read')).status).toBe(404);
    expect((await xetToken('alice/nope', 'read', tok.bob)).status).toBe(404);
    // a CAS token ends with the hub token it came from
    const c = await casToken('alice/pub', 'read', tok.carol);
    expect((await get(c, `/v1/reconstructions/${'0'.repeat(64)}`)).status).toBe(404);
    const id = (await http(`${s.url}/api/tokens`, { headers: bearer(tok.carol) })).json.tokens[0].id;
    expect((await http(`${s.url}/api/tokens/${id}`, { method: 'DELETE', headers: bearer(tok.carol) })).status).toBe(200);
    expect((await get(c, `/v1/reconstructions/${'0'.repeat(64)}`)).status).toBe(401);
  });

  it("a private repository's chunks are not readable, reconstructable, deduplicable or nameable by others, and no answer tells they exist", async () => {
    const alice = await casToken('alice/secret', 'write', tok.alice);
    const f = xetFile(mixedChunks(4));
    expect((await postXorb(alice, f.xorbHex, f.xorb)).status).toBe(200);
    expect((await postShard(alice, encodeShard(f.shard))).status).toBe(200);
    const chunk = xetHex(f.chunkHashes[0]);

    // alice may deduplicate against her own chunks: HMAC-keyed hashes, never the hashes themselves
    const d = await get(alice, `/v1/chunks/default-merkledb/${chunk}`);
    expect(d.status, d.text).toBe(200);
    const answer = parseShard(new Uint8Array(d.body), 'required');
    expect(answer.files).toEqual([]);
    expect(answer.xorbs.map((x) => xetHex(x.xorbHash))).toEqual([f.xorbHex]);
    const hmac = await createKeyedBlake3(answer.footer!.hmacKey);
    const listed = answer.xorbs[0].chunks.map((c) => xetHex(c.hash));
    expect(listed).toEqual(f.chunkHashes.map((h) => xetHex(hmac.hash(h))));
    expect(listed).not.toContain(chunk);
    const recon = await get(alice, `/v2/reconstructions/${f.fileHex}`);
    expect(recon.status).toBe(200);
    const fetchUrl = new URL(recon.json.xorbs[f.xorbHex][0].url);
    const signedRange = fetchUrl.searchParams.get('X-Xet-Signed-Range')!;

    // bob, with a write token of his own public repository, and an anonymous reader of it
    const bob = await casToken('bob/pub', 'write', tok.bob);
    const anon = await casToken('bob/pub', 'read');
    const unknownChunk = randomBytes(32).toString('hex');
    const unknownFile = randomBytes(32).toString('hex');
    for (const [who, t] of [['bob', bob], ['anonymous', anon]] as const) {
      const dedup = await get(t, `/v1/chunks/default-merkledb/${chunk}`);
      const none = await get(t, `/v1/chunks/default-merkledb/${unknownChunk}`);
      expect([dedup.status, dedup.json], who).toEqual([none.status, none.json]);
      expect(dedup.status, who).toBe(404);
      const rc = await get(t, `/v2/reconstructions/${f.fileHex}`);
      expect([rc.status, rc.json], who).toEqual([404, (await get(t, `/v2/reconstructions/${unknownFile}`)).json]);
      expect((await head(t, `/v1/files/${f.fileHex}`)).status, who).toBe(404);
      expect((await head(t, `/v1/xorbs/default/${f.xorbHex}`)).status, who).toBe(404);
    }
    // alice's fetch URL re-signed for nothing: another repository in it breaks the signature
    fetchUrl.searchParams.set('Repo', String(Number(fetchUrl.searchParams.get('Repo')) + 2));
    expect((await http(fetchUrl.href, { headers: { range: signedRange } })).status).toBe(403);
    // a shard naming her xorb: the answer of a xorb that does not exist
    const named = await postShard(bob, encodeShard(f.shard));
    const ghost = await postShard(bob, encodeShard(xetFile(mixedChunks()).shard));
    expect([named.status, named.json]).toEqual([ghost.status, ghost.json]);
    expect(named.status).toBe(400);
    // uploading her xorb: verified like any other, "inserted" for bob as a new one would be
    const again = await postXorb(bob, f.xorbHex, f.xorb);
    expect(again.json).toEqual({ was_inserted: true });
    // having proved he holds every byte of it, bob may now use those chunks, in his repository only
    expect((await get(bob, `/v1/chunks/default-merkledb/${chunk}`)).status).toBe(200);
    expect((await postShard(bob, encodeShard(f.shard))).status).toBe(200);
    expect((await get(bob, `/v2/reconstructions/${f.fileHex}`)).status).toBe(200);
    expect((await get(anon, `/v1/chunks/default-merkledb/${chunk}`)).status).toBe(404); // anonymous readers never get dedup answers
  });

  it("a dedup answer for a file's first chunk names that file's other xorbs only to a repository holding the file", async () => {
    // alice's private file spans two xorbs; bob comes to hold both xorbs (he uploads them), not her file
    const alice = await casToken('alice/secret', 'write', tok.alice);
    const one = xetFile(mixedChunks(4));
    const two = xetFile(mixedChunks(4));
    const data = Buffer.concat([one.data, two.data]);
    const file = { ...one.shard.files[0] };
    file.terms = [one.shard.files[0].terms[0], two.shard.files[0].terms[0]];
    file.verification = [one.shard.files[0].verification![0], two.shard.files[0].verification![0]];
    file.sha256 = fromXetHex(sha256(data));
    file.fileHash = fileHash([...one.chunkHashes, ...two.chunkHashes].map((hash, i) => ({ hash, size: [...mixedLengths(one), ...mixedLengths(two)][i] })), hashers);
    const shard = encodeShard({ files: [file], xorbs: [...one.shard.xorbs, ...two.shard.xorbs], footer: null });
    expect((await postXorb(alice, one.xorbHex, one.xorb)).status).toBe(200);
    expect((await postXorb(alice, two.xorbHex, two.xorb)).status).toBe(200);
    const registered = await postShard(alice, shard);
    expect(registered.status, registered.text).toBe(200);
    const first = xetHex(one.chunkHashes[0]);
    const described = async (t: string) => parseShard(new Uint8Array((await get(t, `/v1/chunks/default-merkledb/${first}`)).body), 'required').xorbs.map((x) => xetHex(x.xorbHash));
    expect(await described(alice)).toEqual([one.xorbHex, two.xorbHex]);
    const bob = await casToken('bob/pub', 'write', tok.bob);
    expect((await postXorb(bob, one.xorbHex, one.xorb)).status).toBe(200);
    expect((await postXorb(bob, two.xorbHex, two.xorb)).status).toBe(200);
    expect(await described(bob)).toEqual([one.xorbHex]); // that her file goes on in his other xorb is hers to know
    expect((await postShard(bob, shard)).status).toBe(200); // once his repository holds the file too
    expect(await described(bob)).toEqual([one.xorbHex, two.xorbHex]);
  });
});

/** The chunk lengths of a file made by xetFile. */
function mixedLengths(f: { shard: Shard }): number[] {
  return f.shard.xorbs[0].chunks.map((c) => c.unpackedBytes);
}
