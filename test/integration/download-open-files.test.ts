/**
 * A download receives its files within the queue's budget of files open at once (queue.ts
 * OPEN_FILES; issue 13: a clone of ten 48 MiB files went past 300 MiB with eight open), from a
 * real `hub serve` through the batch API and hub-chunks: with a budget of two files' sizes at
 * most two writers are open at once and every file arrives verified; a basic download (one
 * request a file) is not budgeted; with the default budget the same small files are all open at
 * once (they fill the request slots).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeTarget } from '../../src/core/sync/fetch-content.js';
import { LocalChunkReader } from '../../src/store/local-chunks.js';
import { ObjectReceiver } from '../../src/store/object-receiver.js';
import { Store } from '../../src/store/store.js';
import { downloadObjects } from '../../src/transfer/download-queue.js';
import { bearer } from '../../src/transfer/lfs-auth.js';
import { TransferQueue, type QueueOptions } from '../../src/transfer/queue.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

const FILES = 6;
const SIZE = 1_000_000;

describe('files open at once during a download', () => {
  let server: TestServer;
  const objects: Array<{ oid: string; size: number }> = [];
  beforeAll(async () => {
    server = await startHubServe();
    const { dir, env } = await localRepoWithRemote(server, 'admin/open', { track: ['*.bin'] });
    for (let i = 0; i < FILES; i++) {
      const bytes = Buffer.from(mulberry32Bytes(500 + i, SIZE));
      writeFileSync(join(dir, `f${i}.bin`), bytes);
      objects.push({ oid: createHash('sha256').update(bytes).digest('hex'), size: SIZE });
    }
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'files'], { cwd: dir, env });
    await runHubJson(['push'], { cwd: dir, env });
  }, 120_000);
  afterAll(async () => server?.stop());

  /** Downloads every object into a fresh store; the most writers open at once. */
  async function download(opts: QueueOptions, transfers?: string[]): Promise<{ most: number; stored: number; transfer: string | null }> {
    const store = await Store.open(tmpDir());
    const local = new LocalChunkReader(store);
    let open = 0;
    let most = 0;
    const target = storeTarget(store, local, (o) => {
      const writer = new ObjectReceiver(store, o);
      most = Math.max(most, ++open);
      const closed = <T>(p: Promise<T>): Promise<T> => p.finally(() => open--);
      return Object.assign(writer, { finish: () => closed(ObjectReceiver.prototype.finish.call(writer)), abort: () => closed(ObjectReceiver.prototype.abort.call(writer)) });
    });
    try {
      const got = await downloadObjects(new TransferQueue(opts), target, objects, { lfs: { url: `${server.url}/admin/open.git/info/lfs`, auth: bearer(server.adminToken), ...(transfers ? { transfers } : {}) } });
      return { most, stored: objects.filter((o) => store.hasObject(o.oid)).length, transfer: got.transfer };
    } finally {
      local.close();
      store.close();
    }
  }

  it('a budget of two files\' sizes keeps two writers open at most, and every file arrives', async () => {
    const r = await download({ concurrency: 8, openFiles: { budget: 2 * SIZE, weight: (o) => o.size } });
    expect(r.transfer).toBe('hub-chunks');
    expect(r.stored).toBe(FILES);
    expect(r.most).toBe(2);
  });

  it('a basic download is not budgeted: each file is one request, the files at once are its parallelism', async () => {
    const r = await download({ concurrency: 8, openFiles: { budget: 2 * SIZE, weight: (o) => o.size } }, ['basic']);
    expect(r.transfer).toBe('basic');
    expect(r.stored).toBe(FILES);
    expect(r.most).toBe(FILES);
  });

  it('with the default budget the same small files are all open at once', async () => {
    const r = await download({ concurrency: 8 });
    expect(r.stored).toBe(FILES);
    expect(r.most).toBe(FILES);
  });
});
