/**
 * Issue 14, seeing where you are: `hub log` (-N, --all, ref decorations, git's date format),
 * `hub diff` forms (--cached/--staged, A..B, A...B, --name-only, --name-status), `hub ls-files`
 * (-s, large files with size and presence), `hub show REV:PATH`, and the answer for git commands
 * hub does not have. Outputs are compared with git's on the same repository.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gitClient, type GitClient } from '../helpers/git-client.js';
import { hubEnv, runHub, runHubJson } from '../helpers/run-hub.js';
import { hubBin } from '../helpers/paths.js';
import { execFileSync } from 'node:child_process';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };
let g: GitClient;
beforeAll(() => {
  g = gitClient();
});

async function out(dir: string, ...args: string[]): Promise<string> {
  const r = await runHub(args, { cwd: dir, env: ID });
  expect(r.code, `hub ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** git commits with fixed dates in another time zone: main and side diverge and merge; a tag and a remote-tracking ref. */
async function history(): Promise<string> {
  const dir = tmpDir();
  await runHubJson(['init'], { cwd: dir, env: ID });
  let t = 1_760_000_000;
  const commit = (msg: string, ...files: [string, string][]) => {
    for (const [p, c] of files) writeFileSync(join(dir, p), c);
    g.run(dir, 'add', '-A');
    const date = `@${(t += 3600)} +0530`;
    execGit(dir, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, 'commit', '-q', '-m', msg);
  };
  commit('base', ['a.txt', 'a\n'], ['b.txt', 'b\n']);
  g.run(dir, 'checkout', '-q', '-b', 'side');
  commit('side work\n\nwith a body\tand a tab', ['s.txt', 's\n']);
  g.run(dir, 'checkout', '-q', 'main');
  commit('main work', ['a.txt', 'a2\n']);
  g.run(dir, 'tag', 'v1');
  const date = `@${(t += 3600)} +0530`;
  execGit(dir, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, 'merge', '-q', '--no-edit', 'side');
  g.run(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD~1');
  commit('after', ['b.txt', 'b2\n'], ['c.txt', 'c\n']);
  return dir;
}

function execGit(dir: string, env: Record<string, string>, ...args: string[]): void {
  const saved = { ...g.env };
  Object.assign(g.env, env);
  try {
    g.run(dir, ...args);
  } finally {
    for (const k of Object.keys(env)) delete g.env[k];
    Object.assign(g.env, saved);
  }
}

describe('hub log', () => {
  it('prints what git log --decorate prints: dates in git format, decorations, -N, --all', async () => {
    const dir = await history();
    expect(await out(dir, 'log')).toBe(g.run(dir, 'log', '--decorate'));
    expect(await out(dir, 'log', '--oneline')).toBe(g.run(dir, 'log', '--oneline', '--decorate'));
    expect(await out(dir, 'log', '-2', '--oneline')).toBe(g.run(dir, 'log', '-2', '--oneline', '--decorate'));
    const json = await runHubJson(['log'], { cwd: dir, env: ID });
    expect(json.commits.map((c: { author: { date: string } }) => c.author.date).join('\n')).toBe(g.run(dir, 'log', '--format=%aI').trim()); // +05:30, not -05:30
    g.run(dir, 'checkout', '-q', '-b', 'later', 'HEAD~1');
    g.run(dir, 'checkout', '-q', 'main');
    expect(await out(dir, 'log', '--oneline', '--all')).toBe(g.run(dir, 'log', '--oneline', '--decorate', '--all'));
    g.run(dir, 'checkout', '-q', '--detach', 'v1');
    expect(await out(dir, 'log', '-1', '--oneline')).toBe(g.run(dir, 'log', '-1', '--oneline', '--decorate'));
  });
});

describe('hub diff forms', () => {
  it('--cached/--staged, A..B, A...B, --name-only and --name-status list what git diff lists', async () => {
    const dir = await history();
    writeFileSync(join(dir, 'a.txt'), 'staged\n');
    writeFileSync(join(dir, 'new.txt'), 'new\n');
    await out(dir, 'add', 'a.txt', 'new.txt');
    writeFileSync(join(dir, 'b.txt'), 'unstaged\n');
    for (const flag of ['--cached', '--staged']) {
      expect(await out(dir, 'diff', flag, '--name-status')).toBe(g.run(dir, 'diff', flag, '--name-status'));
    }
    expect(await out(dir, 'diff', '--cached', '--name-only')).toBe('a.txt\nnew.txt\n');
    expect((await runHubJson(['diff', '--cached'], { cwd: dir, env: ID })).files.map((f: { path: string }) => f.path)).toEqual(['a.txt', 'new.txt']);
    for (const range of ['v1..side', 'v1...side', 'side...v1', 'HEAD~2..HEAD', 'side..']) {
      expect(await out(dir, 'diff', range, '--name-status'), range).toBe(g.run(dir, 'diff', range, '--name-status'));
    }
    expect(await out(dir, 'diff', 'v1', 'side', '--name-only')).toBe(g.run(dir, 'diff', 'v1', 'side', '--name-only'));
  });
});

describe('hub ls-files and show REV:PATH', () => {
  it('ls-files -s is git ls-files -s; large files show size and presence; show REV:PATH prints the file (a large file\'s content)', async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir, env: ID });
    await runHubJson(['track', '*.bin'], { cwd: dir, env: ID });
    const big = randomBytes(20_000);
    writeFileSync(join(dir, 'm.bin'), big);
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    await out(dir, 'add', '-A');
    await runHubJson(['commit', '-m', 'one'], { cwd: dir, env: ID });
    expect(await out(dir, 'ls-files', '-s')).toBe(g.run(dir, 'ls-files', '-s'));
    expect(await out(dir, 'ls-files')).toBe('.gitattributes\na.txt\nm.bin\t(large, 19.5 KiB, content present)\n');
    const j = await runHubJson(['ls-files'], { cwd: dir, env: ID });
    expect(j.files.find((f: { path: string }) => f.path === 'm.bin').large).toMatchObject({ size: 20_000, present: true });

    expect(await out(dir, 'show', 'HEAD:a.txt')).toBe(g.run(dir, 'show', 'HEAD:a.txt'));
    // stdout as bytes (runHub decodes it as UTF-8)
    const raw = execFileSync(process.execPath, [hubBin, 'show', 'HEAD:m.bin'], { cwd: dir, env: hubEnv(ID), maxBuffer: 1 << 24 });
    expect(raw.equals(big)).toBe(true);
    expect((await runHub(['show', 'HEAD:nope.txt'], { cwd: dir, env: ID })).code).toBe(3);

    // a large file whose content is nowhere here (a pointer committed by git alone)
    writeFileSync(join(dir, 'gone.bin'), `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize 123\n`);
    g.run(dir, 'add', 'gone.bin');
    expect(await out(dir, 'ls-files')).toMatch(/gone\.bin\t\(large, 123 B, pointer only: not fetched\)/);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('a\n');
  });

  it("answers a git command hub does not have by pointing to git, not with commander's suggestion", async () => {
    const r = await runHub(['rebase', 'main']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("hub: error: hub has no 'rebase'; hub repositories are git repositories: run git rebase\n");
    const c = await runHub(['cherry-pick', 'abc']);
    expect(c.stderr).toMatch(/hub has no 'cherry-pick'.*run git cherry-pick/);
    expect((await runHub(['frobnicate'])).stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
