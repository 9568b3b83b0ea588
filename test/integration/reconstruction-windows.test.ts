/**
 * A hub-chunks download asks a large file's reconstruction a window at a time
 * (transfer/chunk-adapter.ts receiveChunks), from a real `hub serve`: the object arrives whole and
 * verified, each window asked from where the last one's terms ended; a server that reads no
 * ranges (a proxy drops the header) is answered whole in one request; and a window that does not
 * start where the last ended (a proxy moves the asked range) is refused by name, nothing kept.
 * The windows together name the chunks the whole answer names (`hub diff` builds its table so).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { LocalChunkReader } from '../../src/store/local-chunks.js';
import { ObjectReceiver } from '../../src/store/object-receiver.js';
import { Store } from '../../src/store/store.js';
import { receiveChunks, reconstructionWindows } from '../../src/transfer/chunk-adapter.js';
import { ChunkApi } from '../../src/transfer/lfs-client.js';
import { TransferQueue } from '../../src/transfer/queue.js';
import { TransferMeter } from '../../src/transfer/transfer-queue.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const WINDOW = 1 << 20;

describe('hub-chunks reconstructions a window at a time', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let file: { oid: string; size: number; bytes: Buffer };
  beforeAll(async () => {
    server = await startHubServe();
    proxy = await startFaultProxy(server.url, []);
    const { dir, env } = await localRepoWithRemote(server, 'admin/w');
    const model = join(dir, 'model.safetensors');
    // rev2 of a model: its terms alternate between rev1's xorb and the new one
    makeModel(model, '12MiB', 41);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'rev1'], { cwd: dir, env });
    await runHubJson(['push'], { cwd: dir, env });
    const next = join(tmpDir(), 'rev2');
    mutateModel(model, next, 0.2, 42);
    const bytes = readFileSync(next);
    writeFileSync(model, bytes);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'rev2'], { cwd: dir, env });
    await runHubJson(['push'], { cwd: dir, env });
    file = { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, bytes };
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  /** Downloads the file through the proxy into a fresh store, windows of WINDOW bytes. */
  async function download(rules: FaultRule[]): Promise<{ error?: unknown; stored: boolean; asked: Array<string | undefined> }> {
    proxy.rules.splice(0, proxy.rules.length, ...rules);
    proxy.log.length = 0;
    const store = await Store.open(tmpDir());
    const local = new LocalChunkReader(store);
    const writer = new ObjectReceiver(store, { oid: file.oid, size: file.size });
    const api = new ChunkApi(`${proxy.url}/admin/w.git/info/lfs/cas/v1`, { authorization: `Bearer ${server.adminToken}` });
    let error: unknown;
    try {
      await receiveChunks(new TransferQueue({ concurrency: 4 }), api, file, local, writer, new TransferMeter(() => {}, 'w', 'w', file.size), undefined, WINDOW);
      await writer.finish();
    } catch (err) {
      error = err;
      await writer.abort();
    }
    const stored = store.hasObject(file.oid);
    local.close();
    store.close();
    return { error, stored, asked: proxy.log.filter((e) => e.url.includes('/reconstructions/')).map((e) => e.range) };
  }

  it('asks window after window, each from where the last one ended, and stores the verified file', async () => {
    const r = await download([]);
    expect(r.error).toBeUndefined();
    expect(r.stored).toBe(true);
    console.log(`windows asked: ${r.asked.length} (${r.asked.join(', ')})`);
    expect(r.asked.length).toBeGreaterThan(2);
    const starts = r.asked.map((range) => Number(/^bytes=(\d+)-(\d+)$/.exec(range ?? '')?.[1]));
    expect(starts[0]).toBe(0);
    for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThan(starts[i - 1]);
    for (const range of r.asked) {
      const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(range!)!.map(Number);
      expect(b - a + 1).toBeLessThanOrEqual(WINDOW);
    }
  });

  it('takes the whole reconstruction from a server that reads no ranges', async () => {
    const dropRange: FaultRule = { match: (req: IncomingMessage) => (req.url?.includes('/reconstructions/') ? (delete req.headers.range, true) : false), fault: 'transform', transform: (b) => b, times: Infinity };
    const r = await download([dropRange]);
    expect(r.error).toBeUndefined();
    expect(r.stored).toBe(true);
    expect(r.asked).toHaveLength(1);
  });

  it('refuses a window that does not start where the last one ended, and keeps nothing', async () => {
    // every window after the first is asked from byte 0 again
    let seen = 0;
    const moveRange: FaultRule = {
      match: (req: IncomingMessage) => {
        if (!req.url?.includes('/reconstructions/')) return false;
        if (seen++ > 0) req.headers.range = req.headers.range!.replace(/^bytes=\d+-/, 'bytes=0-');
        return true;
      },
      fault: 'transform',
      transform: (b) => b,
      times: Infinity,
    };
    const r = await download([moveRange]);
    expect(r.error).toBeInstanceOf(ProtocolError);
    expect((r.error as ProtocolError).code).toBe('bad_reconstruction');
    expect((r.error as Error).message).toMatch(/starts at byte 0, not at byte \d+ where the part before ended/);
    expect(r.stored).toBe(false);
  });
  it('gives, window by window, the chunks the whole answer gives (what `hub diff` builds its table from)', async () => {
    proxy.rules.splice(0);
    const api = new ChunkApi(`${proxy.url}/admin/w.git/info/lfs/cas/v1`, { authorization: `Bearer ${server.adminToken}` });
    const q = new TransferQueue({ concurrency: 4 });
    const chunksOf = (terms: Awaited<ReturnType<ChunkApi['reconstruction']>>['terms']) => terms.flatMap((t) => Array.from({ length: t.hashes!.length }, (_, i) => `${t.hashes!.hex(i)}:${t.lengths![i]}`));
    const whole = chunksOf((await api.reconstruction(file.oid)).terms);
    const windows: string[][] = [];
    for await (const rec of reconstructionWindows(q, api, file, WINDOW)) windows.push(chunksOf(rec.terms));
    expect(windows.length).toBeGreaterThan(2);
    expect(windows.flat()).toEqual(whole);
  });
});
