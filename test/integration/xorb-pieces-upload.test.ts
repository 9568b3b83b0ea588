/**
 * A xorb upload's pieces come from three reused buffers (src/transfer/xorb-pieces.ts): safe only
 * while undici and `Readable.from` let go of a piece before the third after it is read. Here the
 * real client path (ChunkApi.putXorb, undici) sends files of several sizes to an HTTP server that
 * reads slowly, so the socket stays full and pieces wait in every place they can; the server
 * compares every byte it got. A piece overwritten while still queued would change the bytes.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkApi } from '../../src/transfer/lfs-client.js';
import { UPLOAD_PIECE, xorbPieces } from '../../src/transfer/xorb-pieces.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';

let server: Server;
let base: string;
const got = new Map<string, { sha256: string; bytes: number }>();

beforeAll(async () => {
  // a server that takes its time: a pause after every piece it reads, so the client's socket is
  // full and undici waits for it to drain while the next pieces are read
  server = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
      req.pause();
      setTimeout(() => req.resume(), 1);
    });
    req.on('end', () => {
      got.set(req.url!, { sha256: hash.digest('hex'), bytes });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cas`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a xorb upload from reused piece buffers', () => {
  it('delivers every byte, whatever the size against the piece (smaller, exact multiples, ragged), to a slow server', async () => {
    const seed = testSeed('xorb pieces');
    const next = seededRandom(seed);
    const dir = tmpDir();
    const sizes = [1000, UPLOAD_PIECE, 3 * UPLOAD_PIECE, 3 * UPLOAD_PIECE + 1, 7 * UPLOAD_PIECE + 12345, 24 * UPLOAD_PIECE - 3];
    for (const [i, size] of sizes.entries()) {
      const bytes = Buffer.alloc(size);
      for (let j = 0; j < size; j += 4) bytes.writeUInt32LE((next() * 2 ** 32) >>> 0, Math.min(j, size - 4));
      const path = join(dir, `x${i}`);
      writeFileSync(path, bytes);
      const source = {
        openXorb: () => {
          const fd = openSync(path, 'r');
          return { size, read: (into: Uint8Array, at: number) => readSync(fd, into, 0, into.length, at), close: () => closeSync(fd) };
        },
      };
      let counted = 0;
      const name = `x${i}`.padEnd(64, '0');
      await new ChunkApi(base).putXorb(name, size, () => xorbPieces(source, name, (n) => (counted += n)));
      const want = createHash('sha256').update(bytes).digest('hex');
      expect(got.get(`/cas/xorbs/${name}`), `seed ${seed} size ${size}`).toEqual({ sha256: want, bytes: size });
      expect(counted).toBe(size);
    }
  }, 120_000);
});
