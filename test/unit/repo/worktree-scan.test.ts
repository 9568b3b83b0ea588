import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../../src/errors.js';
import { isIgnored, normalizeRepoPath, packedFile, scanWorktree, scanWorktreePacked } from '../../../src/repo/worktree-scan.js';
import { git, gitEnv } from '../../helpers/git-repo.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

/** A file's content, or a symlink, or an executable file. */
type Entry = string | { link: string } | { exec: string };


/** `git ls-files -z ARGS` as a list of paths. */
function lsFiles(dir: string, ...args: string[]): string[] {
  return git(dir, 'ls-files', '-z', ...args).split('\0').filter((p) => p !== '');
}

/** A new git repository holding `files` (paths '/'-separated); returns its directory. */
function tmpRepo(files: Record<string, Entry>): string {
  const dir = tmpDir('hub-scan-');
  git(dir, 'init', '-q', '-b', 'main');
  for (const [path, entry] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof entry === 'string') writeFileSync(full, entry);
    else if ('link' in entry) symlinkSync(entry.link, full);
    else {
      writeFileSync(full, entry.exec);
      chmodSync(full, 0o755);
    }
  }
  return dir;
}

const byteOrder = (paths: string[]): string[] => [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const paths = (dir: string, opts?: Parameters<typeof scanWorktree>[1]): string[] => scanWorktree(dir, opts).map((f) => f.path);

/** Nested .gitignore files, negations, ignored directories, an info/exclude entry and awkward names. */
const TREE: Record<string, Entry> = {
  '.gitignore': '# comment\n*.log\n!keep.log\nbuild/\n/root-only.txt\ntmp*\n!tmp-keep\ndocs/**/*.draft\n/vendor/*\ntrailing\\ \nspaced  \n',
  'keep.log': 'k',
  'app.log': 'a',
  'root-only.txt': 'r',
  'trailing ': 'escaped trailing space: ignored',
  spaced: 'trailing spaces trimmed: ignored',
  'build/out.bin': 'ignored dir',
  'build/keep.log': 'cannot be re-included: parent excluded',
  'tmpfile': 't',
  'tmp-keep': 'kept by negation',
  'docs/a/b/x.draft': 'd',
  'docs/x.draft': 'also matched: ** matches zero dirs',
  'docs/readme.md': 'm',
  'vendor/.gitignore': '!lib\n',
  'vendor/lib/x.js': 're-included by a deeper file',
  'vendor/other/y.js': 'still excluded',
  'vendor/z.js': 'excluded by /vendor/*',
  'sub/.gitignore': '*.bin\n!keep.bin\n/local.txt\ndeep/\n',
  'sub/a.bin': 'ignored',
  'sub/keep.bin': 'kept',
  'sub/local.txt': 'ignored: anchored to sub/',
  'sub/x/local.txt': 'kept: anchor is sub/, not sub/x/',
  'sub/root-only.txt': 'kept: /root-only.txt is anchored to the root',
  'sub/deep/f.txt': 'ignored dir',
  'sub/inner/.gitignore': '!*.log\n',
  'sub/inner/debug.log': 're-included one level deeper',
  'sub/inner/deep': 'a file named deep: deep/ matches directories only',
  'selfish/.gitignore': '.gitignore\nz\n',
  'selfish/z': 'ignored by a .gitignore that ignores itself',
  'selfish/y': 'kept',
  'secret.txt': 'excluded by info/exclude',
  'sub/secret.txt': 'also excluded (no slash: any depth)',
  'nested/.git/HEAD': 'not a repository, skipped like any .git',
  'nested/file.txt': 'n',
  'a-b': '1',
  'a.b': '2',
  'a/b': '3',
  'a0': '4',
  'ü.txt': 'latin',
  '😀.txt': 'astral: after U+FB00 in UTF-8 order',
  'ﬀ.txt': 'U+FB00',
  'Upper.LOG': 'case-sensitive: not *.log',
};

function complexRepo(): string {
  const dir = tmpRepo(TREE);
  writeFileSync(join(dir, '.git', 'info', 'exclude'), 'secret.txt\n');
  mkdirSync(join(dir, 'empty', 'deeper'), { recursive: true });
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  return dir;
}

describe('scanWorktree against git', () => {
  it('returns exactly the untracked files git ls-files --others --exclude-standard lists', () => {
    const dir = complexRepo();
    expect(paths(dir)).toEqual(byteOrder(lsFiles(dir, '--others', '--exclude-standard')));
  });

  it('after git add -A, equals git ls-files --others --cached --exclude-standard, in index order', () => {
    const dir = complexRepo();
    git(dir, 'add', '-A');
    const scanned = paths(dir);
    expect(scanned).toEqual(lsFiles(dir, '--others', '--cached', '--exclude-standard'));
    expect(scanned).toEqual(lsFiles(dir, '--cached'));
    // spot checks of the subtle cases, so a git change cannot make the comparison vacuous
    expect(scanned).toEqual(expect.arrayContaining(['vendor/lib/x.js', 'sub/inner/debug.log', 'sub/inner/deep', 'tmp-keep', 'keep.log']));
    for (const p of ['build/keep.log', 'vendor/z.js', 'selfish/.gitignore', 'secret.txt', 'trailing ', 'spaced', 'fifo']) {
      expect(scanned).not.toContain(p);
    }
    expect(scanned.slice(0, 4)).toEqual(['.gitignore', 'Upper.LOG', 'a-b', 'a.b']);
  });

  it('the packed scan walks each directory in index order: no sort afterwards, same files and stat as scanWorktree', async () => {
    const dir = complexRepo();
    // names that are prefixes of one another, a directory among them: 'd1/' sorts after 'd1.x' and 'd1-y', before 'd10'
    for (const p of ['d1/f', 'd1.x', 'd1-y', 'd10/f', 'd1/g/h', 'd1/g.txt', 'é/x', 'e/x', 'ä.d/x', 'ä-d/y']) {
      mkdirSync(join(dir, dirname(p)), { recursive: true });
      writeFileSync(join(dir, p), p);
    }
    writeFileSync(join(dir, 'ä.d.orig'), 'beside a directory whose name it extends');
    const packed = await scanWorktreePacked(dir);
    expect(packed.paths).toEqual(byteOrder(lsFiles(dir, '--others', '--exclude-standard')));
    expect(packed.paths.map((_, i) => packedFile(packed, i))).toEqual(scanWorktree(dir));
  });

  it('with includeIgnored, returns what git ls-files --others lists without exclude rules', () => {
    const dir = complexRepo();
    expect(paths(dir, { includeIgnored: true })).toEqual(byteOrder(lsFiles(dir, '--others')));
  });

  it('limited to paths, returns what git ls-files --others --exclude-standard -- PATHS lists', () => {
    const dir = complexRepo();
    const limits = ['sub', 'vendor/lib', 'vendor/other', 'build/keep.log', 'app.log', 'keep.log', 'sub/inner/debug.log', 'missing', 'a'];
    const got = paths(dir, { paths: limits });
    expect(got).toEqual(byteOrder(lsFiles(dir, '--others', '--exclude-standard', '--', ...limits)));
    expect(got).toContain('vendor/lib/x.js');
    expect(paths(dir, { paths: ['sub', 'sub/inner', 'sub/keep.bin'] })).toEqual(paths(dir, { paths: ['sub'] }));
    expect(paths(dir, { paths: [''] })).toEqual(paths(dir));
  });

  it('isIgnored agrees with git check-ignore for every path of the tree', () => {
    const dir = complexRepo();
    const all = [...Object.keys(TREE).filter((p) => !p.includes('.git/')), 'build', 'sub/deep', 'vendor/other', 'vendor/lib'];
    // exit status 1 just means "none ignored"; -z output lists the ignored ones
    const run = spawnSync('git', ['check-ignore', '-z', '--stdin', '--no-index'], {
      cwd: dir,
      env: gitEnv(),
      encoding: 'utf8',
      input: all.map((p) => `${p}\0`).join(''),
    });
    expect(run.status === 0 || run.status === 1, run.stderr).toBe(true);
    const ignoredByGit = new Set(run.stdout.split('\0').filter((p) => p !== ''));
    expect(ignoredByGit.size).toBeGreaterThan(10);
    expect([...ignoredByGit]).toEqual(expect.arrayContaining(['build/keep.log', 'vendor/other/y.js', 'selfish/.gitignore', 'sub/secret.txt']));
    expect([...ignoredByGit]).not.toEqual(expect.arrayContaining(['vendor/lib/x.js']));
    for (const p of all) {
      const gitSays = ignoredByGit.has(p);
      expect([p, isIgnored(dir, p)]).toEqual([p, gitSays]);
    }
  });
});

describe('scanWorktree entries', () => {
  it('reports symlinks (never followed) and executable bits as git records them', () => {
    const dir = tmpRepo({
      'run.sh': { exec: '#!/bin/sh\n' },
      'data.bin': 'plain',
      'link-to-file': { link: 'data.bin' },
      'link-to-dir': { link: 'dir' },
      'dangling': { link: 'nowhere/at/all' },
      'dir/inside.txt': 'i',
    });
    const files = scanWorktree(dir);
    expect(files.map((f) => [f.path, f.kind])).toEqual([
      ['dangling', 'symlink'],
      ['data.bin', 'file'],
      ['dir/inside.txt', 'file'],
      ['link-to-dir', 'symlink'],
      ['link-to-file', 'symlink'],
      ['run.sh', 'file'],
    ]);
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get('dangling')?.size).toBe('nowhere/at/all'.length);
    expect(byPath.get('link-to-dir')!.mode & 0o170000).toBe(0o120000);
    expect(byPath.get('run.sh')!.mode & 0o100).toBe(0o100);
    expect(byPath.get('data.bin')!.mode & 0o111).toBe(0);
    expect(byPath.get('data.bin')).toMatchObject({ size: 5 });
    expect(typeof byPath.get('data.bin')!.mtimeNs).toBe('bigint');
    expect(byPath.get('data.bin')!.ino).toBeGreaterThan(0);

    git(dir, 'add', '-A');
    const staged = git(dir, 'ls-files', '-s').trim().split('\n').map((l) => {
      const [mode, , , path] = l.split(/\s+/);
      return [path, mode];
    });
    const gitMode = (m: number): string => ((m & 0o170000) === 0o120000 ? '120000' : m & 0o100 ? '100755' : '100644');
    expect(files.map((f) => [f.path, gitMode(f.mode)])).toEqual(staged);
  });

  it('scans 10,000 files in 300 directories in git index order', () => {
    const dir = tmpDir('hub-scan-big-');
    const expected: string[] = [];
    for (let d = 0; d < 300; d++) {
      const sub = `group-${d % 12}/dir-${d}`;
      mkdirSync(join(dir, sub), { recursive: true });
      for (let f = 0; f < (d < 100 ? 34 : 33); f++) {
        const path = `${sub}/${f % 2 ? 'w' : 'w.'}${f}.bin`;
        writeFileSync(join(dir, path), '');
        expected.push(path);
      }
    }
    expect(expected).toHaveLength(10_000);
    scanWorktree(dir); // warm the page cache and the JIT
    const start = performance.now();
    const files = scanWorktree(dir);
    console.log(`scanWorktree: ${files.length} files in 300 directories in ${(performance.now() - start).toFixed(1)} ms`);
    expect(files.map((f) => f.path)).toEqual(byteOrder(expected));
  });
});

describe('normalizeRepoPath', () => {
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new Error('expected a throw');
  };

  it('makes user paths relative to the work tree with forward slashes', () => {
    const dir = tmpRepo({ 'sub/x.bin': 'x' });
    const sub = join(dir, 'sub');
    expect(normalizeRepoPath(dir, sub, 'x.bin')).toBe('sub/x.bin');
    expect(normalizeRepoPath(dir, sub, '../y/./z/')).toBe('y/z');
    expect(normalizeRepoPath(dir, sub, '..')).toBe('');
    expect(normalizeRepoPath(dir, dir, '.')).toBe('');
    expect(normalizeRepoPath(dir, '/', join(dir, 'sub', 'x.bin'))).toBe('sub/x.bin');
    expect(normalizeRepoPath(dir, dir, '..foo')).toBe('..foo');
  });

  it('accepts a work tree named through a symlink while cwd is the real path', () => {
    const dir = tmpRepo({ 'sub/x.bin': 'x' });
    const alias = join(tmpDir('hub-alias-'), 'repo');
    symlinkSync(dir, alias);
    expect(normalizeRepoPath(alias, join(realpathSync(dir), 'sub'), 'x.bin')).toBe('sub/x.bin');
  });

  it('refuses paths outside the work tree with UsageError outside_repo', () => {
    const dir = tmpRepo({ 'sub/x.bin': 'x' });
    const err = thrown(() => normalizeRepoPath(dir, join(dir, 'sub'), '../../x'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toMatchObject({ code: 'outside_repo', message: 'path ../../x is outside the repository' });
    expect(thrown(() => normalizeRepoPath(dir, dir, '/etc/passwd'))).toMatchObject({ code: 'outside_repo' });
  });

  it('refuses paths inside .git', () => {
    const dir = tmpRepo({ 'sub/x.bin': 'x' });
    for (const p of ['.git', '.git/config', 'sub/.git/x', '.GIT/config']) {
      const err = thrown(() => normalizeRepoPath(dir, dir, p));
      expect(err).toBeInstanceOf(UsageError);
      expect(err).toMatchObject({ code: 'inside_git_dir' });
    }
  });
});
