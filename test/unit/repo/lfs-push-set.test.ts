import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pointerFor } from '../../../src/formats/lfs-pointer.js';
import { lfsPointersReachable } from '../../../src/repo/lfs-oids.js';
import { lfsPointersToPush } from '../../../src/repo/lfs-push-set.js';
import { git } from '../../helpers/git-repo.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const oidOf = (n: number) => n.toString(16).padStart(64, '0');

describe('lfsPointersToPush', () => {
  it('is what the new commits add: every pointer reachable from the tips and not from the known commits, and none that only old history has', async () => {
    const seed = testSeed('lfs-push-set');
    const rand = seededRandom(seed);
    const dir = tmpDir('push-set-');
    git(dir, 'init', '-q', '-b', 'main');
    let n = 0;
    let time = 1_700_000_000;
    const commit = (msg: string, prefix = '') => {
      // random changes: new pointers, changed pointers, removals, a nested directory, plain files
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        const path = rand() < 0.3 ? `sub/dir/${prefix}f${Math.floor(rand() * 6)}.bin` : `${prefix}f${Math.floor(rand() * 6)}.bin`;
        mkdirSync(join(dir, 'sub/dir'), { recursive: true });
        if (rand() < 0.15) rmSync(join(dir, path), { force: true });
        else writeFileSync(join(dir, path), rand() < 0.2 ? `plain ${n++}\n` : pointerFor(oidOf(++n), n));
      }
      git(dir, 'add', '-A');
      time += 60;
      const env = `${time} +0000`;
      execGit(dir, ['commit', '-q', '--allow-empty', '-m', msg], env);
      return git(dir, 'rev-parse', 'HEAD').trim();
    };
    for (let i = 0; i < 12; i++) commit(`old ${i}`);
    const known = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'checkout', '-q', '-b', 'side');
    for (let i = 0; i < 3; i++) commit(`side ${i}`, 'side-'); // the two sides touch different files: the merge is clean
    git(dir, 'checkout', '-q', 'main');
    for (let i = 0; i < 3; i++) commit(`main ${i}`);
    execGit(dir, ['merge', '-q', '--no-edit', 'side'], `${(time += 60)} +0000`);
    for (let i = 0; i < 2; i++) commit(`after ${i}`);
    const tip = git(dir, 'rev-parse', 'HEAD').trim();
    const gitdir = join(dir, '.git');
    const reachableTip = await lfsPointersReachable(gitdir, [tip]);
    const reachableKnown = await lfsPointersReachable(gitdir, [known]);
    const wanted = [...reachableTip.keys()].filter((o) => !reachableKnown.has(o)).sort();
    const got = await lfsPointersToPush(gitdir, [tip], [known]);
    expect([...got.keys()].sort(), `seed ${seed}`).toEqual(wanted);
    for (const [oid, size] of got) expect(reachableTip.get(oid)).toBe(size);
    // nothing new: nothing to push; no known commit: the whole history
    expect((await lfsPointersToPush(gitdir, [known], [tip])).size).toBe(0);
    expect([...(await lfsPointersToPush(gitdir, [tip], [])).keys()].sort()).toEqual([...reachableTip.keys()].sort());
  });

  it('does not read the history the remote has: an old blob gone from the object store does not matter', async () => {
    const dir = tmpDir('push-set-old-');
    git(dir, 'init', '-q', '-b', 'main');
    writeFileSync(join(dir, 'a.bin'), pointerFor(oidOf(1), 1));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'one');
    const oldBlob = git(dir, 'rev-parse', 'HEAD:a.bin').trim();
    writeFileSync(join(dir, 'a.bin'), pointerFor(oidOf(2), 2));
    git(dir, 'commit', '-q', '-am', 'two');
    const known = git(dir, 'rev-parse', 'HEAD').trim();
    writeFileSync(join(dir, 'b.bin'), pointerFor(oidOf(3), 3));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'three');
    const tip = git(dir, 'rev-parse', 'HEAD').trim();
    rmSync(join(dir, '.git/objects', oldBlob.slice(0, 2), oldBlob.slice(2)));
    const got = await lfsPointersToPush(join(dir, '.git'), [tip], [known]);
    expect([...got.keys()]).toEqual([oidOf(3)]);
  });
});

/** git with fixed author and committer dates (the walk orders commits by date). */
function execGit(dir: string, args: string[], date: string): void {
  execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e.invalid', GIT_CONFIG_NOSYSTEM: '1', HOME: '/nonexistent', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, encoding: 'utf8' });
}
