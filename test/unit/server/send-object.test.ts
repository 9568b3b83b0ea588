/**
 * sendObject (server/send-object.ts): a stored object's bytes, whole or a range, reach the client
 * exact through the same few reused buffers of the server's pool, request after request (reading
 * into new buffers left glibc holding ~45 MiB more of hub serve's heap after one git-lfs download
 * of 512 MiB); a client going away mid-answer ends the answer, and the next answer through the
 * same pool is still exact. PieceRing: at most `size` buffers out, a take waits for the pieces of
 * one to be released, close lets a waiting take go.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BufferPool } from '../../../src/fs/buffer-pool.js';
import type { FileManifest } from '../../../src/formats/manifest.js';
import { PieceRing } from '../../../src/server/piece-ring.js';
import { sendObject } from '../../../src/server/send-object.js';
import { sendBufferPool } from '../../../src/server/send-range.js';
import { addFile } from '../../../src/store/ingest.js';
import { Store } from '../../../src/store/store.js';
import { getBody } from '../../helpers/http-get.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

describe('sendObject', () => {
  const dir = tmpDir();
  const data = Buffer.from(mulberry32Bytes(73, 9 * 1024 * 1024 + 4321)); // seed 73: chunks of every size, a dozen 1 MiB reads
  const pool = sendBufferPool(16);
  const used = new Set<ArrayBufferLike>();
  const take = pool.take.bind(pool);
  pool.take = (length?: number) => {
    const buf = take(length);
    used.add(buf.buffer);
    return buf;
  };
  let store: Store;
  let manifest: FileManifest;
  let server: Server;
  let port = 0;
  const served: Array<Promise<void>> = [];
  beforeAll(async () => {
    writeFileSync(join(dir, 'f'), data);
    store = await Store.open(join(dir, 'store'));
    const added = await addFile(store, join(dir, 'f'));
    manifest = store.manifests.read(added.oid)!;
    expect(added.oid).toBe(createHash('sha256').update(data).digest('hex'));
    server = createServer((req, res) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      const range = m ? { start: Number(m[1]), end: Number(m[2]) + 1 } : undefined;
      res.writeHead(200, { 'content-length': range ? range.end - range.start : data.length });
      served.push(sendObject(res, store, manifest, range, pool));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    store?.close();
  });

  it('sends whole objects and ranges exact, request after request through the same few pooled buffers', async () => {
    for (const range of [undefined, 'bytes=1-4000000', `bytes=5000000-${data.length - 1}`, 'bytes=7-7']) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
      const want = m ? data.subarray(Number(m[1]), Number(m[2]) + 1) : data;
      expect((await getBody(port, '/', { range })).equals(want), range ?? 'whole').toBe(true);
    }
    await Promise.all(served.splice(0));
    expect(used.size, 'the reads went into the pool').toBeGreaterThan(0);
    expect(used.size, "one ring's worth for every request").toBeLessThanOrEqual(4);
    expect(pool.spares).toBe(used.size); // all back once written
  });

  it('a client going away mid-answer ends the answer, and its buffers are never handed out while queued', async () => {
    const cut = await getBody(port, '/', { stopAfter: 1_500_000 });
    expect(cut.equals(data.subarray(0, cut.length))).toBe(true);
    await Promise.all(served.splice(0)); // ends: a read waiting for a buffer is let go
    const whole = await getBody(port, '/');
    expect(whole.equals(data)).toBe(true);
    await Promise.all(served.splice(0));
    await vi.waitFor(() => expect(pool.spares).toBeGreaterThanOrEqual(used.size - 4), { timeout: 10_000 });
    expect(pool.spares).toBeLessThanOrEqual(used.size);
  });
});

describe('PieceRing', () => {
  it('holds at most `size` buffers out, a take waiting until the pieces of one are released', async () => {
    const pool = new BufferPool(1024);
    const ring = new PieceRing(pool, 2);
    const a = await ring.take(1000);
    const releaseA = [ring.keep(a.subarray(0, 500)), ring.keep(a.subarray(500))];
    const b = await ring.take(1024);
    const releaseB = ring.keep(b);
    let third: Uint8Array | undefined;
    const waiting = ring.take(10).then((c) => (third = c));
    await new Promise((r) => setTimeout(r, 20));
    expect(third, 'two buffers out: the third take waits').toBeUndefined();
    releaseA[0]();
    releaseA[0](); // twice: counted once
    await new Promise((r) => setTimeout(r, 20));
    expect(third, 'half of the first buffer is still held').toBeUndefined();
    releaseA[1]();
    await waiting;
    expect(third!.buffer, 'the first buffer, back from the pool').toBe(a.buffer);
    expect(pool.allocated).toBe(2);
    releaseB();
    const long = await ring.take(4096);
    expect(long.length).toBe(4096);
    expect(pool.allocated, 'a read longer than the pool\'s buffers gets one of its own').toBe(2);
  });

  it('close lets a waiting take go, with a buffer of its own', async () => {
    const pool = new BufferPool(64);
    const ring = new PieceRing(pool, 1);
    const a = await ring.take(64);
    ring.keep(a); // never released: a write never called back
    const waiting = ring.take(64);
    ring.close();
    const b = await waiting;
    expect(b.buffer).not.toBe(a.buffer);
    expect(pool.spares).toBe(0);
  });
});
