/**
 * Issue 11 point 1: private bytes never leak through deduplication (docs/protocol.md
 * "Visibility"). The content store of `hub serve` is shared by every repository (one copy on
 * disk), so a public file that shares chunks with a private one is stored as terms into the
 * private file's xorb. The rule: a repository serves only the byte ranges of the chunks its own
 * manifests reference; a manifest may name only chunks its writer can read; no answer tells a
 * caller whether content they cannot read exists.
 *
 * The scene, set once: alice pushes `base + secret tail` to her private repository with
 * `hub push` (hub-chunks: one xorb A); carol, innocently, uploads only `base` to her public
 * repository with plain git-lfs (basic: the server chunks it, and dedup points carol's manifest
 * into A). Every byte handed to someone who may not read alice's repository is checked for runs
 * of the secret tail.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/store/manifest-files.js';
import { addFile } from '../../src/store/ingest.js';
import { xorbPath } from '../../src/store/paths.js';
import { Store } from '../../src/store/store.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { http, type Answer } from '../helpers/http-answer.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { testSeed } from '../helpers/seed.js';
import { testPostgres } from '../helpers/test-database.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'application/vnd.git-lfs+json';
const MARKER = 'ALICE-SECRET-TAIL-91c2';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const HEX64 = /[0-9a-f]{64}/g;

/** `n` deterministic pseudo-random bytes for `seed` and `label` (SHA-256 in counter mode). */
function seededBytes(seed: number, label: string, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0, at = 0; at < n; i++, at += 32) createHash('sha256').update(`${seed}:${label}:${i}`).digest().copy(out, at, 0, Math.min(32, n - at));
  return out;
}

/**
 * Finds runs of 16 bytes of a secret in answers. Windows are keyed by a 32-bit fingerprint and a
 * hit is confirmed byte for byte; fast, because a test that blocks its event loop for seconds
 * makes undici reuse a keep-alive socket the server has meanwhile closed.
 */
class SecretRuns {
  private readonly prints = new Set<number>();
  private static readonly WIDTH = 16;
  constructor(private readonly secret: Buffer) {
    for (let i = 0; i + SecretRuns.WIDTH <= secret.length; i++) this.prints.add(SecretRuns.print(secret, i));
  }
  private static print(b: Buffer, i: number): number {
    return (Math.imul(b.readUInt32LE(i), 0x9e3779b1) ^ Math.imul(b.readUInt32LE(i + 4), 0x85ebca77) ^ Math.imul(b.readUInt32LE(i + 8), 0xc2b2ae3d) ^ b.readUInt32LE(i + 12)) >>> 0;
  }
  /** True when `body` holds no run of 16 bytes of the secret. */
  absentFrom(body: Buffer): boolean {
    for (let i = 0; i + SecretRuns.WIDTH <= body.length; i++) {
      if (this.prints.has(SecretRuns.print(body, i)) && this.secret.includes(body.subarray(i, i + SecretRuns.WIDTH))) return false;
    }
    return true;
  }
}

/** The chunk data of a run of xorb records `[u8 0][u24 len][u8 0][u24 len][bytes]…`. */
function recordData(records: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < records.length; ) {
    const len = records[at + 5] | (records[at + 6] << 8) | (records[at + 7] << 16);
    parts.push(records.subarray(at + 8, at + 8 + len));
    at += 8 + len;
  }
  return Buffer.concat(parts);
}

interface Term {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  bytes: number;
  range: { start: number; end: number };
  url: string;
  hashes: string[];
}
interface Reconstruction {
  oid: string;
  size: number;
  xetHash: string;
  terms: Term[];
}

/** The manifest a client would register for a reconstruction. */
function manifestOf(r: Reconstruction) {
  return { version: 1, oid: r.oid, size: r.size, xetHash: r.xetHash, terms: r.terms.map(({ xorb, chunkStart, chunkEnd, bytes }) => ({ xorb, chunkStart, chunkEnd, bytes })) };
}

/** What a test server, its users and a few helpers look like. */
class Scene {
  readonly tokens: Record<string, string> = {};
  constructor(readonly s: TestServer) {}

  auth(who?: string): Record<string, string> {
    return who ? { authorization: `Bearer ${this.tokens[who]}` } : {};
  }
  cas(repo: string): string {
    return `${this.s.url}/${repo}.git/info/lfs/cas/v1`;
  }
  async token(name: string, user: string, write: boolean): Promise<void> {
    this.tokens[name] = (await runHubJson(['token', 'create', '--root', this.s.root, '--user', user, ...(write ? ['--write'] : [])])).token;
  }
  async repo(name: string, owner: string, isPrivate: boolean): Promise<void> {
    await runHubJson(['repo', 'create', name, ...(isPrivate ? ['--private'] : []), '--endpoint', this.s.url, '--token', this.tokens[owner]]);
  }
  /** `hub push` of one large file as `who` (hub-chunks). */
  async hubPush(who: string, repo: string, file: string, bytes: Buffer): Promise<void> {
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: this.tokens[who] };
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env });
    await runHubJson(['track', '*.bin'], { cwd: dir, env });
    writeFileSync(join(dir, file), bytes);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', file], { cwd: dir, env });
    await runHubJson(['remote', 'add', 'origin', `${this.s.url}/${repo}`], { cwd: dir, env });
    expect(await runHubJson(['push'], { cwd: dir, env: { ...env, HUB_TRANSFER: 'hub-chunks' } })).toMatchObject({ transfer: 'hub-chunks', objects: { uploaded: 1 } });
  }
  /** Plain git + git-lfs (the basic transfer) push of one large file as `who`. */
  gitLfsPush(who: string, repo: string, file: string, bytes: Buffer): void {
    const git = gitClient();
    const dir = join(tmpDir(), 'w');
    git.run(tmpDir(), 'clone', '-q', authUrl(this.s.host, `/${repo}`, this.tokens[who]), dir);
    git.run(dir, 'lfs', 'track', '*.bin');
    writeFileSync(join(dir, file), bytes);
    git.run(dir, 'add', '-A');
    git.run(dir, 'commit', '-q', '-m', file);
    git.run(dir, 'lfs', 'push', 'origin', 'main');
    git.run(dir, 'push', '-q', 'origin', 'main');
  }
  /** A reconstruction as `who` reads it (batch download with hub-chunks, then GET reconstructions). */
  async reconstruction(repo: string, bytes: Buffer, who?: string): Promise<Reconstruction> {
    const b = await http(`${this.s.url}/${repo}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { accept: LFS, 'content-type': LFS, ...this.auth(who) },
      body: JSON.stringify({ operation: 'download', transfers: ['hub-chunks'], objects: [{ oid: sha256(bytes), size: bytes.length }] }),
    });
    expect(b.status, b.text).toBe(200);
    expect(b.json.transfer).toBe('hub-chunks');
    expect(b.json.objects[0].actions?.download, b.text).toBeDefined();
    const r = await http(`${b.json.objects[0].actions.download.href}/reconstructions/${sha256(bytes)}`, { headers: this.auth(who) });
    expect(r.status, r.text).toBe(200);
    return r.json as Reconstruction;
  }
  /** The file's bytes from its reconstruction, read term by term with ranged xorb GETs as `who`. */
  async readTerms(rec: Reconstruction, who?: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (const t of rec.terms) {
      const r = await http(t.url, { headers: { ...this.auth(who), range: `bytes=${t.range.start}-${t.range.end - 1}` } });
      expect(r.status, r.text).toBe(206);
      parts.push(recordData(r.body));
    }
    return Buffer.concat(parts);
  }
  registerManifest(repo: string, manifest: unknown, who: string): Promise<Answer> {
    const oid = (manifest as { oid: string }).oid;
    return http(`${this.cas(repo)}/reconstructions/${oid}`, { method: 'POST', headers: { ...this.auth(who), 'content-type': 'application/json' }, body: JSON.stringify(manifest) });
  }
  putXorb(repo: string, xorb: string, bytes: Buffer, who: string): Promise<Answer> {
    return http(`${this.cas(repo)}/xorbs/${xorb}`, { method: 'PUT', headers: { ...this.auth(who), 'content-type': 'application/octet-stream' }, body: bytes });
  }
  missing(repo: string, chunks: string[], who: string): Promise<Answer> {
    return http(`${this.cas(repo)}/chunks/missing`, { method: 'POST', headers: { ...this.auth(who), 'content-type': 'application/json' }, body: JSON.stringify({ chunks }) });
  }
}

/** The secret file: base, then a tail with the marker every 1000 bytes. */
function secretFile(seed: number): { base: Buffer; tail: Buffer; secret: Buffer } {
  const base = seededBytes(seed, 'base', 1 << 20);
  const tail = seededBytes(seed, 'tail', 256 << 10);
  for (let at = 0; at + MARKER.length <= tail.length; at += 1000) tail.write(MARKER, at, 'latin1');
  return { base, tail, secret: Buffer.concat([base, tail]) };
}

/** A new random xorb, built by a local store; its name and bytes. */
async function freshXorb(): Promise<{ xorb: string; bytes: Buffer }> {
  const dir = tmpDir();
  const store = await Store.open(join(dir, 'store'));
  try {
    writeFileSync(join(dir, 'f'), randomBytes(200 << 10));
    const { oid } = await addFile(store, join(dir, 'f'));
    const [term] = readManifest(store.paths, oid)!.terms;
    return { xorb: term.xorb, bytes: readFileSync(xorbPath(store.paths, term.xorb)) };
  } finally {
    store.close();
  }
}

/** Every 64-hex string replaced, so answers naming different hashes can be compared. */
const unhashed = (text: string) => text.replace(HEX64, 'H');

describe('hub serve: private bytes never leak through deduplication', () => {
  let sc: Scene;
  const seed = testSeed('server-visibility');
  const { base, tail, secret } = secretFile(seed);
  const runs = new SecretRuns(tail);
  let aliceRec: Reconstruction;
  let carolRec: Reconstruction;
  /** alice's xorb that carol's manifest points into. */
  let shared: string;

  beforeAll(async () => {
    sc = new Scene(await startHubServe());
    for (const [name, user, write] of [
      ['alice', 'alice', true],
      ['alice-read', 'alice', false],
      ['carol', 'carol', true],
      ['bob', 'bob', true],
      ['dave', 'dave', true],
    ] as const) {
      await sc.token(name, user, write);
    }
    await sc.repo('alice/priv', 'alice', true);
    await sc.repo('alice/pub', 'alice', false);
    await sc.repo('carol/pub', 'carol', false);
    await sc.repo('carol/hf', 'carol', false);
    await sc.repo('bob/own', 'bob', false);
    await sc.repo('bob/mirror', 'bob', false);
    await sc.repo('dave/own', 'dave', false);
    await sc.hubPush('alice', 'alice/priv', 'model.bin', secret);
    sc.gitLfsPush('carol', 'carol/pub', 'base.bin', base);
    aliceRec = await sc.reconstruction('alice/priv', secret, 'alice-read');
    carolRec = await sc.reconstruction('carol/pub', base);
    // the scene is the attack's: carol's public manifest points into alice's private xorb
    const aliceXorbs = new Set(aliceRec.terms.map((t) => t.xorb));
    shared = carolRec.terms.find((t) => aliceXorbs.has(t.xorb))?.xorb ?? '';
    expect(shared, 'dedup put carol\'s base into alice\'s xorb').not.toBe('');
    expect(aliceRec.terms.filter((t) => t.xorb === shared).some((t) => t.range.end > Math.max(...carolRec.terms.filter((c) => c.xorb === shared).map((c) => c.range.end)))).toBe(true);
  });
  afterAll(async () => {
    await sc?.s.stop();
  });

  it('an anonymous reader of carol\'s repository gets base, and no byte of the secret tail however it asks for the xorb', async () => {
    expect((await sc.readTerms(carolRec)).equals(base)).toBe(true);
    const url = carolRec.terms.find((t) => t.xorb === shared)!.url;
    const whole = aliceRec.terms.find((t) => t.xorb === shared)!;
    const served = carolRec.terms.filter((t) => t.xorb === shared);
    const viewEnd = Math.max(...served.map((t) => t.range.end));
    const answers: Array<[string, Answer]> = [];
    for (const range of [undefined, 'bytes=0-', `bytes=0-${whole.range.end - 1}`, `bytes=${viewEnd}-`, `bytes=${viewEnd - 1}-${viewEnd + 100}`, `bytes=-${whole.range.end}`, `bytes=${whole.range.end - 1000}-${whole.range.end - 1}`]) {
      answers.push([`GET ${range ?? '(whole)'}`, await http(url, { headers: range ? { range } : {} })]);
      answers.push([`HEAD ${range ?? '(whole)'}`, await http(url, { method: 'HEAD', headers: range ? { range } : {} })]);
    }
    for (const [what, a] of answers) {
      expect(runs.absentFrom(a.body), `${what}: ${a.status}`).toBe(true);
      expect(a.body.toString('latin1'), what).not.toContain(MARKER);
      // what carol's repository serves ends where her last chunk record ends
      for (const h of ['content-length', 'content-range']) {
        const value = String(a.headers[h] ?? '');
        const numbers = value.match(/\d+/g)?.map(Number) ?? [];
        expect(Math.max(0, ...numbers), `${what}: ${h} ${value}`).toBeLessThanOrEqual(viewEnd);
      }
    }
    const get = (r?: string) => answers.find(([w]) => w === `GET ${r ?? '(whole)'}`)![1];
    expect(get().status).toBe(200);
    expect(get().body.length).toBe(viewEnd);
    expect(get(`bytes=${viewEnd}-`).status).toBe(416);
    expect(get(`bytes=${viewEnd - 1}-${viewEnd + 100}`).body.length).toBe(1);
    // the secret's own range, and a xorb only alice's repository uses, answer as a xorb that is not there
    const nowhere = await http(`${sc.cas('carol/pub')}/xorbs/${'ab'.repeat(32)}`);
    expect(nowhere.status).toBe(404);
    const tailRange = get(`bytes=${whole.range.end - 1000}-${whole.range.end - 1}`);
    expect([tailRange.status, tailRange.headers['content-range']]).toEqual([416, `bytes */${viewEnd}`]);
    // and the real client clones carol's repository anonymously through those ranges
    const parent = tmpDir();
    const env = { ...ID, HUB_HOME: tmpDir() };
    expect(await runHubJson(['clone', `${sc.s.url}/carol/pub`, 'c'], { cwd: parent, env: { ...env, HUB_TRANSFER: 'hub-chunks' } })).toMatchObject({ transfer: 'hub-chunks', largeFiles: 1 });
    expect(readFileSync(join(parent, 'c', 'base.bin')).equals(base)).toBe(true);
    // and through the Xet CAS (the default), as anonymously
    expect(await runHubJson(['clone', `${sc.s.url}/carol/pub`, 'x'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir(), HUB_TRANSFER: 'xet' } })).toMatchObject({ transfer: 'xet', largeFiles: 1 });
    expect(readFileSync(join(parent, 'x', 'base.bin')).equals(base)).toBe(true);
  });

  it('an HF commit that dedups into the private xorb lets its repository serve only its own chunks', async () => {
    const prefix = base.subarray(0, 900 << 10);
    const lines = [
      { key: 'header', value: { summary: 'prefix', description: '' } },
      { key: 'file', value: { path: '.gitattributes', content: Buffer.from('*.bin filter=lfs diff=lfs merge=lfs -text\n').toString('base64'), encoding: 'base64' } },
      { key: 'file', value: { path: 'prefix.bin', content: prefix.toString('base64'), encoding: 'base64' } },
    ];
    const c = await http(`${sc.s.url}/api/models/carol/hf/commit/main`, { method: 'POST', headers: { ...sc.auth('carol'), 'content-type': 'application/x-ndjson' }, body: lines.map((l) => JSON.stringify(l)).join('\n') });
    expect(c.status, c.text).toBe(200);
    const rec = await sc.reconstruction('carol/hf', prefix);
    expect(rec.terms.some((t) => t.xorb === shared), 'the commit was deduplicated into alice\'s xorb').toBe(true);
    expect((await sc.readTerms(rec)).equals(prefix)).toBe(true);
    for (const method of ['GET', 'HEAD']) {
      const a = await http(rec.terms.find((t) => t.xorb === shared)!.url, { method });
      expect(runs.absentFrom(a.body)).toBe(true);
      expect(Number(a.headers['content-length'])).toBeLessThanOrEqual(Math.max(...rec.terms.filter((t) => t.xorb === shared).map((t) => t.range.end)));
    }
  });

  it('refuses a manifest naming chunks its writer cannot read, exactly as one naming a xorb that does not exist', async () => {
    const stolen = manifestOf(aliceRec);
    const refused = await sc.registerManifest('bob/own', stolen, 'bob');
    expect(refused.status, refused.text).toBe(422);
    // the same manifest with its xorbs renamed to ones no one has, and with chunks past the xorb's end
    const ghost = { ...stolen, terms: stolen.terms.map((t) => ({ ...t, xorb: randomBytes(32).toString('hex') })) };
    const past = { ...stolen, terms: stolen.terms.map((t) => ({ ...t, chunkStart: t.chunkStart + 5000, chunkEnd: t.chunkEnd + 5000 })) };
    for (const other of [ghost, past]) {
      const a = await sc.registerManifest('bob/own', other, 'bob');
      expect([a.status, a.text, Object.keys(a.headers).filter((h) => h !== 'date').sort()]).toEqual([refused.status, refused.text, Object.keys(refused.headers).filter((h) => h !== 'date').sort()]);
    }
    expect(refused.text).not.toContain(shared);
    // nothing was recorded: bob's repository does not hold alice's file
    const b = await http(`${sc.s.url}/bob/own.git/info/lfs/objects/${aliceRec.oid}`, { headers: sc.auth('bob') });
    expect(b.status).toBe(404);
    expect(runs.absentFrom(b.body)).toBe(true);
    // chunks bob can read (carol's public repository serves them) may be named: base registers
    const ok = await sc.registerManifest('bob/own', manifestOf(carolRec), 'bob');
    expect(ok.status, ok.text).toBe(200);
    expect((await sc.readTerms(await sc.reconstruction('bob/own', base))).equals(base)).toBe(true);
  });

  it('registering a file other repositories hold, through xorbs of one\'s own, keeps the stored manifest: theirs keep serving', async () => {
    // bob's own store packs base into xorbs of its own; he uploads them and names them
    const dir = tmpDir();
    const store = await Store.open(join(dir, 'store'));
    let manifest;
    try {
      writeFileSync(join(dir, 'base.bin'), base);
      manifest = readManifest(store.paths, (await addFile(store, join(dir, 'base.bin'))).oid)!;
      expect(manifest.terms.some((t) => carolRec.terms.some((c) => c.xorb === t.xorb)), 'bob\'s packing differs from the server\'s').toBe(false);
      for (const x of new Set(manifest.terms.map((t) => t.xorb))) expect((await sc.putXorb('bob/mirror', x, readFileSync(xorbPath(store.paths, x)), 'bob')).status).toBe(200);
    } finally {
      store.close();
    }
    const reg = await sc.registerManifest('bob/mirror', manifest, 'bob');
    expect(reg.status, reg.text).toBe(200);
    // the store kept the manifest carol's repository serves; both repositories read base through it
    const again = await sc.reconstruction('carol/pub', base);
    expect(again.terms).toEqual(carolRec.terms);
    expect((await sc.readTerms(again)).equals(base)).toBe(true);
    const mirror = await sc.reconstruction('bob/mirror', base);
    expect(mirror.terms.map((t) => t.xorb)).toEqual(carolRec.terms.map((t) => t.xorb));
    expect((await sc.readTerms(mirror)).equals(base)).toBe(true);
  });

  it('chunks/missing counts the chunks a caller cannot read as missing, though the store has them', async () => {
    const aliceChunks = aliceRec.terms.flatMap((t) => t.hashes);
    const carolChunks = new Set(carolRec.terms.flatMap((t) => t.hashes));
    const unknown = randomBytes(32).toString('hex');
    const asked = [...aliceChunks, unknown];
    const bob = await sc.missing('bob/own', asked, 'bob');
    expect(bob.status, bob.text).toBe(200);
    // the secret's chunks are missing for bob; base's are not (carol's public repository serves them)
    const unreadable = aliceChunks.filter((h) => !carolChunks.has(h));
    expect(unreadable.length).toBeGreaterThan(0);
    expect(bob.json.missing).toEqual([...unreadable, unknown]);
    // alice can read all of them
    expect((await sc.missing('alice/priv', asked, 'alice')).json.missing).toEqual([unknown]);
  });

  it('chunks/missing "held": a xorb is held for a caller only when the store has it and they may name every chunk of it', async () => {
    const unknown = randomBytes(32).toString('hex');
    const ask = (repo: string, who: string, body: unknown) => http(`${sc.cas(repo)}/chunks/missing`, { method: 'POST', headers: { ...sc.auth(who), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // bob may read base's chunks of alice's xorb (carol's public repository serves them), not the secret's: not held
    const bob = await ask('bob/own', 'bob', { chunks: [], xorbs: [shared, unknown] });
    expect(bob.status, bob.text).toBe(200);
    expect(bob.json).toEqual({ missing: [], held: [] });
    // carol's file's other xorb (the server made it of her last chunk) is served whole by her public repository: held for bob
    const carolOwn = [...new Set(carolRec.terms.map((t) => t.xorb))].filter((x) => x !== shared);
    expect(carolOwn.length).toBeGreaterThan(0);
    expect((await ask('bob/own', 'bob', { chunks: [], xorbs: [shared, ...carolOwn] })).json).toEqual({ missing: [], held: carolOwn });
    // alice uploaded hers whole; a xorb no one has is held by no one
    expect((await ask('alice/priv', 'alice', { chunks: [], xorbs: [unknown, shared] })).json).toEqual({ missing: [], held: [shared] });
    // the chunk question is answered beside it, as without it; a question without "xorbs" gets no "held"
    const aliceChunks = aliceRec.terms.flatMap((t) => t.hashes);
    expect((await ask('alice/priv', 'alice', { chunks: [unknown, aliceChunks[0]], xorbs: [shared] })).json).toEqual({ missing: [unknown], held: [shared] });
    expect((await ask('alice/priv', 'alice', { chunks: [aliceChunks[0]] })).json).toEqual({ missing: [] });
    const bad = await ask('alice/priv', 'alice', { chunks: [], xorbs: ['nope'] });
    expect([bad.status, bad.json.message]).toEqual([422, '"xorbs" must be an array of at most 100000 xorb hashes (64 hex digits, Xet form)']);
  });

  it('a xorb PUT verifies every byte and answers alike whether or not the store has the xorb; only a verified upload lets its sender name the chunks', async () => {
    const existing = await http(carolRec.terms.find((t) => t.xorb === shared)!.url.replace('carol/pub', 'alice/priv'), { headers: sc.auth('alice-read') });
    expect(existing.status).toBe(200);
    expect(existing.body.includes(Buffer.from(MARKER))).toBe(true); // alice reads her whole xorb
    const fresh = await freshXorb();
    const shape = (a: Answer) => ({ status: a.status, keys: Object.keys(a.json ?? {}).sort(), type: a.headers['content-type'], headers: Object.keys(a.headers).filter((h) => h !== 'date').sort() });

    // damaged bytes under each name: the same refusal, and the damaged upload proves nothing
    const damaged = (b: Buffer) => {
      const c = Buffer.from(b);
      c[c.length >> 1] ^= 1;
      return c;
    };
    const badOld = await sc.putXorb('dave/own', shared, damaged(existing.body), 'dave');
    const badNew = await sc.putXorb('dave/own', fresh.xorb, damaged(fresh.bytes), 'dave');
    expect(badOld.status, badOld.text).toBe(422);
    expect([badNew.status, unhashed(badNew.text)]).toEqual([badOld.status, unhashed(badOld.text)]);
    expect((await sc.registerManifest('dave/own', manifestOf(aliceRec), 'dave')).status).toBe(422);

    const putNew = await sc.putXorb('dave/own', fresh.xorb, fresh.bytes, 'dave');
    const putOld = await sc.putXorb('dave/own', shared, existing.body, 'dave');
    expect(putOld.status, putOld.text).toBe(200);
    expect(shape(putOld)).toEqual(shape(putNew));
    expect(putOld.json).toEqual({ xorb: shared, chunks: aliceRec.terms.filter((t) => t.xorb === shared).reduce((n, t) => Math.max(n, t.chunkEnd), 0), bytes: expect.any(Number) });
    // dave sent every byte of the xorb: he may now name its chunks (he has them anyway)
    const reg = await sc.registerManifest('dave/own', manifestOf(aliceRec), 'dave');
    expect(reg.status, reg.text).toBe(200);
    expect((await sc.readTerms(await sc.reconstruction('dave/own', secret, 'dave'), 'dave')).equals(secret)).toBe(true);
  });
});

/** The chunk routes' access matrix: identity × repository × route, statuses and what 200s may hold. */
describe('hub serve chunk routes: access matrix', () => {
  let sc: Scene;
  const seed = testSeed('server-visibility matrix');
  const { base, tail, secret } = secretFile(seed + 1);
  const runs = new SecretRuns(tail);
  let privRec: Reconstruction;
  let pubRec: Reconstruction;
  let xorb: string;
  let xorbBytes: Buffer;

  type Who = 'anonymous' | 'reader' | 'writer' | 'other';
  type Route = 'missing' | 'put-xorb' | 'post-reconstruction' | 'get-reconstruction' | 'get-xorb' | 'head-xorb';
  const WHO: Who[] = ['anonymous', 'reader', 'writer', 'other'];
  const ROUTES: Route[] = ['missing', 'put-xorb', 'post-reconstruction', 'get-reconstruction', 'get-xorb', 'head-xorb'];
  const WRITES = new Set<Route>(['missing', 'put-xorb', 'post-reconstruction']);
  /** access.ts's matrix for a route: read routes as LFS downloads, the others as uploads. */
  function expected(who: Who, repo: 'alice/pub' | 'alice/priv', route: Route): number {
    const priv = repo === 'alice/priv';
    if (!WRITES.has(route)) return who === 'anonymous' ? (priv ? 401 : 200) : who === 'other' && priv ? 404 : 200;
    if (who === 'anonymous') return 401;
    if (who === 'reader') return 403;
    if (who === 'other') return priv ? 404 : 403;
    return 200;
  }
  const token: Record<Exclude<Who, 'anonymous'>, string> = { reader: 'alice-read', writer: 'alice', other: 'bob' };

  beforeAll(async () => {
    sc = new Scene(await startHubServe());
    await sc.token('alice', 'alice', true);
    await sc.token('alice-read', 'alice', false);
    await sc.token('bob', 'bob', true);
    await sc.repo('alice/priv', 'alice', true);
    await sc.repo('alice/pub', 'alice', false);
    await sc.hubPush('alice', 'alice/priv', 'model.bin', secret);
    sc.gitLfsPush('alice', 'alice/pub', 'base.bin', base);
    privRec = await sc.reconstruction('alice/priv', secret, 'alice-read');
    pubRec = await sc.reconstruction('alice/pub', base);
    xorb = privRec.terms[0].xorb;
    expect(pubRec.terms.some((t) => t.xorb === xorb), 'base was deduplicated into the private xorb').toBe(true);
    xorbBytes = (await http(`${sc.cas('alice/priv')}/xorbs/${xorb}`, { headers: sc.auth('alice-read') })).body;
  });
  afterAll(async () => {
    await sc?.s.stop();
  });

  function send(who: Who, repo: string, route: Route): Promise<Answer> {
    const headers = who === 'anonymous' ? {} : sc.auth(token[who]);
    const json = { ...headers, 'content-type': 'application/json' };
    const rec = repo === 'alice/priv' ? privRec : pubRec;
    switch (route) {
      case 'missing':
        return http(`${sc.cas(repo)}/chunks/missing`, { method: 'POST', headers: json, body: JSON.stringify({ chunks: privRec.terms.flatMap((t) => t.hashes) }) });
      case 'put-xorb':
        return http(`${sc.cas(repo)}/xorbs/${xorb}`, { method: 'PUT', headers, body: xorbBytes });
      case 'post-reconstruction':
        return http(`${sc.cas(repo)}/reconstructions/${rec.oid}`, { method: 'POST', headers: json, body: JSON.stringify(manifestOf(rec)) });
      case 'get-reconstruction':
        return http(`${sc.cas(repo)}/reconstructions/${rec.oid}`, { headers });
      case 'get-xorb':
        return http(`${sc.cas(repo)}/xorbs/${xorb}`, { headers });
      case 'head-xorb':
        return http(`${sc.cas(repo)}/xorbs/${xorb}`, { method: 'HEAD', headers });
    }
  }

  it('answers every identity × repository × chunk route as access.ts says, serves a public repository only its own chunks, and hides a private one like a missing one', async () => {
    const viewEnd = Math.max(...pubRec.terms.filter((t) => t.xorb === xorb).map((t) => t.range.end));
    let cells = 0;
    for (const route of ROUTES) {
      for (const who of WHO) {
        for (const repo of ['alice/pub', 'alice/priv'] as const) {
          const cell = `${who} ${route} ${repo}`;
          const a = await send(who, repo, route);
          const status = expected(who, repo, route);
          expect(a.status, `${cell}: ${a.text}`).toBe(status);
          cells++;
          if (repo === 'alice/pub' || status !== 200) expect(runs.absentFrom(a.body), `${cell} leaks the secret`).toBe(true);
          if (status === 200) {
            if (route === 'get-xorb') expect(a.body.equals(repo === 'alice/priv' ? xorbBytes : xorbBytes.subarray(0, viewEnd)), cell).toBe(true);
            if (route === 'head-xorb') expect(Number(a.headers['content-length']), cell).toBe(repo === 'alice/priv' ? xorbBytes.length : viewEnd);
            if (route === 'get-reconstruction') expect(a.json.oid, cell).toBe((repo === 'alice/priv' ? privRec : pubRec).oid);
            if (route === 'put-xorb') expect(Object.keys(a.json).sort(), cell).toEqual(['bytes', 'chunks', 'xorb']);
            if (route === 'missing') expect(a.json.missing, cell).toEqual([]);
            continue;
          }
          // a refusal for a repository one may not see answers as one that does not exist
          if (repo === 'alice/priv' && status !== 403) {
            const nope = await send(who, 'alice/nope', route);
            expect([nope.status, nope.text, Object.keys(nope.headers).filter((h) => h !== 'date').sort()], cell).toEqual([a.status, a.text, Object.keys(a.headers).filter((h) => h !== 'date').sort()]);
          }
        }
      }
    }
    expect(cells).toBe(ROUTES.length * WHO.length * 2);
  });
});

/** Servers whose metadata predates the served ranges (schema 1) get them from the store at start (SQLite only: PostgreSQL metadata starts at schema 3). */
describe.skipIf(testPostgres() !== undefined)('hub serve: upgrading a schema-1 database', () => {
  it('fills in the served ranges at start: downloads keep working and the secret stays unreadable', async () => {
    const seed = testSeed('server-visibility upgrade');
    const { base, tail, secret } = secretFile(seed + 2);
    const runs = new SecretRuns(tail);
    let sc = new Scene(await startHubServe());
    try {
      await sc.token('alice', 'alice', true);
      await sc.token('carol', 'carol', true);
      await sc.repo('alice/priv', 'alice', true);
      await sc.repo('carol/pub', 'carol', false);
      await sc.hubPush('alice', 'alice/priv', 'model.bin', secret);
      sc.gitLfsPush('carol', 'carol/pub', 'base.bin', base);
    } finally {
      await sc.s.stop();
    }
    // what a schema-1 database looked like: no visibility tables
    const db = new Database(join(sc.s.root, 'meta.sqlite'));
    for (const table of ['served_ranges', 'xorb_uploads', 'served_ranges_backfill']) db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.pragma('user_version = 1');
    db.close();
    const tokens = sc.tokens;
    sc = new Scene(await startHubServe(sc.s.root));
    Object.assign(sc.tokens, tokens);
    try {
      const carolRec = await sc.reconstruction('carol/pub', base);
      expect((await sc.readTerms(carolRec)).equals(base)).toBe(true);
      const aliceRec = await sc.reconstruction('alice/priv', secret, 'alice');
      expect((await sc.readTerms(aliceRec, 'alice')).equals(secret)).toBe(true);
      const shared = carolRec.terms.find((t) => aliceRec.terms.some((a) => a.xorb === t.xorb));
      expect(shared, 'base was deduplicated into the private xorb').toBeDefined();
      const whole = await http(shared!.url);
      expect(whole.status).toBe(200);
      expect(runs.absentFrom(whole.body)).toBe(true);
    } finally {
      await sc.s.stop();
    }
  });
});
