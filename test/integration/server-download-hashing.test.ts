/**
 * hub serve checks a whole object it streams (an LFS `basic` download, a resolve) against its
 * oid, and does it off the event loop: the hashing thread reads the send buffers themselves
 * (store/sha256-pieces.ts). The server runs with a preload that counts what its main thread
 * hashes (helpers/count-loop-hashing.cjs); until 2026-12-08 every whole download of 24 MiB added
 * 24 MiB to that count. A damaged object is still never sent whole.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { repoRoot } from '../helpers/paths.js';
import { runHubJson } from '../helpers/run-hub.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { serverContent } from '../helpers/server-content.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SIZE = 24 << 20;

describe('whole downloads are hashed off the event loop', () => {
  let s: TestServer;
  let body: Buffer;
  let oid: string;
  const auth = () => ({ authorization: `Bearer ${s.adminToken}` });
  const objectUrl = () => `${s.url}/admin/m.git/info/lfs/objects/${oid}`;

  /** What the server's main thread has hashed so far, in bytes. */
  async function loopHashed(): Promise<number> {
    const before = s.stderr().length;
    s.child.kill('SIGUSR2');
    for (let i = 0; i < 200; i++) {
      const m = /loop-hashed-bytes (\d+)\n/.exec(s.stderr().slice(before));
      if (m) return Number(m[1]);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the server did not print its count');
  }

  /** The whole object as downloaded, or the error that cut it short. */
  async function download(headers: Record<string, string> = {}): Promise<Buffer | Error> {
    try {
      const r = await request(objectUrl(), { headers: { ...auth(), ...headers } });
      return Buffer.from(await r.body.arrayBuffer());
    } catch (err) {
      return err as Error;
    }
  }

  beforeAll(async () => {
    const random = seededRandom(testSeed('server-download-hashing'));
    body = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i += 4) body.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
    oid = sha(body);
    const preload = join(repoRoot, 'test', 'helpers', 'count-loop-hashing.cjs');
    s = await startHubServe(undefined, [], { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim() });
    await runHubJson(['repo', 'create', 'admin/m', '--endpoint', s.url, '--token', s.adminToken]);
    const put = await request(objectUrl(), { method: 'PUT', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body });
    expect(put.statusCode, await put.body.text()).toBe(200);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('two whole downloads and a range arrive byte-exact, and the event loop hashes none of them', async () => {
    const before = await loopHashed();
    for (let i = 0; i < 2; i++) {
      const got = await download();
      expect(got instanceof Buffer && sha(got) === oid, `download ${i + 1}`).toBe(true);
    }
    const part = await download({ range: 'bytes=1000-2000999' });
    expect(part instanceof Buffer && part.equals(body.subarray(1000, 2001000))).toBe(true);
    // a token's SHA-256 per request is all the loop may hash: far below one object
    expect((await loopHashed()) - before).toBeLessThan(64 << 10);
  });

  // last: it damages the object in the server's store
  it('a damaged object is cut short, and the server serves on', async () => {
    const content = serverContent(s);
    const probe = body.subarray(SIZE / 2, SIZE / 2 + 64);
    let xorb: string | undefined;
    let bytes: Buffer | undefined;
    for (const x of (await content.xorbs()).keys()) {
      const b = await content.readXorb(x);
      if (b.includes(probe)) [xorb, bytes] = [x, b];
    }
    expect(xorb, 'the xorb holding the middle of the object').toBeDefined();
    const at = bytes!.indexOf(probe);
    bytes![at] ^= 0xff;
    await content.writeXorb(xorb!, bytes!);
    try {
      const got = await download();
      if (got instanceof Buffer) expect(got.length, 'a damaged object must not arrive whole').toBeLessThan(SIZE);
      // the hashing thread is not stuck: a range (not checked whole) still arrives
      const part = await download({ range: 'bytes=0-99' });
      expect(part instanceof Buffer && part.equals(body.subarray(0, 100))).toBe(true);
    } finally {
      bytes![at] ^= 0xff;
      await content.writeXorb(xorb!, bytes!);
    }
    const again = await download();
    expect(again instanceof Buffer && sha(again) === oid, 'the mended object arrives whole').toBe(true);
  });
});
