import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeModel } from '../helpers/make-model.js';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, runHub } from '../helpers/run-hub.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Xorb files (finished ones) and temporary files in the store of `env`. */
function storeFiles(env: NodeJS.ProcessEnv): { xorbs: number; tmp: number } {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }) : []);
  return { xorbs: list(join(env.HUB_HOME!, 'store', 'xorbs')).filter((f) => f.endsWith('.xorb')).length, tmp: list(join(env.HUB_HOME!, 'store', 'tmp')).length };
}

/**
 * Starts `hub store add` and SIGKILLs it once `xorbs` more xorbs are finished than at the start
 * and a temporary file shows that the next one is being written (so the kill lands in the
 * middle of the work, wherever the machine's speed puts it); resolves with how it ended.
 */
function addKilledAt(file: string, cwd: string, xorbs: number): Promise<string> {
  const env = hubEnv();
  const start = storeFiles(env).xorbs;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [hubBin, 'store', 'add', file], { cwd, env, stdio: 'ignore' });
    const poll = setInterval(() => {
      const now = storeFiles(env);
      if (now.xorbs - start >= xorbs && now.tmp > 0) child.kill('SIGKILL');
    }, 5);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve(signal ?? `exit ${code}`);
    });
  });
}

async function json(args: string[], cwd: string) {
  const r = await runHub([...args, '--json'], { cwd });
  return { code: r.code, body: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

describe('crash safety of store add', () => {
  it('SIGKILL at random moments of a 512 MiB add leaves a healthy store; rerunning writes only what is missing', async () => {
    const seed = testSeed('store-crash');
    const random = seededRandom(seed);
    const dir = tmpDir();
    const file = join(dir, 'big.safetensors');
    makeModel(file, '512MiB', seed % 1000, 64);
    const size = statSync(file).size;

    for (let round = 0; round < 3; round++) {
      // 512 MiB is 8 xorbs of 64 MiB, and each round leaves at least 6 to write: kill while the
      // first or the second new one of this run is being written
      const xorbs = Math.floor(random() * 2);
      const how = await addKilledAt('big.safetensors', dir, xorbs);
      console.log(`round ${round}: killed while writing xorb ${xorbs + 1} of this run (${how})`);
      // the kill landed before the add finished: it died of the signal and stored no file
      expect(how).toBe('SIGKILL');
      expect((await json(['du'], dir)).body.files).toBe(0);
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
