/**
 * Issue 12, point 5: git's index is kept whole. After a real `git merge` stops on conflicts, hub
 * works on the index as git does: its conflict stages survive every hub command that does not
 * resolve them, `hub add`/`hub rm` of a conflicted path resolve it exactly as `git add`/`git rm`,
 * status reports the unmerged paths, and commit refuses (exit 7) until they are resolved, then
 * records the merge. The oracle is git itself: a twin repository where git does each step.
 */
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

/**
 * A hub repository where `git merge side` stopped: a.txt changed on both sides, d.txt changed
 * here and deleted there (the history itself made with git).
 */
async function conflicted(): Promise<string> {
  const dir = tmpDir();
  await runHubJson(['init'], { cwd: dir, env: ID });
  const put = (p: string, text: string) => writeFileSync(join(dir, p), text);
  put('a.txt', 'base\n');
  put('d.txt', 'd\n');
  put('other.txt', 'other\n');
  put('keep.txt', 'keep\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'side');
  put('a.txt', 'side\n');
  git(dir, 'rm', '-q', 'd.txt');
  git(dir, 'commit', '-q', '-am', 'side');
  git(dir, 'checkout', '-q', 'main');
  put('a.txt', 'main\n');
  put('d.txt', 'd changed\n');
  git(dir, 'commit', '-q', '-am', 'main');
  expect(() => git(dir, 'merge', '-q', 'side')).toThrow(); // git exits 1: conflicts
  return dir;
}

const stages = (dir: string) => git(dir, 'ls-files', '-s');
const porcelain = (dir: string) => git(dir, 'status', '--porcelain');

async function hub(dir: string, ...args: string[]) {
  const r = await runHub(args, { cwd: dir, env: ID });
  expect(r.code, `hub ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

describe('hub on an index with conflict stages (after git merge)', () => {
  it('keeps stages 1-3, reports them, refuses to commit or switch, and resolves with add/rm as git does', async () => {
    const h = await conflicted(); // hub works here
    const g = await conflicted(); // git does the same steps here
    expect(stages(h)).toBe(stages(g));
    expect(stages(h)).toMatch(/ 1\ta\.txt\n.* 2\ta\.txt\n.* 3\ta\.txt\n.* 1\td\.txt\n.* 2\td\.txt\n/);

    // staging another path leaves every conflict stage in place
    for (const dir of [h, g]) writeFileSync(join(dir, 'other.txt'), 'other, edited\n');
    await hub(h, 'add', 'other.txt');
    git(g, 'add', 'other.txt');
    expect(stages(h)).toBe(stages(g));
    expect(porcelain(h)).toBe(porcelain(g));
    expect(porcelain(h)).toBe('UU a.txt\nUD d.txt\nM  other.txt\n');

    const st = await runHubJson(['status'], { cwd: h, env: ID });
    expect(st).toMatchObject({
      clean: false,
      staged: [{ path: 'other.txt', change: 'modified', large: false }],
      unstaged: [],
      untracked: [],
      unmerged: [
        { path: 'a.txt', conflict: 'both-modified', stages: [1, 2, 3] },
        { path: 'd.txt', conflict: 'deleted-by-them', stages: [1, 2] },
      ],
    });
    const human = (await hub(h, 'status')).stdout;
    expect(human).toMatch(/Unmerged paths/);
    expect(human).toMatch(/both modified:\s+a\.txt/);
    expect(human).toMatch(/deleted by them:\s+d\.txt/);

    // nothing that would need a resolved index runs, and nothing is changed by trying
    const head = git(h, 'rev-parse', 'HEAD');
    for (const args of [['commit', '-m', 'too early'], ['switch', 'side'], ['restore', 'a.txt']]) {
      const r = await runHub(args, { cwd: h, env: ID });
      expect(r.code, `hub ${args.join(' ')}: ${r.stderr}`).toBe(7);
      expect(r.stderr).toMatch(/unmerged.*a\.txt/);
      expect(r.stdout).toBe('');
    }
    expect(git(h, 'rev-parse', 'HEAD')).toBe(head);
    expect(stages(h)).toBe(stages(g));

    // hub add of a conflicted path resolves it to stage 0, as git add does
    for (const dir of [h, g]) writeFileSync(join(dir, 'a.txt'), 'resolved\n');
    await hub(h, 'add', 'a.txt');
    git(g, 'add', 'a.txt');
    expect(stages(h)).toBe(stages(g));
    expect(stages(h)).toMatch(/ 0\ta\.txt\n/);
    expect((await runHubJson(['status'], { cwd: h, env: ID })).unmerged).toEqual([{ path: 'd.txt', conflict: 'deleted-by-them', stages: [1, 2] }]);
    expect((await runHub(['commit', '-m', 'still early'], { cwd: h, env: ID })).code).toBe(7);

    // hub rm of one resolves it as a deletion, as git rm does
    await hub(h, 'rm', 'd.txt');
    git(g, 'rm', '-q', 'd.txt');
    expect(stages(h)).toBe(stages(g));
    expect(existsSync(join(h, 'd.txt'))).toBe(false);
    expect(porcelain(h)).toBe(porcelain(g));

    // resolved: the commit records the merge (both parents), and git agrees on the tree
    const c = await runHubJson(['commit', '-m', 'merge side'], { cwd: h, env: ID });
    git(g, 'commit', '-q', '-m', 'merge side');
    expect(c.parents).toEqual([head.trim(), git(h, 'rev-parse', 'side').trim()]);
    expect(git(h, 'rev-parse', 'HEAD^{tree}')).toBe(git(g, 'rev-parse', 'HEAD^{tree}'));
    expect(git(h, 'log', '--format=%P', '-n', '1').trim()).toBe(c.parents.join(' '));
    expect(existsSync(join(h, '.git', 'MERGE_HEAD'))).toBe(false);
    expect(porcelain(h)).toBe('');
    expect((await runHubJson(['status'], { cwd: h, env: ID })).clean).toBe(true);
    git(h, 'fsck', '--strict');
  });

  it('hub add -A resolves every conflict with the working files, as git add -A does', async () => {
    const h = await conflicted();
    const g = await conflicted();
    for (const dir of [h, g]) rmSync(join(dir, 'd.txt'));
    await hub(h, 'add', '-A');
    git(g, 'add', '-A');
    expect(stages(h)).toBe(stages(g));
    expect(stages(h)).not.toMatch(/ [123]\t/);
    expect((await runHubJson(['status'], { cwd: h, env: ID })).unmerged).toEqual([]);
  });
});
