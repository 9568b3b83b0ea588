/**
 * Issue 14, merging: `hub merge`, `hub pull` on diverged histories, conflicts, `--abort`,
 * `checkout --ours/--theirs`, `hub commit` concluding. The oracle is git: each history is built
 * with hub, copied, and git merges the copy; index stages (`git ls-files -s`), conflict markers
 * (byte for byte), `git status --porcelain` and merge trees must be the same.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitClient, type GitClient } from '../helpers/git-client.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

let g: GitClient;
beforeAll(() => {
  g = gitClient(); // git with git-lfs installed: git status agrees on large files
});

async function hub(dir: string, ...args: string[]) {
  const r = await runHub(args, { cwd: dir, env: ID });
  expect(r.code, `hub ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

const put = (dir: string, p: string, content: string | Buffer) => writeFileSync(join(dir, p), content);

/** Commits what is in the working tree with hub. */
async function commitAll(dir: string, message: string) {
  await hub(dir, 'add', '-A');
  return runHubJson(['commit', '-m', message], { cwd: dir, env: ID });
}

/**
 * A hub repository on main with a branch `side`: both changed t.txt's middle line and the large
 * file m.bin; side deleted d.txt which main changed; side added only-side.txt; main added only-main.txt.
 */
async function diverged(): Promise<{ dir: string; ours: Buffer; theirs: Buffer }> {
  const dir = tmpDir();
  await runHubJson(['init'], { cwd: dir, env: ID });
  await runHubJson(['track', '*.bin'], { cwd: dir, env: ID });
  put(dir, 't.txt', 'one\ntwo\nthree\nfour\nfive\n');
  put(dir, 'd.txt', 'd\n');
  put(dir, 'm.bin', randomBytes(50_000));
  await commitAll(dir, 'base');
  await hub(dir, 'switch', '-c', 'side');
  put(dir, 't.txt', 'one\ntwo from side\nthree\nfour\nfive\n');
  const theirs = randomBytes(50_000);
  put(dir, 'm.bin', theirs);
  g.run(dir, 'rm', '-q', 'd.txt');
  put(dir, 'only-side.txt', 'side\n');
  await commitAll(dir, 'side');
  await hub(dir, 'switch', 'main');
  put(dir, 't.txt', 'one\ntwo from main\nthree\nfour\nfive\n');
  const ours = randomBytes(50_000);
  put(dir, 'm.bin', ours);
  put(dir, 'd.txt', 'd changed\n');
  put(dir, 'only-main.txt', 'main\n');
  await commitAll(dir, 'main');
  return { dir, ours, theirs };
}

/** A copy of `dir` for git to do the same step in. */
function twin(dir: string): string {
  const copy = tmpDir();
  cpSync(dir, copy, { recursive: true });
  g.run(copy, 'update-index', '-q', '--really-refresh'); // new inodes: let git re-stat (through git-lfs's clean filter)
  return copy;
}

const stages = (dir: string) => g.run(dir, 'ls-files', '-s');
const porcelain = (dir: string) => g.run(dir, 'status', '--porcelain');

describe('hub merge', () => {
  it('records conflicts as git does: stages 1-3, markers byte for byte, large file keeps ours; --theirs picks, commit concludes', async () => {
    const { dir: h, ours, theirs } = await diverged();
    const gd = twin(h);
    const head = g.run(h, 'rev-parse', 'HEAD').trim();
    const side = g.run(h, 'rev-parse', 'side').trim();

    const r = await runHub(['merge', 'side'], { cwd: h, env: ID });
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/3 conflicted paths: d\.txt \(modify-delete\), m\.bin \(large-file\), t\.txt \(content\)/);
    expect(r.stdout).toBe('');
    expect(g.tryRun(gd, 'merge', 'side').status).toBe(1);

    expect(stages(h)).toBe(stages(gd));
    expect(stages(h)).toMatch(/ 1\tm\.bin\n.* 2\tm\.bin\n.* 3\tm\.bin\n/);
    expect(readFileSync(join(h, 't.txt'), 'utf8')).toBe(readFileSync(join(gd, 't.txt'), 'utf8'));
    expect(readFileSync(join(h, 't.txt'), 'utf8')).toBe('one\n<<<<<<< HEAD\ntwo from main\n=======\ntwo from side\n>>>>>>> side\nthree\nfour\nfive\n');
    expect(readFileSync(join(h, 'm.bin')).equals(ours)).toBe(true); // real bytes of ours, not a pointer, not markers
    expect(readFileSync(join(h, 'd.txt'), 'utf8')).toBe('d changed\n');
    expect(porcelain(h)).toBe(porcelain(gd));
    expect(porcelain(h)).toBe('UD d.txt\nUU m.bin\nA  only-side.txt\nUU t.txt\n');
    expect(g.run(h, 'rev-parse', 'MERGE_HEAD').trim()).toBe(side);
    expect(readFileSync(join(h, '.git', 'MERGE_MSG'), 'utf8')).toBe(readFileSync(join(gd, '.git', 'MERGE_MSG'), 'utf8'));
    expect(g.run(h, 'rev-parse', 'ORIG_HEAD').trim()).toBe(head);
    expect(g.run(h, 'rev-parse', 'HEAD').trim()).toBe(head);
    // git's own tools read the conflict: git diff shows the combined diff of the markers
    expect(g.run(h, 'diff', '--', 't.txt')).toBe(g.run(gd, 'diff', '--', 't.txt'));

    // a second merge, a commit or a switch wait for the conflicts
    expect((await runHub(['merge', 'side'], { cwd: h, env: ID })).code).toBe(7);
    expect((await runHub(['commit', '-m', 'x'], { cwd: h, env: ID })).code).toBe(7);

    // --theirs writes their version (a large file from the store, verified); the path stays unmerged
    await hub(h, 'checkout', '--theirs', 'm.bin', 't.txt');
    g.run(gd, 'checkout', '--theirs', 't.txt');
    expect(readFileSync(join(h, 'm.bin')).equals(theirs)).toBe(true);
    expect(readFileSync(join(h, 't.txt'), 'utf8')).toBe(readFileSync(join(gd, 't.txt'), 'utf8'));
    expect(stages(h)).toMatch(/ 3\tm\.bin\n/);
    const noOurs = await runHub(['checkout', '--theirs', 'd.txt'], { cwd: h, env: ID });
    expect(noOurs.code).toBe(3);
    expect(noOurs.stderr).toMatch(/d\.txt' does not have their version/);
    await hub(h, 'checkout', '--ours', 'd.txt');

    await hub(h, 'add', 'm.bin', 't.txt', 'd.txt');
    const c = await runHubJson(['commit'], { cwd: h, env: ID }); // no -m: MERGE_MSG, as git commit --no-edit
    expect(c.parents).toEqual([head, side]);
    expect(c.message).toBe("Merge branch 'side'\n\n# Conflicts:\n#\td.txt\n#\tm.bin\n#\tt.txt");
    expect(g.run(h, 'show', 'HEAD:m.bin')).toBe(g.run(h, 'show', 'side:m.bin')); // the pointer of theirs
    expect(existsSync(join(h, '.git', 'MERGE_HEAD'))).toBe(false);
    expect(porcelain(h)).toBe('');
    g.run(h, 'fsck', '--strict');
  });

  it('a clean merge writes a merge commit with both parents and the tree git merges to; only-one-side changes of a large file take its pointer', async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env: ID });
    await runHubJson(['track', '*.bin'], { cwd: dir, env: ID });
    put(dir, 't.txt', 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n');
    put(dir, 'm.bin', randomBytes(40_000));
    put(dir, 'n.bin', randomBytes(40_000));
    await commitAll(dir, 'base');
    await hub(dir, 'switch', '-c', 'side');
    put(dir, 't.txt', 'one\ntwo\nthree\nfour\nfive\nsix\nseven from side\n');
    const sideBytes = randomBytes(40_000);
    put(dir, 'm.bin', sideBytes);
    await commitAll(dir, 'side');
    await hub(dir, 'switch', 'main');
    put(dir, 't.txt', 'one from main\ntwo\nthree\nfour\nfive\nsix\nseven\n');
    put(dir, 'n.bin', randomBytes(40_000));
    await commitAll(dir, 'main');
    const head = g.run(dir, 'rev-parse', 'HEAD').trim();
    const side = g.run(dir, 'rev-parse', 'side').trim();
    const gitTree = g.run(dir, 'merge-tree', '--write-tree', 'main', 'side'); // git's merge, on objects only

    const m = await runHubJson(['merge', 'side'], { cwd: dir, env: ID });
    expect(m).toMatchObject({ fastForward: false, upToDate: false, parents: [head, side], merged: side });
    expect(g.run(dir, 'log', '-1', '--format=%P%n%s')).toBe(`${head} ${side}\nMerge branch 'side'\n`);
    expect(g.run(dir, 'rev-parse', 'HEAD^{tree}')).toBe(gitTree);
    expect(readFileSync(join(dir, 't.txt'), 'utf8')).toBe('one from main\ntwo\nthree\nfour\nfive\nsix\nseven from side\n');
    expect(readFileSync(join(dir, 'm.bin')).equals(sideBytes)).toBe(true);
    expect(porcelain(dir)).toBe('');
    expect((await runHubJson(['status'], { cwd: dir, env: ID })).clean).toBe(true);

    // merging it again: up to date; a branch behind HEAD fast-forwards
    expect(await runHubJson(['merge', 'side'], { cwd: dir, env: ID })).toMatchObject({ upToDate: true });
    await hub(dir, 'switch', 'side');
    const ff = await runHubJson(['merge', 'main'], { cwd: dir, env: ID });
    expect(ff).toMatchObject({ fastForward: true, to: m.to, parents: [] });
    expect(g.run(dir, 'rev-parse', 'side').trim()).toBe(m.to);
    expect(porcelain(dir)).toBe('');
  });

  it('refuses to overwrite local changes or to mix staged changes into a merge, and writes nothing', async () => {
    const { dir } = await diverged();
    put(dir, 't.txt', 'local edit\n');
    const r = await runHub(['merge', 'side'], { cwd: dir, env: ID });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/t\.txt/);
    expect(readFileSync(join(dir, 't.txt'), 'utf8')).toBe('local edit\n');
    expect(existsSync(join(dir, '.git', 'MERGE_HEAD'))).toBe(false);
    await hub(dir, 'restore', 't.txt');
    put(dir, 'only-main.txt', 'staged\n');
    await hub(dir, 'add', 'only-main.txt');
    const staged = await runHub(['merge', 'side', '--json'], { cwd: dir, env: ID });
    expect(staged.code).toBe(7);
    expect(JSON.parse(staged.stdout).error).toMatchObject({ code: 'uncommitted_changes', data: { paths: ['only-main.txt'] } });
  });

  it('--abort goes back to HEAD as git merge --abort does, keeping unrelated local changes', async () => {
    const { dir: h, ours } = await diverged();
    const gd = twin(h);
    put(h, 'only-main.txt', 'unrelated local edit\n');
    put(gd, 'only-main.txt', 'unrelated local edit\n');
    expect((await runHub(['merge', 'side'], { cwd: h, env: ID })).code).toBe(7);
    expect(g.tryRun(gd, 'merge', 'side').status).toBe(1);
    await hub(h, 'merge', '--abort');
    g.run(gd, 'merge', '--abort');
    expect(stages(h)).toBe(stages(gd));
    expect(porcelain(h)).toBe(porcelain(gd));
    expect(porcelain(h)).toBe(' M only-main.txt\n');
    expect(readFileSync(join(h, 't.txt'), 'utf8')).toBe('one\ntwo from main\nthree\nfour\nfive\n');
    expect(readFileSync(join(h, 'm.bin')).equals(ours)).toBe(true);
    expect(existsSync(join(h, 'only-side.txt'))).toBe(false);
    expect(existsSync(join(h, '.git', 'MERGE_HEAD'))).toBe(false);
    const again = await runHub(['merge', '--abort'], { cwd: h, env: ID });
    expect(again.code).toBe(3);
  });
});

describe('hub pull on diverged histories', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => {
    await s.stop();
  });

  it('merges (a merge commit with both parents, content of theirs fetched), and stops on conflicts with the label git pull writes', async () => {
    const { dir: a, env } = await localRepoWithRemote(s, 'admin/pullmerge', { track: ['*.bin'] });
    put(a, 't.txt', 'one\ntwo\nthree\nfour\nfive\n');
    put(a, 'm.bin', randomBytes(30_000));
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'base'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    const parent = tmpDir();
    const envB = { ...env, HUB_HOME: tmpDir() };
    await runHubJson(['clone', `${s.url}/admin/pullmerge`, 'b'], { cwd: parent, env: envB });
    const b = join(parent, 'b');
    // A changes the large file and the last line, B the first line: a clean merge
    const fromA = randomBytes(30_000);
    put(a, 'm.bin', fromA);
    put(a, 't.txt', 'one\ntwo\nthree\nfour\nfive from a\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    const ca = await runHubJson(['commit', '-m', 'a'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    put(b, 't.txt', 'one from b\ntwo\nthree\nfour\nfive\n');
    await runHubJson(['add', '-A'], { cwd: b, env: envB });
    const cb = await runHubJson(['commit', '-m', 'b'], { cwd: b, env: envB });
    const pulled = await runHubJson(['pull'], { cwd: b, env: envB });
    expect(pulled.mergeCommit).toBe(pulled.to);
    expect(g.run(b, 'log', '-1', '--format=%P%n%s')).toBe(`${cb.commit} ${ca.commit}\nMerge branch 'main' of ${s.url}/admin/pullmerge\n`);
    expect(readFileSync(join(b, 'm.bin')).equals(fromA)).toBe(true);
    expect(readFileSync(join(b, 't.txt'), 'utf8')).toBe('one from b\ntwo\nthree\nfour\nfive from a\n');
    expect(porcelain(b)).toBe('');
    await runHubJson(['push'], { cwd: b, env: envB }); // now a fast-forward for the remote

    // both change the same line: exit 7, markers labelled with the commit id as git pull labels them
    await runHubJson(['pull'], { cwd: a, env });
    put(a, 't.txt', 'one from b\ntwo A\nthree\nfour\nfive from a\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    const c2 = await runHubJson(['commit', '-m', 'a2'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    put(b, 't.txt', 'one from b\ntwo B\nthree\nfour\nfive from a\n');
    await runHubJson(['add', '-A'], { cwd: b, env: envB });
    await runHubJson(['commit', '-m', 'b2'], { cwd: b, env: envB });
    const r = await runHub(['pull', '--json'], { cwd: b, env: envB });
    expect(r.code, r.stderr).toBe(7);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'merge_conflict', data: { paths: ['t.txt'] } });
    expect(readFileSync(join(b, 't.txt'), 'utf8')).toBe(`one from b\n<<<<<<< HEAD\ntwo B\n=======\ntwo A\n>>>>>>> ${c2.commit}\nthree\nfour\nfive from a\n`);
    expect(porcelain(b)).toBe('UU t.txt\n');
    put(b, 't.txt', 'resolved\n');
    await runHubJson(['add', 't.txt'], { cwd: b, env: envB });
    const done = await runHubJson(['commit'], { cwd: b, env: envB });
    expect(done.parents[1]).toBe(c2.commit);
    await runHubJson(['push'], { cwd: b, env: envB });
  });
});
