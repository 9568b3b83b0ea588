import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXetHashers } from '../../src/hash/hashers.js';
import { fetchRuns } from '../../src/transfer/chunk-adapter.js';
import { ChunkApi } from '../../src/transfer/lfs-client.js';
import { TransferQueue } from '../../src/transfer/queue.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hub-chunks downloads reuse their piece buffers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  it('a piece given back by its caller and its span parser is received into again, by this download and the next, and every chunk still matches its hash', async () => {
    const { dir, env } = await localRepoWithRemote(s, 'admin/buffers', { track: ['*.bin'] });
    const data = Buffer.from(mulberry32Bytes(71, 6_000_000));
    writeFileSync(join(dir, 'w.bin'), data);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'w'], { cwd: dir, env });
    await runHubJson(['push'], { cwd: dir, env });
    const oid = createHash('sha256').update(data).digest('hex');

    const hashers = await createXetHashers();
    const api = new ChunkApi(`${s.url}/admin/buffers.git/info/lfs/cas/v1`, { authorization: `Bearer ${s.adminToken}` });
    const rec = await api.reconstruction(oid);
    const runs = rec.terms.map((t) => ({ url: t.url, start: t.range.start, end: t.range.end, hashes: t.hashes! }));
    const pieceBytes = 100_003; // most pieces end inside a chunk record: the parser keeps its start until the next piece
    const q = new TransferQueue({ concurrency: 4 });
    const pooled = new Set<ArrayBufferLike>();
    const received: Buffer[] = [];
    let parts = 0;
    for await (const part of fetchRuns(q, api, runs, pieceBytes)) {
      for (const c of part.chunks) {
        expect(Buffer.from(hashers.chunk.hash(c.data)).equals(Buffer.from(c.hash))).toBe(true);
        received.push(Buffer.from(c.data));
        if (c.data.buffer.byteLength === pieceBytes) pooled.add(c.data.buffer);
      }
      part.release();
      parts++;
      await sleep(3); // the pieces fetched ahead arrive meanwhile, into buffers given back
    }
    expect(Buffer.concat(received).equals(data)).toBe(true);
    expect(parts).toBeGreaterThan(50);
    expect(pooled.size).toBeGreaterThan(0);
    expect(pooled.size).toBeLessThanOrEqual(4 + 3); // the slots, the parser's piece, the caller's: not one per piece

    // a second download (the next window, or the next file) receives into the same buffers
    const again = new Set<ArrayBufferLike>();
    const second: Buffer[] = [];
    for await (const part of fetchRuns(q, api, runs, pieceBytes)) {
      for (const c of part.chunks) {
        second.push(Buffer.from(c.data));
        if (c.data.buffer.byteLength === pieceBytes) again.add(c.data.buffer);
      }
      part.release();
      await sleep(3);
    }
    expect(Buffer.concat(second).equals(data)).toBe(true);
    expect(again.size).toBeGreaterThan(0);
    expect([...again].filter((b) => pooled.has(b)).length).toBeGreaterThan(0); // with a pool per download, none
  });
});
