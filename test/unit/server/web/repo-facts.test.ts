/**
 * RepoFacts.lastCommit (src/server/web/repo-facts.ts) walks the history through the object
 * readers instead of starting `git log` per page: its answer must be git's own. Checked against
 * `git log -1 --format=%H C -- PATH` for every commit C and path of a history with branches,
 * merges that take one side, a merge that changes a file itself, a deletion, and a path unchanged
 * for more commits than the walk goes (so the fallback to git log is taken too).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../../src/server/git-read.js';
import { GitObjects } from '../../../../src/server/web/git-objects.js';
import { RepoFacts } from '../../../../src/server/web/repo-facts.js';
import { git } from '../../../helpers/git-repo.js';
import { tmpDir } from '../../../helpers/tmp-dir.js';

describe('RepoFacts.lastCommit', () => {
  const objects = new GitObjects();
  afterAll(() => objects.close());

  it('answers what git log -1 -- PATH answers, for every commit and path', async () => {
    const dir = tmpDir();
    const put = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    const commit = (message: string) => {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', message);
    };
    git(dir, 'init', '-q', '-b', 'main');
    put('a', 'a1\n');
    put('d/x', 'x1\n');
    put('d/y', 'y1\n');
    commit('c1');
    git(dir, 'checkout', '-q', '-b', 'feature');
    put('d/x', 'x2\n');
    commit('f1');
    put('e', 'e1\n');
    commit('f2');
    git(dir, 'checkout', '-q', 'main');
    put('a', 'a2\n');
    commit('c2');
    put('d/y', 'y2\n');
    commit('c3');
    git(dir, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature'); // d/x and e from one side only
    git(dir, 'checkout', '-q', '-b', 'side', 'HEAD~1');
    put('d/y', 'y3\n');
    commit('s1');
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', '--no-ff', '--no-commit', '-X', 'ours', 'side');
    put('a', 'a-evil\n'); // changed by the merge itself
    commit('evil merge');
    rmSync(join(dir, 'e'));
    commit('delete e');
    for (let i = 0; i < 20; i++) {
      put('z', `z${i}\n`);
      commit(`z${i}`);
    }
    commit('empty');
    const bare = new BareRepo(join(dir, '.git'));
    const facts = new RepoFacts(objects);
    const commits = git(dir, 'rev-list', '--all').trim().split('\n');
    const paths = ['', 'a', 'd', 'd/x', 'd/y', 'e', 'z', 'nope'];
    let compared = 0;
    for (const c of commits) {
      for (const path of paths) {
        const expected = execFileSync('git', ['--git-dir', bare.dir, 'log', '-1', '--format=%H', c, '--', path === '' ? '.' : path]).toString().trim() || undefined;
        expect(await facts.lastCommit(bare, c, path), `${c} -- ${path}`).toBe(expected);
        compared++;
      }
    }
    expect(compared).toBe(commits.length * paths.length);
    expect(commits.length).toBeGreaterThan(25);
  });
});
