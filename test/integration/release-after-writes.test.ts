/**
 * A command that replaces a large working file removes the old one only once it has written
 * everything else (fs/release-old.ts): freeing a large file's blocks holds the file system's
 * journal, and each fsync of the command's ref, HEAD and index would wait for it (130-160 ms of a
 * 512 MiB pull, docs/performance.md "A pull's fsyncs waited for the old file's removal"). Both
 * ways a working file is replaced are run in this process: a checkout reassembling the file from
 * the store, and a pull (against a real `hub serve`) renaming the file its download staged.
 * node's `spawn` is wrapped (it still runs): when the `rm` of the old file is started, the
 * command's refs and index must be final and the checkout's crash marker gone, while the old file
 * still waits in `.git/hub/tmp`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { add } from '../../src/core/worktree/add.js';
import { switchBranch } from '../../src/core/worktree/checkout.js';
import { commit } from '../../src/core/worktree/commit.js';
import type { CoreContext } from '../../src/core/context.js';
import { init } from '../../src/core/worktree/init-track.js';
import { pull } from '../../src/core/sync/pull.js';
import { RELEASE_IN_BACKGROUND_BYTES } from '../../src/fs/release-old.js';
import { silentProgress } from '../../src/progress.js';
import { until } from '../helpers/page-cache.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** What the repository looked like at each `rm` hub started. */
const seen: Array<{ args: string[]; head: string; branch: string; index: Buffer; marker: boolean; asideExists: boolean[] }> = [];
let repo = '';

vi.mock(import('node:child_process'), async (importOriginal) => {
  const original = await importOriginal();
  const spawn = ((command: string, args: readonly string[], ...rest: unknown[]) => {
    if (command === 'rm' && repo) {
      const paths = args.filter((a) => a.startsWith('/'));
      seen.push({
        args: [...args],
        head: readFileSync(join(repo, '.git', 'HEAD'), 'utf8'),
        branch: readFileSync(join(repo, '.git', 'refs', 'heads', 'main'), 'utf8').trim(),
        index: readFileSync(join(repo, '.git', 'index')),
        marker: existsSync(join(repo, '.git', 'hub', 'checkout-in-progress')),
        asideExists: paths.map((p) => existsSync(p)),
      });
    }
    return (original.spawn as (...a: unknown[]) => unknown)(command, args, ...rest);
  }) as typeof original.spawn;
  return { ...original, spawn, default: { ...original, spawn } };
});

/** The one `rm` of the old `name` started while `run` ran (the repository's state then), after checking it ran after the command's writes. */
async function rmOfOld(name: string, run: () => Promise<unknown>): Promise<(typeof seen)[number]> {
  seen.length = 0;
  await run();
  const rms = seen.filter((s) => s.args.some((a) => a.includes(`${join('.git', 'hub', 'tmp')}/.${name}.`)));
  expect(rms, `one rm of the old ${name}`).toHaveLength(1);
  const [rm] = rms;
  expect(rm.asideExists, 'the old file was still there when its rm started').toEqual([true]);
  expect(rm.index.equals(readFileSync(join(repo, '.git', 'index'))), 'the index was final when the rm started').toBe(true);
  expect(rm.marker, "the checkout's crash marker was gone before the rm started").toBe(false);
  expect(await until(() => readdirSync(join(repo, '.git', 'hub', 'tmp')).length === 0), 'the old file was removed').toBe(true);
  return rm;
}

describe('a large old working file is removed after the command\'s writes', () => {
  it('starts the rm of the replaced file only once HEAD, the index and the marker are written', async () => {
    repo = tmpDir();
    const ctx: CoreContext = { cwd: repo, env: { ...ID, HUB_HOME: tmpDir() }, progress: silentProgress };
    await init(ctx, undefined, 'test');
    const main = randomBytes(RELEASE_IN_BACKGROUND_BYTES);
    writeFileSync(join(repo, 'model.bin'), main);
    await add(ctx, [], { all: true });
    await commit(ctx, { message: 'main' });
    await switchBranch(ctx, 'other', { create: true });
    writeFileSync(join(repo, 'model.bin'), randomBytes(RELEASE_IN_BACKGROUND_BYTES));
    await add(ctx, [], { all: true });
    await commit(ctx, { message: 'other' });
    const otherIndex = readFileSync(join(repo, '.git', 'index'));

    const rm = await rmOfOld('model.bin', () => switchBranch(ctx, 'main', {}));
    expect(readFileSync(join(repo, 'model.bin')).equals(main)).toBe(true);
    expect(rm.head, 'HEAD was moved before the rm started').toBe('ref: refs/heads/main\n');
    expect(rm.index.equals(otherIndex), 'the index was written before the rm started').toBe(false);
  });

  describe('a pull', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startHubServe();
    });
    afterAll(async () => s?.stop());

    it('starts the rm of the file its download replaced only once the branch, HEAD and the index are written', async () => {
      const { dir: a, env: envA } = await localRepoWithRemote(s, 'admin/release', { track: ['*.bin'] });
      writeFileSync(join(a, 'model.bin'), randomBytes(RELEASE_IN_BACKGROUND_BYTES));
      await runHubJson(['add', '-A'], { cwd: a, env: envA });
      await runHubJson(['commit', '-m', 'rev1'], { cwd: a, env: envA });
      await runHubJson(['push'], { cwd: a, env: envA });
      const parent = tmpDir();
      const envB = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken };
      await runHubJson(['clone', `${s.url}/admin/release`, 'b'], { cwd: parent, env: envB });
      const rev2 = randomBytes(RELEASE_IN_BACKGROUND_BYTES);
      writeFileSync(join(a, 'model.bin'), rev2);
      await runHubJson(['add', '-A'], { cwd: a, env: envA });
      await runHubJson(['commit', '-m', 'rev2'], { cwd: a, env: envA });
      await runHubJson(['push'], { cwd: a, env: envA });
      const pushed = readFileSync(join(a, '.git', 'refs', 'heads', 'main'), 'utf8').trim();

      repo = join(parent, 'b');
      const rm = await rmOfOld('model.bin', () => pull({ cwd: repo, env: envB, progress: silentProgress }, {}));
      expect(readFileSync(join(repo, 'model.bin')).equals(rev2)).toBe(true);
      expect(readFileSync(join(repo, '.git', 'refs', 'heads', 'main'), 'utf8').trim(), 'the pull moved main to the pushed commit').toBe(pushed);
      expect(rm.head).toBe('ref: refs/heads/main\n');
      expect(rm.branch, 'main was moved before the rm started').toBe(pushed);
    });
  });
});
