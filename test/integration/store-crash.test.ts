import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeModel } from '../helpers/make-model.js';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, runHub } from '../helpers/run-hub.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Starts `hub store add` and SIGKILLs it after `ms`; resolves when it is gone. */
function addKilledAfter(file: string, cwd: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [hubBin, 'store', 'add', file], { cwd, env: hubEnv(), stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? `exit ${code}`);
    });
  });
}

async function json(args: string[], cwd: string) {
  const r = await runHub([...args, '--json'], { cwd });
  return { code: r.code, body: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

describe('crash safety of store add', () => {
  it('SIGKILL at random moments of a 1 GiB add leaves a healthy store; rerunning writes only what is missing', async () => {
    const seed = testSeed('store-crash');
    const random = seededRandom(seed);
    const dir = tmpDir();
    const file = join(dir, 'big.safetensors');
    makeModel(file, '1GiB', seed % 1000, 64);
    const size = statSync(file).size;

    for (let round = 0; round < 3; round++) {
      const delay = Math.round(100 + random() * 2500);
      const how = await addKilledAfter('big.safetensors', dir, delay);
      console.log(`round ${round}: killed after ${delay} ms (${how})`);
      const fsck = await json(['fsck'], dir);
      expect(fsck.code, JSON.stringify(fsck.body?.problems)).toBe(0);
      expect(fsck.body.healthy).toBe(true);
    }

    const before = (await json(['du'], dir)).body;
    const rerun = await json(['store', 'add', 'big.safetensors'], dir);
    expect(rerun.code, rerun.stderr).toBe(0);
    const f = rerun.body.files[0];
    expect(f.newBytes + f.dedupBytes).toBe(size);
    // every chunk that reached the index before the kills is reused, none written twice
    expect(f.dedupBytes).toBeGreaterThanOrEqual(before.indexedBytes);
    expect(f.newBytes).toBeLessThanOrEqual(size - before.indexedBytes);

    const after = (await json(['du'], dir)).body;
    expect(after.indexedBytes).toBe(size);
    expect(after.storedBytes).toBeLessThan(size * 1.01);
    const fsck = await json(['fsck'], dir);
    expect(fsck.code).toBe(0);
    expect(fsck.body.checked.manifests).toBe(1);
  }, 600_000);
});
