/**
 * A Xet push holds one compressed xorb in memory at a time, not every xorb it has sent. Four files
 * committed one by one (four local xorbs of 6 MiB) are pushed over Xet to a real `hub serve`,
 * compressed (HUB_XET_COMPRESSION=bg4-lz4), one request at a time. A probe preloaded into the
 * built CLI hears each xorb request start (undici's diagnostics channel), collects garbage twice
 * (the second completes the first's sweep of array buffers) and records the array buffers alive.
 * Until the fix, the record the push kept of each sent xorb (for the shard) held, through a
 * closure sharing its context, the xorb's encoded bytes: 11.6, 17.8, 23.9, 29.9 MiB alive at the
 * four starts, and the whole file of a large push (a 4 GiB model peaked at 590 MiB RSS); now
 * 11.6 MiB at each. Then the files are cloned byte-exact.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { hubBin } from '../helpers/paths.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { hubEnv, runHubJson } from '../helpers/run-hub.js';
import { testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const FILES = 4;
const FILE_BYTES = 6 << 20;

/** `bytes` incompressible bytes from `seed` (AES-CTR over zeros). */
function noise(seed: number, bytes: number): Buffer {
  const key = createHash('sha256').update(`xet-upload-memory:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

describe('a compressed Xet push', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('keeps one encoded xorb alive at a time, not every xorb it sent', async () => {
    const seed = testSeed('xet-upload-memory');
    const a = await localRepoWithRemote(s, 'admin/compressed', { track: ['*.bin'] });
    const want: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const bytes = noise(seed + i, FILE_BYTES);
      want.push(createHash('sha256').update(bytes).digest('hex'));
      writeFileSync(join(a.dir, `w${i}.bin`), bytes);
      await runHubJson(['add', '-A'], { cwd: a.dir, env: a.env }); // one add, one local xorb
      await runHubJson(['commit', '-m', `w${i}`], { cwd: a.dir, env: a.env });
    }
    const probe = join(tmpDir(), 'probe.mjs');
    // at each xorb request's start (undici's diagnostics channel), a full collection, then what is alive
    writeFileSync(
      probe,
      [
        "import { subscribe } from 'node:diagnostics_channel';",
        'const live = [];',
        "subscribe('undici:request:create', ({ request }) => {",
        "  if (request.method !== 'POST' || !request.path.includes('/v1/xorbs/')) return;",
        '  globalThis.gc();',
        '  globalThis.gc(); // array buffers the first one left to its sweeper are freed as the second starts',
        '  live.push(process.memoryUsage().arrayBuffers);',
        '});',
        "process.on('exit', () => process.stderr.write(`LIVE_AT_XORBS ${live.join(' ')}\\n`));",
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', probe, hubBin, 'push', '--json'], {
      cwd: a.dir,
      env: hubEnv({ ...a.env, HUB_TRANSFER: 'xet', HUB_XET_COMPRESSION: 'bg4-lz4', HUB_CONCURRENCY: '1' }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const pushed = JSON.parse(r.stdout) as { transfer: string; bytesSent: number };
    expect(pushed.transfer).toBe('xet');
    expect(pushed.bytesSent).toBeGreaterThanOrEqual(FILES * FILE_BYTES); // every xorb went up (random bytes do not compress)
    const live = (/LIVE_AT_XORBS ([\d ]*)/.exec(r.stderr)?.[1] ?? '').split(' ').filter(Boolean).map(Number);
    console.log(`array buffers alive as each xorb request starts: ${live.map((n) => (n / 2 ** 20).toFixed(1)).join(', ')} MiB`);
    expect(live).toHaveLength(FILES);
    // the fourth starts with its own encoded bytes alive (and the first's baseline), not the three sent before
    expect(live[FILES - 1] - live[0]).toBeLessThan(FILE_BYTES);
    const parent = tmpDir();
    await runHubJson(['clone', `${s.url}/admin/compressed`, 'b'], { cwd: parent, env: { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken, HUB_TRANSFER: 'xet' } });
    for (let i = 0; i < FILES; i++) expect(createHash('sha256').update(readFileSync(join(parent, 'b', `w${i}.bin`))).digest('hex')).toBe(want[i]);
  });
});
