import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/hash/sha256.js';
import { git } from '../helpers/git-repo.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

/** Writes a raw (possibly invalid) tree with the real git and returns its id. */
function rawTree(dir: string, entries: Array<[string, string, string]>): string {
  const payload = Buffer.concat(entries.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')])));
  return execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { cwd: dir, input: payload, encoding: 'utf8' }).trim();
}

function blob(dir: string, content: string): string {
  return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, input: content, encoding: 'utf8' }).trim();
}

/**
 * Runs hub and SIGKILLs it `ms` after `started()` first holds (polled every 5 ms: the kill is
 * tied to the command's own progress, not to how fast this machine starts Node); resolves with
 * how it ended.
 */
function killedAfter(args: string[], cwd: string, started: () => boolean, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [hubBin, ...args], { cwd, env: hubEnv(ID), stdio: 'ignore' });
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (timer || !started()) return;
      timer = setTimeout(() => child.kill('SIGKILL'), ms);
    }, 5);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve(signal ?? `exit ${code}`);
    });
  });
}

async function newRepo(): Promise<string> {
  const dir = tmpDir();
  await runHubJson(['init'], { cwd: dir });
  await runHubJson(['track', '*.bin', '*.safetensors'], { cwd: dir });
  writeFileSync(join(dir, 'README.md'), 'base\n');
  await runHubJson(['add', '-A'], { cwd: dir });
  await runHubJson(['commit', '-m', 'base'], { cwd: dir, env: ID });
  return dir;
}

describe('checkout never writes outside the working tree', () => {
  const cases: Array<[string, (dir: string, b: string) => string]> = [
    ['a .. entry', (dir, b) => rawTree(dir, [['40000', '..', rawTree(dir, [['100644', 'evil.txt', b]])]])],
    ['a .git entry', (dir, b) => rawTree(dir, [['40000', '.git', rawTree(dir, [['40000', 'hooks', rawTree(dir, [['100755', 'post-checkout', b]])]])]])],
    ['a .GIT entry', (dir, b) => rawTree(dir, [['40000', '.GIT', rawTree(dir, [['100644', 'config', b]])]])],
    ['an absolute path', (dir, b) => rawTree(dir, [['100644', '/tmp/evil.txt', b]])],
    ['a nested ..', (dir, b) => rawTree(dir, [['40000', 'a', rawTree(dir, [['40000', '..', rawTree(dir, [['40000', '..', rawTree(dir, [['100644', 'evil.txt', b]])]])]])]])],
  ];
  it.each(cases)('refuses %s with exit 5 and writes nothing', async (_name, make) => {
    const dir = await newRepo();
    const before = git(dir, 'rev-parse', 'HEAD').trim();
    const tree = make(dir, blob(dir, 'pwned\n'));
    const commit = execFileSync('git', ['commit-tree', tree, '-m', 'evil'], { cwd: dir, env: { ...process.env, ...ID }, encoding: 'utf8' }).trim();
    const r = await runHub(['checkout', commit], { cwd: dir });
    expect(r.code).toBe(5);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/unsafe path/);
    expect(existsSync(join(dir, '..', 'evil.txt'))).toBe(false);
    expect(existsSync(join(dir, '.git', 'hooks', 'post-checkout'))).toBe(false);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('base\n');
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(before);
  });
});

describe('content missing from the store', () => {
  it('names the path and the oid, exits 3, and changes nothing', async () => {
    const dir = await newRepo();
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    const oid = 'ab'.repeat(32);
    // commit a pointer with the real git (no LFS filter configured here): its content is nowhere
    writeFileSync(join(dir, 'ghost.bin'), `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 12345\n`);
    writeFileSync(join(dir, 'README.md'), 'with ghost\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'ghost');
    const ghost = git(dir, 'rev-parse', 'HEAD').trim();
    expect((await runHub(['checkout', base], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, 'ghost.bin'))).toBe(false);

    const r = await runHub(['checkout', ghost], { cwd: dir });
    expect(r.code).toBe(3);
    expect(lines(r.stderr)[0]).toMatch(/^hub: error: .*ghost\.bin.*abab/);
    expect(existsSync(join(dir, 'ghost.bin'))).toBe(false);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('base\n');
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(base);
    const restore = await runHub(['restore', '--source', ghost, 'ghost.bin'], { cwd: dir });
    expect(restore.code).toBe(3);
    expect(restore.stderr).toMatch(/ghost\.bin.*abab/);
  });
});

describe('interrupted commands', () => {
  it('a SIGKILLed checkout is reported by status, leaves fsck healthy, and a rerun completes it', async () => {
    const random = seededRandom(testSeed('interrupted checkout'));
    const dir = await newRepo();
    git(dir, 'lfs', 'install', '--local');
    mkdirSync(join(dir, 'data'));
    makeModel(join(dir, 'model.safetensors'), '64MiB', 11);
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'data', `part-${i}.txt`), `rev1 ${i}\n`);
    await runHubJson(['add', '-A'], { cwd: dir });
    const rev1 = (await runHubJson(['commit', '-m', 'rev1'], { cwd: dir, env: ID })).commit;
    const snapshot = (): Record<string, string> =>
      Object.fromEntries(['model.safetensors', ...readdirSync(join(dir, 'data')).map((f) => `data/${f}`)].map((f) => [f, sha256Hex(readFileSync(join(dir, f)))]));
    const want1 = snapshot();
    mutateModel(join(dir, 'model.safetensors'), join(dir, 'next'), 0.1, 12);
    writeFileSync(join(dir, 'model.safetensors'), readFileSync(join(dir, 'next')));
    execFileSync('rm', [join(dir, 'next')]);
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'data', `part-${i}.txt`), `rev2 ${i}\n`);
    await runHubJson(['add', '-A'], { cwd: dir });
    const rev2 = (await runHubJson(['commit', '-m', 'rev2'], { cwd: dir, env: ID })).commit;
    const want2 = snapshot();

    let interrupted = 0;
    for (let round = 0; round < 6; round++) {
      const [target, want] = round % 2 === 0 ? [rev1, want1] : [rev2, want2];
      // sweep the kill across the writes, which begin when the checkout records its marker
      const delay = Math.round(round * 80 + random() * 40);
      const marker = join(dir, '.git', 'hub', 'checkout-in-progress');
      const how = await killedAfter(['checkout', target], dir, () => existsSync(marker), delay);
      const st = await runHubJson(['status'], { cwd: dir });
      console.log(`round ${round}: checkout killed after ${delay} ms (${how}); status clean=${st.clean}, inProgress=${st.checkoutInProgress}`);
      if (how === 'SIGKILL' && st.checkoutInProgress) {
        interrupted++;
        expect(st.clean).toBe(false);
        expect(st.checkoutInProgress).toBe(target);
      }
      const fsck = await runHub(['fsck', '--json'], { cwd: dir });
      expect(fsck.code).toBe(0);
      expect(JSON.parse(fsck.stdout).repository.checkoutInProgress).toBe(st.checkoutInProgress);
      let rerun = await runHub(['checkout', target], { cwd: dir });
      if (rerun.code === 7 && rerun.stderr.includes('index.lock exists')) {
        // the window index-file.ts documents: the kill landed between index.lock's create and its
        // owner record, so no hub may take the lock over (git's own lock looks the same); the user
        // does what the hint says (CI met this once, on 3e1ae82)
        expect(existsSync(join(dir, '.git', 'hub', 'index-lock.owner')), 'a lock with an owner record is taken over').toBe(false);
        expect(rerun.stderr).toMatch(/hint: if none is, remove \.git\/index\.lock/);
        rmSync(join(dir, '.git', 'index.lock'));
        rerun = await runHub(['checkout', target], { cwd: dir });
      }
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(snapshot()).toEqual(want);
      const after = await runHubJson(['status'], { cwd: dir });
      expect(after.clean, JSON.stringify(after)).toBe(true);
      expect(after.head).toBe(target);
    }
    console.log(`${interrupted} of 6 kills landed while files were being written`);
    expect(interrupted).toBeGreaterThan(0); // else this test proved nothing about interruptions
  }, 300_000);

  it('a SIGKILLed commit leaves a consistent repository that git fsck accepts, and a rerun commits', async () => {
    const random = seededRandom(testSeed('interrupted commit'));
    const dir = await newRepo();
    const after0 = (d: string) => git(d, 'rev-parse', 'HEAD').trim();
    let killedBeforeCommit = 0;
    for (let round = 0; round < 6; round++) {
      mkdirSync(join(dir, `r${round}`));
      for (let i = 0; i < 200; i++) writeFileSync(join(dir, `r${round}`, `f${i}.txt`), `${round}-${i}\n`);
      await runHubJson(['add', '-A'], { cwd: dir });
      const before = git(dir, 'rev-parse', 'HEAD').trim();
      // sweep the kill across the commit, which begins when it takes the repository lock and,
      // bundled (bin/build-bundle.mjs), records 200 staged files within some 20-80 ms of it
      const delay = Math.round(round * 12 + random() * 8);
      const lock = join(dir, '.git', 'hub', 'lock');
      const how = await killedAfter(['commit', '-m', `round ${round}`], dir, () => existsSync(lock), delay);
      if (how === 'SIGKILL' && after0(dir) === before) killedBeforeCommit++;
      const after = git(dir, 'rev-parse', 'HEAD').trim();
      git(dir, 'fsck', '--strict');
      const st = await runHubJson(['status'], { cwd: dir });
      console.log(`round ${round}: commit killed after ${delay} ms (${how}); committed=${after !== before}`);
      if (after === before) {
        expect(st.staged.length).toBe(200);
        await runHubJson(['commit', '-m', `round ${round}`], { cwd: dir, env: ID });
      } else {
        expect(st.clean).toBe(true);
      }
      expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe(`round ${round}`);
      expect((await runHubJson(['status'], { cwd: dir })).clean).toBe(true);
    }
    console.log(`${killedBeforeCommit} of 6 kills landed before the commit was recorded`);
    expect(killedBeforeCommit).toBeGreaterThan(0); // else this test proved nothing about interruptions
  }, 120_000);
});

describe('the repository lock', () => {
  it('a live holder makes mutating commands exit 7; a dead holder’s lock is taken over', async () => {
    const dir = await newRepo();
    writeFileSync(join(dir, 'x.txt'), 'x\n');
    writeFileSync(join(dir, '.git', 'hub', 'lock'), String(process.pid)); // this test process is alive
    for (const args of [['add', 'x.txt'], ['commit', '-m', 'x'], ['checkout', 'HEAD'], ['track', '*.pt']]) {
      const r = await runHub(args, { cwd: dir, env: ID });
      expect(r.code, args.join(' ')).toBe(7);
      expect(lines(r.stderr)[0]).toMatch(/^hub: error: .*locked by another hub process \(pid \d+\)/);
    }
    expect((await runHub(['status'], { cwd: dir })).code).toBe(0); // readers do not need the lock
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
    writeFileSync(join(dir, '.git', 'hub', 'lock'), String(gone));
    expect((await runHub(['add', 'x.txt'], { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, '.git', 'hub', 'lock'))).toBe(false);
  });
});
