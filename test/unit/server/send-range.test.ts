import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendBufferPool, sendRange } from '../../../src/server/send-range.js';
import { getBody } from '../../helpers/http-get.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

describe('sendRange with a shared pool', () => {
  const data = Buffer.from(mulberry32Bytes(91, 9 * 1024 * 1024 + 12345));
  const pool = sendBufferPool(16);
  const used = new Set<ArrayBufferLike>();
  let server: Server;
  let port = 0;
  const served: Array<Promise<boolean>> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const [start, end] = (req.url ?? '').slice(1).split('-').map(Number);
      res.writeHead(200, { 'content-length': end - start });
      const read = (buf: Buffer, at: number) => {
        used.add(buf.buffer);
        return data.copy(buf, 0, at, Math.min(end, at + buf.length));
      };
      const done = sendRange(res, read, start, end, pool).then((ok) => (ok && res.end(), ok));
      served.push(done);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('requests one after another reuse the same few buffers, and every byte arrives right', async () => {
    for (const [start, end] of [[0, data.length], [1, 4_000_001], [5_000_000, data.length], [7, 8]]) {
      expect((await getBody(port, `/${start}-${end}`)).equals(data.subarray(start, end))).toBe(true);
    }
    await Promise.all(served);
    expect(used.size).toBeLessThanOrEqual(4); // one ring's worth, not a ring per request
    expect(pool.spares).toBe(used.size); // all back once written
  });

  it('requests at once and a client going away mid-answer corrupt nothing, and their buffers come back (a cut one\'s may be dropped, never reused)', async () => {
    const cut = getBody(port, `/0-${data.length}`, { stopAfter: 2_000_000 });
    const whole = await Promise.all([getBody(port, `/0-${data.length}`), getBody(port, `/3-${data.length}`), cut]);
    expect(whole[0].equals(data)).toBe(true);
    expect(whole[1].equals(data.subarray(3))).toBe(true);
    expect(whole[2].equals(data.subarray(0, whole[2].length))).toBe(true);
    await Promise.all(served.splice(0));
    // every buffer comes back but those still queued on the socket the client cut: Node may never
    // call back the writes of a destroyed response, so those (one request's ring, 4 at most) are
    // left to the garbage collector, never handed out again while a write may still read them
    await vi.waitFor(() => expect(pool.spares).toBeGreaterThanOrEqual(used.size - 4), { timeout: 10_000 });
    expect(pool.spares).toBeLessThanOrEqual(used.size);
    expect(used.size).toBeLessThanOrEqual(12);
  });

  it('ranges sent one after another on one response (a multipart answer) leave no listener behind', async () => {
    const left: number[] = [];
    const one = createServer((req, res) => {
      void (async () => {
        res.writeHead(200, { 'content-length': 12 * 1000 });
        const before = res.listenerCount('close');
        for (let i = 0; i < 12; i++) await sendRange(res, (buf, at) => data.copy(buf, 0, at, at + buf.length), i * 1000, (i + 1) * 1000, pool);
        left.push(res.listenerCount('close') - before);
        res.end();
      })();
    });
    await new Promise<void>((r) => one.listen(0, '127.0.0.1', r));
    try {
      const body = await getBody((one.address() as AddressInfo).port, '/');
      expect(body.equals(data.subarray(0, 12 * 1000))).toBe(true);
      expect(left).toEqual([0]); // twelve ranges, no close listener left: past ten, node warns of a leak
    } finally {
      await new Promise<void>((r) => one.close(() => r()));
    }
  });
});
