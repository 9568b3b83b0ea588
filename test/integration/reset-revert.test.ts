/**
 * Issue 14, moving and undoing: `hub reset --soft/--mixed/--hard`, `hub revert`, `hub checkout -b`,
 * `hub checkout REV -- PATH`. Each scenario runs in a copy with git itself; HEAD, ORIG_HEAD, the
 * index (`git ls-files -s`), `git status --porcelain`, trees, messages and conflict markers must
 * be the same. Large files are checked for their bytes (git would need git-lfs content to smudge).
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gitClient, type GitClient } from '../helpers/git-client.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };
let g: GitClient;
beforeAll(() => {
  g = gitClient();
});

async function hub(dir: string, ...args: string[]) {
  const r = await runHub(args, { cwd: dir, env: ID });
  expect(r.code, `hub ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}
async function commitAll(dir: string, message: string): Promise<string> {
  await hub(dir, 'add', '-A');
  return (await runHubJson(['commit', '-m', message], { cwd: dir, env: ID })).commit;
}
function twin(dir: string): string {
  const copy = tmpDir();
  cpSync(dir, copy, { recursive: true });
  g.run(copy, 'update-index', '-q', '--really-refresh');
  return copy;
}
const put = (dir: string, p: string, c: string | Buffer) => writeFileSync(join(dir, p), c);
const state = (dir: string) => ({ head: g.run(dir, 'rev-parse', 'HEAD'), stages: g.run(dir, 'ls-files', '-s'), status: g.run(dir, 'status', '--porcelain') });

/** Three commits of text files (and a large file that changes in the last one). */
async function history(): Promise<{ dir: string; commits: string[]; bins: Buffer[] }> {
  const dir = tmpDir();
  await runHubJson(['init'], { cwd: dir, env: ID });
  await runHubJson(['track', '*.bin'], { cwd: dir, env: ID });
  const bins = [randomBytes(30_000), randomBytes(30_000)];
  put(dir, 'a.txt', 'one\ntwo\nthree\n');
  put(dir, 'b.txt', 'b\n');
  put(dir, 'm.bin', bins[0]);
  const c1 = await commitAll(dir, 'first');
  put(dir, 'a.txt', 'one\ntwo changed\nthree\n');
  put(dir, 'c.txt', 'c\n');
  const c2 = await commitAll(dir, 'second');
  put(dir, 'b.txt', 'b changed\n');
  put(dir, 'm.bin', bins[1]);
  const c3 = await commitAll(dir, 'third');
  return { dir, commits: [c1, c2, c3], bins };
}

describe('hub reset', () => {
  it('--soft, --mixed and --hard move HEAD, index and files as git reset does', async () => {
    const { dir, commits, bins } = await history();
    put(dir, 'b.txt', 'local edit\n');
    put(dir, 'untracked.txt', 'u\n');
    for (const mode of ['--soft', '--mixed']) {
      const h = twin(dir);
      const gd = twin(dir);
      await hub(h, 'reset', mode, commits[1]);
      g.run(gd, 'reset', '-q', mode, commits[1]);
      expect(state(h)).toEqual(state(gd));
      expect(g.run(h, 'rev-parse', 'ORIG_HEAD')).toBe(g.run(gd, 'rev-parse', 'ORIG_HEAD'));
      expect(readFileSync(join(h, 'b.txt'), 'utf8')).toBe('local edit\n');
    }
    // --hard to the second commit of files git can write without git-lfs content: compare whole states
    const h = twin(dir);
    const gd = twin(dir);
    put(h, 'm.bin', bins[1]);
    await hub(h, 'reset', '--hard', 'HEAD');
    g.run(gd, 'checkout', '--', 'm.bin');
    g.run(gd, 'reset', '-q', '--hard', 'HEAD');
    expect(state(h)).toEqual(state(gd));
    expect(readFileSync(join(h, 'b.txt'), 'utf8')).toBe('b changed\n');
    expect(readFileSync(join(h, 'untracked.txt'), 'utf8')).toBe('u\n');

    // --hard across a large-file change: its bytes come back from the store
    const r = await runHubJson(['reset', '--hard', commits[0]], { cwd: h, env: ID });
    expect(r).toMatchObject({ mode: 'hard', to: commits[0] });
    expect(readFileSync(join(h, 'm.bin')).equals(bins[0])).toBe(true);
    expect(existsSync(join(h, 'c.txt'))).toBe(false);
    expect(readFileSync(join(h, 'a.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(g.run(h, 'status', '--porcelain')).toBe('?? untracked.txt\n');
    expect(g.run(h, 'rev-parse', 'ORIG_HEAD').trim()).toBe(commits[2]);
    await hub(h, 'reset', '--hard', 'ORIG_HEAD');
    expect(g.run(h, 'rev-parse', 'HEAD').trim()).toBe(commits[2]);
    expect(readFileSync(join(h, 'm.bin')).equals(bins[1])).toBe(true);
    expect((await runHub(['reset', '--soft', '--hard'], { cwd: h, env: ID })).code).toBe(2);
  });
});

describe('hub revert', () => {
  it('commits the inverse of a commit as git revert does, and records a conflicting revert as git does', async () => {
    const { dir, commits } = await history();
    const gd = twin(dir);
    const r = await runHubJson(['revert', commits[1]], { cwd: dir, env: ID });
    g.run(gd, 'revert', '--no-edit', commits[1]);
    expect(r.message).toBe(`Revert "second"\n\nThis reverts commit ${commits[1]}.`);
    expect(g.run(dir, 'log', '-1', '--format=%B%n%P')).toBe(g.run(gd, 'log', '-1', '--format=%B%n%P'));
    expect(g.run(dir, 'rev-parse', 'HEAD^{tree}')).toBe(g.run(gd, 'rev-parse', 'HEAD^{tree}'));
    expect(g.run(dir, 'status', '--porcelain')).toBe('');

    // a revert that conflicts with a later change of the same line
    const h2 = (await history()).dir;
    put(h2, 'a.txt', 'one\ntwo changed again\nthree\n');
    await commitAll(h2, 'fourth');
    const second = g.run(h2, 'rev-parse', 'HEAD~2').trim();
    const gd2 = twin(h2);
    const c = await runHub(['revert', second], { cwd: h2, env: ID });
    expect(c.code, c.stderr).toBe(7);
    expect(g.tryRun(gd2, 'revert', '--no-edit', second).status).not.toBe(0);
    expect(g.run(h2, 'ls-files', '-s')).toBe(g.run(gd2, 'ls-files', '-s'));
    expect(readFileSync(join(h2, 'a.txt'), 'utf8')).toBe(readFileSync(join(gd2, 'a.txt'), 'utf8'));
    expect(g.run(h2, 'status', '--porcelain')).toBe(g.run(gd2, 'status', '--porcelain'));
    expect(g.run(h2, 'rev-parse', 'REVERT_HEAD').trim()).toBe(second);
    put(h2, 'a.txt', 'resolved\n');
    await hub(h2, 'add', 'a.txt');
    const done = await runHubJson(['commit'], { cwd: h2, env: ID });
    expect(done.parents).toHaveLength(1);
    expect(done.message).toMatch(/^Revert "second"\n\nThis reverts commit [0-9a-f]{40}\./);
    expect(existsSync(join(h2, '.git', 'REVERT_HEAD'))).toBe(false);
  });
});

describe('hub checkout forms', () => {
  it('checkout -b NAME [START] creates and switches; checkout REV -- PATH takes files from REV into index and working tree', async () => {
    const { dir, commits } = await history();
    const gd = twin(dir);
    await hub(dir, 'checkout', '-b', 'topic');
    g.run(gd, 'checkout', '-q', '-b', 'topic');
    expect(g.run(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/topic\n');
    expect(state(dir)).toEqual(state(gd));
    expect((await runHub(['checkout', '-b', 'topic'], { cwd: dir, env: ID })).code).toBe(7);

    await hub(dir, 'checkout', commits[1], '--', 'a.txt', 'b.txt');
    g.run(gd, 'checkout', commits[1], '--', 'a.txt', 'b.txt');
    expect(state(dir)).toEqual(state(gd));
    expect(g.run(dir, 'status', '--porcelain')).toBe('M  b.txt\n');

    await hub(dir, 'checkout', '-b', 'old', commits[1]);
    expect(g.run(dir, 'rev-parse', 'old').trim()).toBe(commits[1]);
    expect(g.run(dir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/old\n');
  });
});
