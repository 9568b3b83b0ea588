/**
 * Issue 14: `hub stash` / `hub stash pop` in git's stash format. The stash commits hub writes
 * have the trees git stash writes for the same changes (a twin repository stashed by git), git
 * reads hub's stash stack (`git stash list`, `git stash pop`), and large files are stashed by
 * pointer (content in the store, no copy elsewhere) and come back byte for byte.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const put = (dir: string, p: string, c: string | Buffer) => writeFileSync(join(dir, p), c);

async function repo(files: Record<string, string | Buffer>): Promise<string> {
  const dir = tmpDir();
  await runHubJson(['init'], { cwd: dir, env: ID });
  await runHubJson(['track', '*.bin'], { cwd: dir, env: ID });
  for (const [p, c] of Object.entries(files)) put(dir, p, c);
  await hub(dir, 'add', '-A');
  await runHubJson(['commit', '-m', 'one'], { cwd: dir, env: ID });
  return dir;
}

describe('hub stash', () => {
  it('saves staged and unstaged changes as git stash does, resets to HEAD, and git pops what hub stashed', async () => {
    const dir = await repo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    put(dir, 'a.txt', 'a staged\n');
    await hub(dir, 'add', 'a.txt');
    put(dir, 'a.txt', 'a staged, then changed\n');
    put(dir, 'b.txt', 'b changed\n');
    rmSync(join(dir, 'c.txt'));
    put(dir, 'n.txt', 'new\n');
    await hub(dir, 'add', 'n.txt');
    put(dir, 'untracked.txt', 'u\n');
    const gd = tmpDir();
    cpSync(dir, gd, { recursive: true });
    g.run(gd, 'update-index', '-q', '--really-refresh');
    const before = g.run(dir, 'status', '--porcelain');

    const r = await runHubJson(['stash'], { cwd: dir, env: ID });
    g.run(gd, 'stash', '-q');
    expect(r.message).toMatch(/^WIP on main: [0-9a-f]{7} one$/);
    expect(g.run(dir, 'rev-parse', 'stash^{tree}')).toBe(g.run(gd, 'rev-parse', 'stash^{tree}'));
    expect(g.run(dir, 'rev-parse', 'stash^2^{tree}')).toBe(g.run(gd, 'rev-parse', 'stash^2^{tree}'));
    expect(g.run(dir, 'rev-parse', 'stash^1')).toBe(g.run(dir, 'rev-parse', 'HEAD'));
    expect(g.run(dir, 'status', '--porcelain')).toBe(g.run(gd, 'status', '--porcelain'));
    expect(g.run(dir, 'status', '--porcelain')).toBe('?? untracked.txt\n');
    expect(g.run(dir, 'stash', 'list')).toBe(g.run(gd, 'stash', 'list'));

    // git pops hub's stash; hub pops one it made itself the same way
    const h2 = tmpDir();
    cpSync(dir, h2, { recursive: true });
    g.run(dir, 'stash', 'pop', '-q');
    expect(before).toBe('MM a.txt\n M b.txt\n D c.txt\nA  n.txt\n?? untracked.txt\n');
    expect(g.run(dir, 'status', '--porcelain')).toBe(' M a.txt\n M b.txt\n D c.txt\nA  n.txt\n?? untracked.txt\n'); // without --index, staged edits come back unstaged
    await hub(h2, 'stash', 'pop');
    expect(g.run(h2, 'status', '--porcelain')).toBe(g.run(dir, 'status', '--porcelain'));
    expect(readFileSync(join(h2, 'a.txt'), 'utf8')).toBe('a staged, then changed\n');
    expect(g.tryRun(h2, 'rev-parse', '--verify', '-q', 'refs/stash').status).not.toBe(0);
    expect((await runHub(['stash', 'pop'], { cwd: h2, env: ID })).code).toBe(3);
    expect((await runHubJson(['stash'], { cwd: await repo({ 'x.txt': 'x\n' }), env: ID })).stash).toBeNull();
  });

  it('stashes a large file by pointer and brings its bytes back; a pop that conflicts keeps the stash (exit 7)', async () => {
    const dir = await repo({ 'm.bin': randomBytes(30_000), 't.txt': 'one\n' });
    const edited = randomBytes(30_000);
    put(dir, 'm.bin', edited);
    put(dir, 't.txt', 'stashed\n');
    await hub(dir, 'stash');
    expect(g.run(dir, 'cat-file', '-p', 'stash:m.bin')).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize 30000\n$/);
    expect(existsSync(join(dir, '.git', 'lfs'))).toBe(false); // no copy of the content beside the store
    expect(readFileSync(join(dir, 'm.bin')).equals(edited)).toBe(false);
    await hub(dir, 'stash', 'pop');
    expect(readFileSync(join(dir, 'm.bin')).equals(edited)).toBe(true);
    expect(g.run(dir, 'status', '--porcelain')).toBe(' M m.bin\n M t.txt\n');

    await hub(dir, 'stash');
    put(dir, 't.txt', 'committed meanwhile\n');
    await hub(dir, 'add', 't.txt');
    await runHubJson(['commit', '-m', 'two'], { cwd: dir, env: ID });
    const c = await runHub(['stash', 'pop'], { cwd: dir, env: ID });
    expect(c.code, c.stderr).toBe(7);
    expect(c.stderr).toMatch(/t\.txt/);
    expect(g.run(dir, 'status', '--porcelain')).toMatch(/^UU t\.txt$/m);
    expect(readFileSync(join(dir, 't.txt'), 'utf8')).toBe('<<<<<<< Updated upstream\ncommitted meanwhile\n=======\nstashed\n>>>>>>> Stashed changes\n');
    expect(g.run(dir, 'stash', 'list')).toMatch(/^stash@\{0\}: WIP on main/);
  });
});
