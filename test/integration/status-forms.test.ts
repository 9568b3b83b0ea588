/**
 * Issue 14, seeing where you are: `hub status` against the upstream (ahead, behind, diverged,
 * gone) and git's short formats (`-s`, `--porcelain`, `-b`), checked line for line against
 * `git status` on the same repository (git-lfs installed, so large files agree).
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
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

async function hubOut(dir: string, ...args: string[]): Promise<string> {
  const r = await runHub(args, { cwd: dir, env: ID });
  expect(r.code, `hub ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

async function commitAll(dir: string, message: string): Promise<string> {
  await hubOut(dir, 'add', '-A');
  return (await runHubJson(['commit', '-m', message], { cwd: dir, env: ID })).commit;
}

describe('hub status forms', () => {
  it('a tracked file that .gitignore now excludes stays tracked: status, add -A and add PATH do what git does', async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env: ID });
    mkdirSync(join(dir, 'build'));
    for (const [p, c] of Object.entries({ 'keep.log': 'log\n', 'build/out.txt': 'out\n', 'a.txt': 'a\n' })) writeFileSync(join(dir, p), c);
    await commitAll(dir, 'base');
    writeFileSync(join(dir, '.gitignore'), '*.log\nbuild/\n');
    // unchanged: neither shows as deleted (the scan skips them, status looks at them)
    expect(await hubOut(dir, 'status', '--porcelain')).toBe(g.run(dir, 'status', '--porcelain'));
    expect(await hubOut(dir, 'status', '--porcelain')).toBe('?? .gitignore\n');
    writeFileSync(join(dir, 'keep.log'), 'log, changed\n');
    writeFileSync(join(dir, 'build/out.txt'), 'out, changed\n');
    writeFileSync(join(dir, 'new.log'), 'ignored, untracked\n');
    expect(await hubOut(dir, 'status', '--porcelain')).toBe(g.run(dir, 'status', '--porcelain'));
    // add -A stages their changes (it removed them from the index before)
    await hubOut(dir, 'add', '-A');
    expect(g.run(dir, 'diff', '--cached', '--name-status')).toBe('A\t.gitignore\nM\tbuild/out.txt\nM\tkeep.log\n');
    expect(await hubOut(dir, 'status', '--porcelain')).toBe(g.run(dir, 'status', '--porcelain'));
    // naming one works without --force, as in git; its deletion is staged as a deletion
    writeFileSync(join(dir, 'keep.log'), 'log, changed again\n');
    await hubOut(dir, 'add', 'keep.log');
    rmSync(join(dir, 'build/out.txt'));
    await hubOut(dir, 'add', '-A');
    expect(g.run(dir, 'diff', '--cached', '--name-status')).toBe('A\t.gitignore\nD\tbuild/out.txt\nM\tkeep.log\n');
    expect(g.run(dir, 'ls-files')).toBe('.gitignore\na.txt\nkeep.log\n');
  });

  it('--porcelain and -s print what git status prints, untracked directories collapsed, large files included', async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env: ID });
    await runHubJson(['track', '*.bin'], { cwd: dir, env: ID });
    mkdirSync(join(dir, 'src'));
    for (const [p, c] of Object.entries({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n', 'src/d.txt': 'd\n', 'm.bin': 'large\0content\n' })) writeFileSync(join(dir, p), c);
    await commitAll(dir, 'base');
    writeFileSync(join(dir, 'a.txt'), 'a staged\n');
    await hubOut(dir, 'add', 'a.txt');
    writeFileSync(join(dir, 'a.txt'), 'a staged, then changed\n'); // MM
    writeFileSync(join(dir, 'b.txt'), 'b changed\n'); // " M"
    rmSync(join(dir, 'c.txt')); // " D"
    writeFileSync(join(dir, 'm.bin'), 'other large\0content\n'); // " M" of a large file
    writeFileSync(join(dir, 'new.txt'), 'new\n');
    await hubOut(dir, 'add', 'new.txt'); // "A "
    mkdirSync(join(dir, 'junk/deeper'), { recursive: true });
    writeFileSync(join(dir, 'junk/deeper/x'), 'x');
    writeFileSync(join(dir, 'src/untracked.txt'), 'u\n');
    writeFileSync(join(dir, 'z.txt'), 'z\n');
    const expected = ' M b.txt\nMM a.txt\n D c.txt\n M m.bin\nA  new.txt\n?? junk/\n?? src/untracked.txt\n?? z.txt\n';
    const porcelain = await hubOut(dir, 'status', '--porcelain');
    expect(porcelain).toBe(g.run(dir, 'status', '--porcelain'));
    expect(porcelain.split('\n').sort()).toEqual(expected.split('\n').sort());
    expect(await hubOut(dir, 'status', '-s')).toBe(g.run(dir, 'status', '-s'));
    expect(await hubOut(dir, 'status', '-sb')).toBe(g.run(dir, 'status', '-sb'));
  });

  it("hub add . stages the whole tree, as git add . does", async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env: ID });
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'top.txt'), 't\n');
    writeFileSync(join(dir, 'sub/in.txt'), 'i\n');
    await hubOut(dir, 'add', '.');
    expect(g.run(dir, 'ls-files')).toBe('sub/in.txt\ntop.txt\n');
    expect(await hubOut(dir, 'status', '--porcelain')).toBe('A  sub/in.txt\nA  top.txt\n');
  });

  it('reports ahead, behind, diverged and gone against the upstream as git does', async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env: ID });
    writeFileSync(join(dir, 'f.txt'), '0\n');
    const base = await commitAll(dir, 'base');
    // an upstream recorded as clone -u would: origin/main at base
    g.run(dir, 'remote', 'add', 'origin', 'http://127.0.0.1:9/acme/model'); // git maps the upstream through its fetch refspec
    g.run(dir, 'config', 'branch.main.remote', 'origin');
    g.run(dir, 'config', 'branch.main.merge', 'refs/heads/main');
    g.run(dir, 'update-ref', 'refs/remotes/origin/main', base);
    const line = async () => (await hubOut(dir, 'status', '--porcelain', '-b')).split('\n')[0];
    const gitLine = () => g.run(dir, 'status', '--porcelain', '-b').split('\n')[0];
    expect(await line()).toBe('## main...origin/main');
    expect(await line()).toBe(gitLine());
    expect(await hubOut(dir, 'status')).toMatch(/Your branch is up to date with 'origin\/main'\./);

    for (let i = 1; i <= 2; i++) {
      writeFileSync(join(dir, 'f.txt'), `${i}\n`);
      await commitAll(dir, `local ${i}`);
    }
    expect(await line()).toBe('## main...origin/main [ahead 2]');
    expect(await line()).toBe(gitLine());
    expect((await runHubJson(['status'], { cwd: dir, env: ID })).upstream).toEqual({ name: 'origin/main', exists: true, ahead: 2, behind: 0 });
    expect(await hubOut(dir, 'status')).toMatch(/Your branch is ahead of 'origin\/main' by 2 commits\./);

    // the remote moved on from base with three commits of its own (a merge among them)
    const tree = g.run(dir, 'rev-parse', `${base}^{tree}`).trim();
    const r1 = g.run(dir, 'commit-tree', tree, '-p', base, '-m', 'r1').trim();
    const r2 = g.run(dir, 'commit-tree', tree, '-p', base, '-m', 'r2').trim();
    const r3 = g.run(dir, 'commit-tree', tree, '-p', r1, '-p', r2, '-m', 'r3').trim();
    g.run(dir, 'update-ref', 'refs/remotes/origin/main', r3);
    expect(await line()).toBe('## main...origin/main [ahead 2, behind 3]');
    expect(await line()).toBe(gitLine());
    expect(await hubOut(dir, 'status')).toMatch(/Your branch and 'origin\/main' have diverged,\nand have 2 and 3 different commits each/);

    g.run(dir, 'reset', '-q', '--soft', base);
    expect(await line()).toBe('## main...origin/main [behind 3]');
    expect(await line()).toBe(gitLine());
    g.run(dir, 'update-ref', '-d', 'refs/remotes/origin/main');
    expect(await line()).toBe('## main...origin/main [gone]');
    expect(await line()).toBe(gitLine());
  });
});
