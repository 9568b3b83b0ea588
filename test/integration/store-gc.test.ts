import { spawn } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerRepository } from '../../src/core/store/store-maintenance.js';
import { silentProgress } from '../../src/progress.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { repoWithPointers } from '../helpers/git-repo.js';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, hubHome, runHub, runHubJson } from '../helpers/run-hub.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

const json = (args: string[], cwd: string) => runHubJson(args, { cwd });

/** Sets the mtime of every manifest and xorb of the test's store `seconds` into the past. */
function ageStore(seconds: number): void {
  const root = join(hubHome(), 'store');
  const when = new Date(Date.now() - seconds * 1000);
  for (const sub of ['manifests', 'xorbs']) {
    for (const rel of readdirSync(join(root, sub), { recursive: true, encoding: 'utf8' })) {
      const path = join(root, sub, rel);
      if (statSync(path).isFile()) utimesSync(path, when, when);
    }
  }
}

function register(repo: string): Promise<void> {
  return registerRepository({ cwd: repo, env: { HUB_HOME: hubHome() }, progress: silentProgress, signal: new AbortController().signal }, repo);
}

describe('hub gc', () => {
  it('keeps what registered repositories and recent writes need, removes the rest', async () => {
    const dir = tmpDir();
    for (const [i, name] of ['a.bin', 'b.bin', 'c.bin'].entries()) writeFileSync(join(dir, name), mulberry32Bytes(100 + i, 1_000_000));
    const added = (await json(['store', 'add', 'a.bin', 'b.bin', 'c.bin'], dir)).files;
    const [a, b, c] = added;
    repoWithPointers(join(dir, 'repo'), { 'a.bin': a });
    await register(join(dir, 'repo'));
    ageStore(7200);

    const dry = await json(['gc', '--dry-run'], dir);
    expect(dry).toMatchObject({ dryRun: true, manifestsRemoved: 2, xorbsRemoved: 2, manifestsKept: 1 });
    expect((await json(['du'], dir)).files).toBe(3);

    const done = await json(['gc'], dir);
    expect(done).toMatchObject({ dryRun: false, manifestsRemoved: 2, xorbsRemoved: 2, manifestsKept: 1, xorbsKept: 1 });
    expect(done.repos).toEqual([{ path: join(dir, 'repo'), oids: 1, missing: false }]);
    expect((await runHub(['store', 'cat', a.oid, '-o', join(dir, 'a.out')], { cwd: dir })).code).toBe(0);
    expect((await runHub(['store', 'cat', b.oid, '-o', join(dir, 'b.out')], { cwd: dir })).code).toBe(3);
    expect((await runHub(['store', 'cat', c.oid, '-o', join(dir, 'c.out')], { cwd: dir })).code).toBe(3);
    expect((await runHub(['fsck'], { cwd: dir })).code).toBe(0);

    // a fresh write is protected by the grace period even though no repository names it
    writeFileSync(join(dir, 'd.bin'), mulberry32Bytes(200, 500_000));
    const d = (await json(['store', 'add', 'd.bin'], dir)).files[0];
    expect((await json(['gc'], dir)).manifestsRemoved).toBe(0);
    expect((await runHub(['store', 'cat', d.oid, '-o', join(dir, 'd.out')], { cwd: dir })).code).toBe(0);
  });

  it('is safe against a concurrent store add that reuses chunks gc would drop', async () => {
    const random = seededRandom(testSeed('store-gc concurrency'));
    const dir = tmpDir();
    makeModel(join(dir, 'base.safetensors'), '256MiB', 5);
    mutateModel(join(dir, 'base.safetensors'), join(dir, 'tuned.safetensors'), 0.1, 6);
    const { sha256File } = await import('../../src/hash/sha256.js');
    const tuned = sha256File(join(dir, 'tuned.safetensors'));
    repoWithPointers(join(dir, 'repo'), { 'tuned.safetensors': tuned });
    await register(join(dir, 'repo'));

    for (let round = 0; round < 3; round++) {
      // the base model is stored and old: nothing needs it, so gc wants its xorbs gone,
      // while the add of the fine-tune wants to reuse 90% of them
      await json(['store', 'add', 'base.safetensors'], dir);
      ageStore(7200);
      const lag = Math.round(random() * 500);
      const run = (args: string[], delay: number) =>
        new Promise<number>((resolve) => {
          setTimeout(() => {
            const child = spawn(process.execPath, [hubBin, ...args], { cwd: dir, env: hubEnv(), stdio: 'ignore' });
            child.on('close', (code) => resolve(code ?? -1));
          }, delay);
        });
      const [addCode, gcCode] = await Promise.all([run(['store', 'add', 'tuned.safetensors'], 0), run(['gc', '--grace', '0'], lag)]);
      console.log(`round ${round}: gc started ${lag} ms after add; add exit ${addCode}, gc exit ${gcCode}`);
      expect(addCode).toBe(0);
      expect(gcCode).toBe(0);
      expect((await runHub(['fsck'], { cwd: dir })).code).toBe(0);
      const out = join(dir, `tuned.${round}.out`);
      expect((await runHub(['store', 'cat', tuned.oid, '-o', out], { cwd: dir })).code).toBe(0);
      expect(sha256File(out).oid).toBe(tuned.oid);
      // gc with the fine-tune registered keeps exactly what it needs
      await json(['gc', '--grace', '0'], dir);
      const du = await json(['du'], dir);
      expect(du.files).toBe(1);
      expect(du.logicalBytes).toBe(tuned.size);
    }
  }, 300_000);
});
