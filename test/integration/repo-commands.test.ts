/**
 * The repository commands through the built CLI, as a user runs them: what the human output
 * says, the `--json` documents (the core result interfaces), exit codes with one
 * `hub: error:` line, and real git (with the git-lfs filter) reading what hub wrote.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { makeModel } from '../helpers/make-model.js';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, lines, runHub, runHubJson, type HubResult } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Who commits: author and committer differ so a swapped field shows. */
const ID = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
};

/** git with the git-lfs filter configured, as a user with git-lfs installed has it. */
const LFS_FILTER = ['-c', 'filter.lfs.clean=git-lfs clean -- %f', '-c', 'filter.lfs.smudge=git-lfs smudge -- %f', '-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.required=true'];
const gitLfs = (dir: string, ...args: string[]): string => git(dir, ...LFS_FILTER, ...args);

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
/** The git blob id of `content`, computed here (not by hub). */
const blobId = (content: Buffer | string): string => {
  const b = Buffer.from(content);
  return createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
};
/** The LFS v1 pointer git-lfs writes for `content`. */
const pointerText = (content: Buffer): string => `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\nsize ${content.length}\n`;

const LFS_LINE = 'filter=lfs diff=lfs merge=lfs -text';

/** Runs hub in `cwd` and expects exit 0. */
async function hub(cwd: string, ...args: string[]): Promise<HubResult> {
  const r = await runHub(args, { cwd, env: ID });
  expect(r.code, `hub ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

/** Runs `hub ARGS --json` in `cwd`, expects exit 0 and returns the document. */
function hubJson(cwd: string, ...args: string[]): Promise<any> {
  return runHubJson(args, { cwd, env: ID });
}

/**
 * Runs hub expecting failure with `exitCode`: nothing on stdout, exactly one `hub: error:` line on
 * stderr (a `hint:` line may follow), no stack trace. Returns the error line.
 */
async function fails(cwd: string, args: string[], exitCode: number, env: Record<string, string | undefined> = ID): Promise<string> {
  const r = await runHub(args, { cwd, env });
  const what = `hub ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.code, what).toBe(exitCode);
  expect(r.stdout, what).toBe('');
  const err = lines(r.stderr);
  expect(err.filter((l) => l.startsWith('hub: error: ')), what).toHaveLength(1);
  expect(err.filter((l) => /^\s+at /.test(l) || /unexpected/.test(l)), what).toEqual([]);
  return err.find((l) => l.startsWith('hub: error: '))!;
}

/** Writes `content` at `rel` under `dir`, creating directories. */
function put(dir: string, rel: string, content: string | Buffer): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), content);
}

const read = (dir: string, rel: string): string => readFileSync(join(dir, rel), 'utf8');
const rev = (dir: string, name: string): string => git(dir, 'rev-parse', name).trim();
const short = (oid: string): string => oid.slice(0, 7);

/** A new, empty hub repository. */
async function newRepo(): Promise<string> {
  const dir = realpathSync(tmpDir('hub-repo-'));
  await hub(dir, 'init', '-q');
  return dir;
}

/** Stages everything and commits it; returns the new commit id. */
async function commitAll(dir: string, message: string): Promise<string> {
  await hub(dir, 'add', '-A', '-q');
  return (await hubJson(dir, 'commit', '-m', message)).commit as string;
}

/** The bytes of one synthetic 2 MiB safetensors model, and a copy with some tensor bytes changed. */
let model: Buffer;
let tuned: Buffer;
beforeAll(() => {
  const path = join(tmpDir('hub-model-'), 'model.safetensors');
  makeModel(path, '2MiB', 7);
  model = readFileSync(path);
  tuned = Buffer.from(model);
  for (let i = tuned.length - 4096; i < tuned.length; i++) tuned[i] ^= 0xff;
});

describe('hub init', () => {
  it('creates a git repository on main that git reads, and says so; again, it reinitialises', async () => {
    const parent = realpathSync(tmpDir());
    const dir = join(parent, 'proj');
    const r = await hub(parent, 'init', 'proj');
    expect(r.stdout).toMatch(/Initialized empty hub repository/);
    expect(r.stdout).toContain(dir);
    expect(git(dir, 'rev-parse', '--is-inside-work-tree').trim()).toBe('true');
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expect(git(dir, 'config', 'core.filemode').trim()).toBe('true');
    expect(git(dir, 'config', 'core.symlinks').trim()).toBe('true');
    expect(git(dir, 'config', 'hub.version').trim()).not.toBe('');

    expect(await hubJson(dir, 'init')).toEqual({ path: dir, reinitialized: true, branch: 'main' });
    expect((await hub(dir, 'init')).stdout).toMatch(/Reinitialized existing hub repository in .*proj/);
    const fresh = realpathSync(tmpDir());
    expect(await hubJson(fresh, 'init')).toEqual({ path: fresh, reinitialized: false, branch: 'main' });
  });
});

describe('hub track / untrack', () => {
  it('writes the git-lfs line, lists patterns, and untrack removes them', async () => {
    const dir = await newRepo();
    const t = await hub(dir, 'track', '*.safetensors');
    expect(t.stdout).toContain('*.safetensors');
    expect(read(dir, '.gitattributes')).toBe(`*.safetensors ${LFS_LINE}\n`);
    expect(git(dir, 'check-attr', 'filter', '--', 'm.safetensors')).toBe('m.safetensors: filter: lfs\n');

    expect(await hubJson(dir, 'track', '*.bin', '*.safetensors')).toEqual({ patterns: ['*.safetensors', '*.bin'], added: ['*.bin'] });
    expect((await hub(dir, 'track', '*.bin')).stdout).toMatch(/already tracked/);
    const [list, listJson] = await Promise.all([hub(dir, 'track'), hubJson(dir, 'track')]);
    expect(list.stdout).toContain('*.safetensors');
    expect(list.stdout).toContain('*.bin');
    expect(listJson).toEqual({ patterns: ['*.safetensors', '*.bin'] });

    const u = await hub(dir, 'untrack', '*.bin');
    expect(u.stdout).toMatch(/untrack/i);
    expect(u.stdout).toContain('*.bin');
    expect(await hubJson(dir, 'untrack', '*.safetensors')).toEqual({ patterns: [], removed: ['*.safetensors'] });
    expect(read(dir, '.gitattributes')).not.toContain('filter=lfs');
    expect(git(dir, 'check-attr', 'filter', '--', 'm.safetensors')).toBe('m.safetensors: filter: unspecified\n');
    expect((await hub(dir, 'track')).stdout).toMatch(/no tracked patterns/);

    expect(await fails(dir, ['untrack', '*.nope'], 3)).toContain('*.nope');
  });
});

describe('hub add', () => {
  it('stages named files and whole directories as the blobs git would write', async () => {
    const dir = await newRepo();
    put(dir, 'a.txt', 'alpha\n');
    put(dir, 'd/b.txt', 'beta\n');
    put(dir, 'd/e/c.txt', 'gamma\n');
    put(dir, 'other.txt', 'not yet\n');
    const j = await hubJson(dir, 'add', 'a.txt', 'd');
    expect([...j.added].sort((x: any, y: any) => (x.path < y.path ? -1 : 1))).toEqual([
      { path: 'a.txt', large: false, blob: blobId('alpha\n'), size: 6 },
      { path: 'd/b.txt', large: false, blob: blobId('beta\n'), size: 5 },
      { path: 'd/e/c.txt', large: false, blob: blobId('gamma\n'), size: 6 },
    ]);
    expect(j.removed).toEqual([]);
    expect(j.trackedBySize).toEqual([]);
    expect(lines(git(dir, 'ls-files', '-s'))).toEqual([
      `100644 ${blobId('alpha\n')} 0\ta.txt`,
      `100644 ${blobId('beta\n')} 0\td/b.txt`,
      `100644 ${blobId('gamma\n')} 0\td/e/c.txt`,
    ]);

    const h = await hub(dir, 'add', 'other.txt');
    expect(h.stdout).toMatch(/add other\.txt/);
    // nothing changed: nothing reported
    expect(await hubJson(dir, 'add', 'a.txt', 'd', 'other.txt')).toEqual({ added: [], removed: [], trackedBySize: [] });

    expect(await fails(dir, ['add', 'missing.txt'], 3)).toContain('missing.txt');
    expect(await fails(dir, ['add', 'd/nothing-here'], 3)).toContain('d/nothing-here');
    await fails(dir, ['add'], 2);
  });

  it('-A stages new, modified and deleted files, not ignored ones', async () => {
    const dir = await newRepo();
    put(dir, '.gitignore', '*.log\n');
    put(dir, 'keep.txt', 'same\n');
    put(dir, 'mod.txt', 'v1\n');
    put(dir, 'gone.txt', 'bye\n');
    await commitAll(dir, 'base');
    put(dir, 'mod.txt', 'v2\n');
    rmSync(join(dir, 'gone.txt'));
    put(dir, 'sub/new.txt', 'new\n');
    put(dir, 'sub/debug.log', 'noise\n');
    const j = await hubJson(dir, 'add', '-A');
    expect(j.added.map((f: any) => f.path).sort()).toEqual(['mod.txt', 'sub/new.txt']);
    expect(j.removed).toEqual(['gone.txt']);
    expect(lines(git(dir, 'diff', '--cached', '--name-status'))).toEqual(['D\tgone.txt', 'M\tmod.txt', 'A\tsub/new.txt']);
    expect(await fails(dir, ['add', 'sub/debug.log'], 2)).toContain('sub/debug.log');

    put(dir, 'keep.txt', 'changed\n');
    rmSync(join(dir, 'mod.txt'));
    const h = await hub(dir, 'add', '-A');
    expect(h.stdout).toMatch(/add keep\.txt/);
    expect(h.stdout).toMatch(/remove mod\.txt/);
  });

  it('stores a tracked model and stages its LFS pointer', async () => {
    const dir = await newRepo();
    await hub(dir, 'track', '*.safetensors');
    put(dir, 'model.safetensors', model);
    const h = await hub(dir, 'add', 'model.safetensors');
    expect(h.stdout).toMatch(/model\.safetensors.*large/);
    expect(git(dir, 'cat-file', '-p', ':model.safetensors')).toBe(pointerText(model));

    put(dir, 'model.safetensors', tuned);
    const j = await hubJson(dir, 'add', 'model.safetensors');
    expect(j).toEqual({
      added: [{ path: 'model.safetensors', large: true, blob: blobId(pointerText(tuned)), size: tuned.length, oid: sha256(tuned) }],
      removed: [],
      trackedBySize: [],
    });
    expect(git(dir, 'cat-file', '-p', ':model.safetensors')).toBe(pointerText(tuned));
  });

  it('a file of at least hub.largeFileThreshold gets its own .gitattributes line and is stored as a pointer', async () => {
    const dir = await newRepo();
    git(dir, 'config', 'hub.largeFileThreshold', '1000');
    const big = Buffer.alloc(3000, 7);
    put(dir, 'big.bin', big);
    put(dir, 'edge.bin', Buffer.alloc(1000, 1)); // exactly the threshold: large
    put(dir, 'small.txt', 'x'.repeat(999)); // one byte under: small
    const h = await hub(dir, 'add', 'big.bin', 'edge.bin', 'small.txt');
    expect(h.stdout).toMatch(/big\.bin.*large/);
    expect(h.stdout).toMatch(/edge\.bin.*large/);
    expect(h.stdout).not.toMatch(/small\.txt.*large/);
    expect(lines(read(dir, '.gitattributes')).sort()).toEqual([`big.bin ${LFS_LINE}`, `edge.bin ${LFS_LINE}`]);
    expect(git(dir, 'check-attr', 'filter', '--', 'big.bin', 'edge.bin', 'small.txt')).toBe('big.bin: filter: lfs\nedge.bin: filter: lfs\nsmall.txt: filter: unspecified\n');
    expect(lines(git(dir, 'ls-files'))).toEqual(['.gitattributes', 'big.bin', 'edge.bin', 'small.txt']);
    expect(git(dir, 'cat-file', '-p', ':big.bin')).toBe(pointerText(big));
    expect(git(dir, 'cat-file', '-p', ':edge.bin')).toBe(pointerText(Buffer.alloc(1000, 1)));
    expect(git(dir, 'cat-file', '-p', ':small.txt')).toBe('x'.repeat(999));

    const big2 = Buffer.alloc(2000, 9);
    put(dir, 'w/big2.bin', big2);
    const j = await hubJson(dir, 'add', 'w');
    expect(j.trackedBySize).toEqual(['w/big2.bin']);
    const byPath = new Map(j.added.map((f: any) => [f.path, f]));
    expect(byPath.get('w/big2.bin')).toEqual({ path: 'w/big2.bin', large: true, blob: blobId(pointerText(big2)), size: 2000, oid: sha256(big2) });
    expect(byPath.has('.gitattributes')).toBe(true);
    expect(lines(read(dir, '.gitattributes')).sort()).toEqual([`big.bin ${LFS_LINE}`, `edge.bin ${LFS_LINE}`, `w/big2.bin ${LFS_LINE}`]);

    await hub(dir, 'commit', '-m', 'big files');
    expect(gitLfs(dir, 'status', '--porcelain')).toBe('');
  });

  // fixed hub bug: the size-based .gitattributes line is the raw path, so glob characters in a file
  // name make a pattern that does not match the file; hub then stages the file as an ordinary
  // blob although it reports it in trackedBySize.
  it('a large file whose name holds glob characters is still stored as a pointer', async () => {
    const dir = await newRepo();
    git(dir, 'config', 'hub.largeFileThreshold', '1000');
    const big = Buffer.alloc(3000, 3);
    put(dir, 'w[1].bin', big);
    const j = await hubJson(dir, 'add', '-A');
    expect(j.trackedBySize).toEqual(['w[1].bin']);
    expect(j.added.find((f: any) => f.path === 'w[1].bin')?.large).toBe(true);
    expect(git(dir, 'check-attr', 'filter', '--', 'w[1].bin')).toBe('w[1].bin: filter: lfs\n');
    expect(git(dir, 'cat-file', '-p', ':w[1].bin')).toBe(pointerText(big));
  });
});

describe('hub rm', () => {
  it('removes tracked files; --cached keeps the working copy; -r takes a directory', async () => {
    const dir = await newRepo();
    for (const p of ['a.txt', 'b.txt', 'd/x.txt', 'd/y/z.txt']) put(dir, p, `${p}\n`);
    await commitAll(dir, 'base');

    const h = await hub(dir, 'rm', 'a.txt');
    expect(h.stdout).toContain('a.txt');
    expect(existsSync(join(dir, 'a.txt'))).toBe(false);

    expect(await hubJson(dir, 'rm', '--cached', 'b.txt')).toEqual({ removed: ['b.txt'], cached: true });
    expect(read(dir, 'b.txt')).toBe('b.txt\n');

    expect(await fails(dir, ['rm', 'd'], 2)).toContain('-r');
    expect(existsSync(join(dir, 'd/x.txt'))).toBe(true);
    expect(await hubJson(dir, 'rm', '-r', 'd')).toEqual({ removed: ['d/x.txt', 'd/y/z.txt'], cached: false });
    expect(existsSync(join(dir, 'd'))).toBe(false);

    expect(await fails(dir, ['rm', 'nope.txt'], 3)).toContain('nope.txt');

    const st = await hubJson(dir, 'status');
    expect(st.staged).toEqual(['a.txt', 'b.txt', 'd/x.txt', 'd/y/z.txt'].map((path) => ({ path, change: 'deleted', large: false })));
    expect(st.untracked).toEqual(['b.txt']);
    expect(lines(git(dir, 'status', '--porcelain'))).toEqual(['D  a.txt', 'D  b.txt', 'D  d/x.txt', 'D  d/y/z.txt', '?? b.txt']);
  });
});

describe('hub rm: regressions', () => {
  // fixed hub bug: rm deletes a working file whose edits were never staged or committed, so they are
  // gone for good; git refuses ("has local modifications", use --cached or -f) and hub's own
  // checkout refuses to lose local changes with exit 7.
  it('refuses to delete a file with uncommitted edits', async () => {
    const dir = await newRepo();
    put(dir, 'notes.txt', 'v1\n');
    await commitAll(dir, 'base');
    put(dir, 'notes.txt', 'hours of unsaved work\n');
    const r = await runHub(['rm', 'notes.txt'], { cwd: dir, env: ID });
    expect(existsSync(join(dir, 'notes.txt')) ? read(dir, 'notes.txt') : '(deleted)').toBe('hours of unsaved work\n');
    expect(r.code).toBe(7);
    expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))).toEqual([expect.stringContaining('notes.txt')]);
    // --cached keeps the working copy, so nothing is lost: allowed
    expect(await hubJson(dir, 'rm', '--cached', 'notes.txt')).toEqual({ removed: ['notes.txt'], cached: true });
    expect(read(dir, 'notes.txt')).toBe('hours of unsaved work\n');
    // a staged edit is refused too; -f overrides
    put(dir, 'other.txt', 'o1\n');
    await commitAll(dir, 'other');
    put(dir, 'other.txt', 'o2 staged\n');
    await hub(dir, 'add', 'other.txt');
    expect((await runHub(['rm', 'other.txt'], { cwd: dir, env: ID })).code).toBe(7);
    expect(await hubJson(dir, 'rm', '-f', 'other.txt')).toEqual({ removed: ['other.txt'], cached: false });
    expect(existsSync(join(dir, 'other.txt'))).toBe(false);
  }, 60_000);

  // fixed hub bug: rm prunes the directories it emptied, the caller's working directory included; git
  // (since 2.35) keeps the current directory. The user's shell is left in a deleted directory.
  it('run from a subdirectory, rm keeps that directory', async () => {
    const dir = await newRepo();
    put(dir, 'e/f/g.txt', 'g\n');
    await commitAll(dir, 'base');
    expect((await hub(join(dir, 'e/f'), 'rm', 'g.txt')).stdout).toContain('e/f/g.txt');
    expect(existsSync(join(dir, 'e/f/g.txt'))).toBe(false);
    expect(existsSync(join(dir, 'e/f'))).toBe(true);
  });

  // fixed hub bug: a command started in a directory that no longer exists (see above) dies in
  // processRuntime's process.cwd() with a Node stack trace instead of one error line.
  it('from a deleted working directory, hub prints one error line, not a stack trace', () => {
    const dir = realpathSync(tmpDir('hub-gone-'));
    const gone = join(dir, 'gone');
    mkdirSync(gone);
    const r = spawnSync('sh', ['-c', 'cd "$1" && rmdir "$1" && exec "$2" "$3" status', 'sh', gone, process.execPath, hubBin], { env: hubEnv(ID), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('hub mv', () => {
  it('renames a file and moves one into a directory, in the tree and the index', async () => {
    const dir = await newRepo();
    put(dir, 'a.txt', 'payload\n');
    put(dir, 'sub/keep.txt', 'keep\n');
    await commitAll(dir, 'base');

    const h = await hub(dir, 'mv', 'a.txt', 'b.txt');
    expect(h.stdout).toContain('a.txt');
    expect(h.stdout).toContain('b.txt');
    expect(existsSync(join(dir, 'a.txt'))).toBe(false);
    expect(read(dir, 'b.txt')).toBe('payload\n');

    expect(await hubJson(dir, 'mv', 'b.txt', 'sub')).toEqual({ moved: [{ from: 'b.txt', to: 'sub/b.txt' }] });
    expect(read(dir, 'sub/b.txt')).toBe('payload\n');
    expect(lines(git(dir, 'ls-files'))).toEqual(['sub/b.txt', 'sub/keep.txt']);
    const st = await hubJson(dir, 'status');
    expect(st.staged).toEqual([
      { path: 'a.txt', change: 'deleted', large: false },
      { path: 'sub/b.txt', change: 'added', large: false },
    ]);
    expect(st.unstaged).toEqual([]);
    expect(st.untracked).toEqual([]);

    expect(await fails(dir, ['mv', 'nope.txt', 'x.txt'], 3)).toContain('nope.txt');
    expect(await fails(dir, ['mv', 'sub/b.txt', 'sub/keep.txt'], 7)).toContain('sub/keep.txt');

    await hub(dir, 'commit', '-m', 'moved');
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });
});

describe('hub commit', () => {
  it('-m records the index as a commit git shows, with a clean git status, large files as pointers', async () => {
    const dir = await newRepo();
    await hub(dir, 'track', '*.safetensors');
    put(dir, 'model.safetensors', model);
    put(dir, 'config.json', '{"layers":2}\n');
    put(dir, 'old.txt', 'old\n');
    await hub(dir, 'add', '-A', '-q');
    const h = await hub(dir, 'commit', '-m', 'first');
    const first = rev(dir, 'HEAD');
    expect(h.stdout).toContain('main');
    expect(h.stdout).toContain('root-commit');
    expect(h.stdout).toContain(short(first));
    expect(h.stdout).toContain('first');
    expect(h.stdout).toMatch(/4 added/);
    expect(git(dir, 'log', '--oneline', '--no-decorate')).toBe(`${short(first)} first\n`);
    expect(gitLfs(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'show', 'HEAD:model.safetensors')).toBe(pointerText(model));
    expect(git(dir, 'show', 'HEAD:config.json')).toBe('{"layers":2}\n');

    put(dir, 'model.safetensors', tuned);
    rmSync(join(dir, 'old.txt'));
    put(dir, 'new.txt', 'new\n');
    await hub(dir, 'add', '-A', '-q');
    const j = await hubJson(dir, 'commit', '-m', 'second\n\nwith a body');
    expect(j).toEqual({
      commit: rev(dir, 'HEAD'),
      tree: rev(dir, 'HEAD^{tree}'),
      branch: 'main',
      parents: [first],
      message: 'second\n\nwith a body',
      files: { added: 1, modified: 1, deleted: 1 },
    });
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%B')).toBe('Test Author <author@example.com>|Test Committer <committer@example.com>|second\n\nwith a body\n\n');
    expect(gitLfs(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'show', 'HEAD:model.safetensors')).toBe(pointerText(tuned));
    expect(git(dir, 'fsck', '--strict', '--no-progress')).toBe('');
  });

  it('--author sets the author and keeps the committer', async () => {
    const dir = await newRepo();
    put(dir, 'a.txt', 'a\n');
    await hub(dir, 'add', 'a.txt');
    const j = await hubJson(dir, 'commit', '-m', 'by ann', '--author', 'Ann <ann@example.com>');
    expect(j.commit).toBe(rev(dir, 'HEAD'));
    expect(j.parents).toEqual([]);
    expect(git(dir, 'log', '-1', '--format=%an|%ae|%cn|%ce|%s')).toBe('Ann|ann@example.com|Test Committer|committer@example.com|by ann\n');
    expect(git(dir, 'status', '--porcelain')).toBe('');

    put(dir, 'b.txt', 'b\n');
    await hub(dir, 'add', 'b.txt');
    expect(await fails(dir, ['commit', '-m', 'x', '--author', 'no email here'], 2)).toContain('--author');
    expect(lines(git(dir, 'log', '--format=%s'))).toEqual(['by ann']);
  });

  it('refuses to commit nothing (1), without -m (2) and without an identity (2)', async () => {
    const dir = await newRepo();
    expect(await fails(dir, ['commit', '-m', 'empty'], 1)).toMatch(/nothing to commit/);
    put(dir, 'a.txt', 'a\n');
    await hub(dir, 'add', 'a.txt');
    expect(await fails(dir, ['commit'], 2)).toMatch(/-m|message/);

    const emptyHome = tmpDir('hub-home-empty-');
    const anonymous = { GIT_AUTHOR_NAME: undefined, GIT_AUTHOR_EMAIL: undefined, GIT_COMMITTER_NAME: undefined, GIT_COMMITTER_EMAIL: undefined, HOME: emptyHome, XDG_CONFIG_HOME: undefined, EMAIL: undefined };
    expect(await fails(dir, ['commit', '-m', 'who'], 2, anonymous)).toMatch(/author|identity|who/i);
    expect(existsSync(join(dir, '.git/refs/heads/main'))).toBe(false);

    await hub(dir, 'commit', '-m', 'first');
    expect(await fails(dir, ['commit', '-m', 'again'], 1)).toMatch(/nothing to commit/);
    expect(lines(git(dir, 'log', '--format=%s'))).toEqual(['first']);
  });
});

describe('hub status', () => {
  it('reports an empty repository (where log is exit 3), then a clean one', async () => {
    const dir = await newRepo();
    expect(await fails(dir, ['log'], 3)).toMatch(/no commits/i);
    const h = await hub(dir, 'status');
    expect(h.stdout).toContain('On branch main');
    expect(h.stdout).toMatch(/No commits yet/);
    expect(await hubJson(dir, 'status')).toEqual({
      branch: 'main',
      upstream: null,
      head: null,
      detached: false,
      staged: [],
      unstaged: [],
      untracked: [],
      untrackedShort: [],
      unmerged: [],
      notFetched: [],
      checkoutInProgress: null,
      clean: true,
    });
    put(dir, 'a.txt', 'a\n');
    const head = await commitAll(dir, 'one');
    expect((await hub(dir, 'status')).stdout).toMatch(/nothing to commit, working tree clean/);
    const j = await hubJson(dir, 'status');
    expect(j.head).toBe(head);
    expect(j.clean).toBe(true);
  });

  it('separates staged, unstaged and untracked changes and marks large files', async () => {
    const dir = await newRepo();
    await hub(dir, 'track', '*.safetensors');
    put(dir, 'a.txt', 'a\n');
    put(dir, 'b.txt', 'b\n');
    put(dir, 'model.safetensors', model);
    const head = await commitAll(dir, 'base');

    put(dir, 'a.txt', 'a changed\n'); // unstaged modification
    rmSync(join(dir, 'b.txt')); // unstaged deletion
    put(dir, 'c.txt', 'c\n'); // staged addition
    put(dir, 'model.safetensors', tuned); // staged modification of a large file
    await hub(dir, 'add', 'c.txt', 'model.safetensors');
    put(dir, 'u.txt', 'u\n'); // untracked

    const j = await hubJson(dir, 'status');
    expect(j).toEqual({
      branch: 'main',
      head,
      detached: false,
      staged: [
        { path: 'c.txt', change: 'added', large: false },
        { path: 'model.safetensors', change: 'modified', large: true },
      ],
      unstaged: [
        { path: 'a.txt', change: 'modified', large: false },
        { path: 'b.txt', change: 'deleted', large: false },
      ],
      untracked: ['u.txt'],
      untrackedShort: ['u.txt'],
      upstream: null,
      unmerged: [],
      notFetched: [],
      checkoutInProgress: null,
      clean: false,
    });
    const out = (await hub(dir, 'status')).stdout;
    const staged = out.indexOf('Changes to be committed');
    const unstaged = out.indexOf('Changes not staged');
    const untracked = out.indexOf('Untracked files');
    expect(staged).toBeGreaterThan(-1);
    expect(unstaged).toBeGreaterThan(staged);
    expect(untracked).toBeGreaterThan(unstaged);
    expect(out.slice(staged, unstaged)).toMatch(/new file:\s+c\.txt/);
    expect(out.slice(staged, unstaged)).toMatch(/modified:\s+model\.safetensors \(large\)/);
    expect(out.slice(unstaged, untracked)).toMatch(/modified:\s+a\.txt/);
    expect(out.slice(unstaged, untracked)).toMatch(/deleted:\s+b\.txt/);
    expect(out.slice(untracked)).toContain('u.txt');

    // git, with git-lfs, reads hub's index the same way
    expect(lines(gitLfs(dir, 'status', '--porcelain'))).toEqual([' M a.txt', ' D b.txt', 'A  c.txt', 'M  model.safetensors', '?? u.txt']);
  });
});

describe('hub log and hub show', () => {
  let dir: string;
  let c1: string;
  let c2: string;
  let c3: string;
  beforeAll(async () => {
    dir = realpathSync(tmpDir('hub-log-'));
    await hub(dir, 'init', '-q');
    await hub(dir, 'track', '*.safetensors');
    put(dir, 'a.txt', 'a\n');
    put(dir, 'model.safetensors', model);
    c1 = await commitAll(dir, 'add weights');
    put(dir, 'model.safetensors', tuned);
    c2 = await commitAll(dir, 'fine-tune\n\nten percent of the tensors');
    put(dir, 'README.md', '# model\n');
    rmSync(join(dir, 'a.txt'));
    c3 = await commitAll(dir, 'docs');
    await hub(dir, 'tag', 'v1', c1);
  });

  it('lists commits newest first with author, date and message', async () => {
    expect(lines(git(dir, 'rev-list', 'HEAD'))).toEqual([c3, c2, c1]);
    const [human, oneline, json] = await Promise.all([hub(dir, 'log'), hub(dir, 'log', '--oneline'), hubJson(dir, 'log')]);
    expect([...human.stdout.matchAll(/^commit ([0-9a-f]{40})(?: \(.*\))?$/gm)].map((m) => m[1])).toEqual([c3, c2, c1]);
    expect(human.stdout).toContain('Author: Test Author <author@example.com>');
    expect(human.stdout).toContain('ten percent of the tensors');
    expect(lines(oneline.stdout)).toEqual(lines(git(dir, 'log', '--oneline', '--decorate')));

    expect(json.commits).toHaveLength(3);
    const [e3, e2, e1] = json.commits;
    expect(e2).toEqual({
      commit: c2,
      parents: [c1],
      author: { name: 'Test Author', email: 'author@example.com', date: git(dir, 'log', '-1', '--format=%aI', c2).trim(), gitDate: git(dir, 'log', '-1', '--format=%ad', c2).trim() },
      committer: { name: 'Test Committer', email: 'committer@example.com', date: git(dir, 'log', '-1', '--format=%cI', c2).trim(), gitDate: git(dir, 'log', '-1', '--format=%cd', c2).trim() },
      message: 'fine-tune\n\nten percent of the tensors',
    });
    expect(e3.parents).toEqual([c2]);
    expect(e1.parents).toEqual([]);
    expect(e1.message).toBe('add weights');
  });

  it('-n, --stat and a REV argument', async () => {
    const [n2, stat, fromRev, fromTag, statJson] = await Promise.all([
      hub(dir, 'log', '--oneline', '-n', '2'),
      hub(dir, 'log', '--stat'),
      hub(dir, 'log', '--oneline', 'HEAD~1'),
      hubJson(dir, 'log', 'v1'),
      hubJson(dir, 'log', '--stat', '-n', '1', `${short(c2)}`),
    ]);
    expect(lines(n2.stdout)).toEqual([`${short(c3)} (HEAD -> main) docs`, `${short(c2)} fine-tune`]);
    expect(lines(fromRev.stdout)).toEqual([`${short(c2)} fine-tune`, `${short(c1)} (tag: v1) add weights`]);
    expect(fromTag.commits.map((c: any) => c.commit)).toEqual([c1]);

    expect(stat.stdout).toMatch(/A\s+README\.md/);
    expect(stat.stdout).toMatch(/D\s+a\.txt/);
    expect(stat.stdout).toMatch(/M\s+model\.safetensors \(large, 2\.0 MiB\)/);
    expect(stat.stdout).toMatch(/A\s+model\.safetensors \(large, 2\.0 MiB\)/);

    expect(statJson.commits).toHaveLength(1);
    expect(statJson.commits[0].commit).toBe(c2);
    expect(statJson.commits[0].files).toEqual([
      { path: 'model.safetensors', change: 'modified', lfs: { before: { oid: sha256(model), size: model.length }, after: { oid: sha256(tuned), size: tuned.length } } },
    ]);
  });

  it('show prints one commit and the files it changed', async () => {
    const [head, json] = await Promise.all([hub(dir, 'show'), hubJson(dir, 'show', 'HEAD~2')]);
    expect(head.stdout).toContain(`commit ${c3}`);
    expect(head.stdout).toContain('docs');
    expect(head.stdout).toMatch(/A\s+README\.md/);
    expect(head.stdout).toMatch(/D\s+a\.txt/);
    expect(json).toEqual({
      commit: c1,
      parents: [],
      author: { name: 'Test Author', email: 'author@example.com', date: git(dir, 'log', '-1', '--format=%aI', c1).trim(), gitDate: git(dir, 'log', '-1', '--format=%ad', c1).trim() },
      committer: { name: 'Test Committer', email: 'committer@example.com', date: git(dir, 'log', '-1', '--format=%cI', c1).trim(), gitDate: git(dir, 'log', '-1', '--format=%cd', c1).trim() },
      message: 'add weights',
      files: [
        { path: '.gitattributes', change: 'added' },
        { path: 'a.txt', change: 'added' },
        { path: 'model.safetensors', change: 'added', lfs: { after: { oid: sha256(model), size: model.length } } },
      ],
    });
  });

  it('an unknown revision is exit 3, a bad -n is exit 2', async () => {
    const [log, show, n] = await Promise.all([fails(dir, ['log', 'nope'], 3), fails(dir, ['show', 'no-such-rev'], 3), fails(dir, ['log', '-n', 'lots'], 2)]);
    expect(log).toContain('nope');
    expect(show).toContain('no-such-rev');
    expect(n).toContain('lots');
  });
});

describe('hub checkout', () => {
  it('REV detaches HEAD and rewrites the tree (large files from the store); a branch name comes back; local changes stop it', async () => {
    const dir = await newRepo();
    await hub(dir, 'track', '*.safetensors');
    put(dir, 'a.txt', 'one\n');
    put(dir, 'model.safetensors', model);
    const c1 = await commitAll(dir, 'one');
    put(dir, 'a.txt', 'two\n');
    put(dir, 'model.safetensors', tuned);
    put(dir, 'sub/new.txt', 'new\n');
    const c2 = await commitAll(dir, 'two');

    const j = await hubJson(dir, 'checkout', short(c1));
    expect({ ...j, written: [...j.written].sort() }).toEqual({ commit: c1, branch: null, detached: true, written: ['a.txt', 'model.safetensors'], removed: ['sub/new.txt'] });
    expect(read(dir, 'a.txt')).toBe('one\n');
    expect(sha256(readFileSync(join(dir, 'model.safetensors')))).toBe(sha256(model));
    expect(existsSync(join(dir, 'sub'))).toBe(false);
    expect(rev(dir, 'HEAD')).toBe(c1);
    expect(gitLfs(dir, 'status', '--porcelain')).toBe('');
    expect(await hubJson(dir, 'status')).toMatchObject({ branch: null, head: c1, detached: true, clean: true });
    expect((await hub(dir, 'status')).stdout).toContain(`HEAD detached at ${short(c1)}`);

    const h = await hub(dir, 'checkout', 'main');
    expect(h.stdout).toContain("Switched to branch 'main'");
    expect(read(dir, 'a.txt')).toBe('two\n');
    expect(sha256(readFileSync(join(dir, 'model.safetensors')))).toBe(sha256(tuned));
    expect(read(dir, 'sub/new.txt')).toBe('new\n');
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expect(rev(dir, 'HEAD')).toBe(c2);
    expect(gitLfs(dir, 'status', '--porcelain')).toBe('');

    expect(await fails(dir, ['checkout', 'nope'], 3)).toContain('nope');

    // an edited file the target changes: refused, the path named, nothing touched
    put(dir, 'a.txt', 'my local edit\n');
    const e = await fails(dir, ['checkout', 'HEAD~1'], 7);
    expect(e).toContain('a.txt');
    expect(e).not.toContain('model.safetensors');
    expect(read(dir, 'a.txt')).toBe('my local edit\n');
    expect(read(dir, 'sub/new.txt')).toBe('new\n');
    expect(sha256(readFileSync(join(dir, 'model.safetensors')))).toBe(sha256(tuned));
    expect(rev(dir, 'HEAD')).toBe(c2);
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');

    // an untracked file where the target has one is a local change too
    await hub(dir, 'restore', 'a.txt');
    const back = await hub(dir, 'checkout', 'HEAD~1');
    expect(back.stdout).toContain(`HEAD is now at ${short(c1)}`);
    put(dir, 'sub/new.txt', 'untracked\n');
    const r = await runHub(['checkout', 'main', '--json'], { cwd: dir, env: ID });
    expect(r.code).toBe(7);
    expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))).toEqual([expect.stringContaining('sub/new.txt')]);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'dirty_tree', exitCode: 7, data: { paths: ['sub/new.txt'] } });
    expect(read(dir, 'sub/new.txt')).toBe('untracked\n');
    expect(rev(dir, 'HEAD')).toBe(c1);
  });
});

describe('hub switch', () => {
  it('-c creates a branch at HEAD and moves to it; BRANCH changes the tree; bad requests fail cleanly', async () => {
    const dir = await newRepo();
    put(dir, 'a.txt', 'a\n');
    const c1 = await commitAll(dir, 'one');

    expect(await hubJson(dir, 'switch', '-c', 'feature')).toEqual({ commit: c1, branch: 'feature', detached: false, written: [], removed: [] });
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/feature');
    expect(rev(dir, 'feature')).toBe(c1);
    put(dir, 'f.txt', 'feature work\n');
    const f1 = await commitAll(dir, 'feature work');
    expect(rev(dir, 'main')).toBe(c1);

    // an edit to a file both branches hold alike goes along, as in git
    put(dir, 'a.txt', 'edited on feature\n');
    const h = await hub(dir, 'switch', 'main');
    expect(h.stdout).toContain("Switched to branch 'main'");
    expect(existsSync(join(dir, 'f.txt'))).toBe(false);
    expect(read(dir, 'a.txt')).toBe('edited on feature\n');
    expect(lines(git(dir, 'status', '--porcelain'))).toEqual([' M a.txt']);
    await hub(dir, 'restore', 'a.txt');
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expect(git(dir, 'status', '--porcelain')).toBe('');

    expect(await hubJson(dir, 'switch', 'feature')).toEqual({ commit: f1, branch: 'feature', detached: false, written: ['f.txt'], removed: [] });
    expect(read(dir, 'f.txt')).toBe('feature work\n');
    expect(git(dir, 'status', '--porcelain')).toBe('');

    const created = await hub(dir, 'switch', '-c', 'next');
    expect(created.stdout).toContain("Switched to branch 'next'");
    expect(rev(dir, 'next')).toBe(f1);

    expect(await fails(dir, ['switch', 'nowhere'], 3)).toContain('nowhere');
    expect(await fails(dir, ['switch', '-c', 'main'], 7)).toContain('main');
    expect(await fails(dir, ['switch', '-c', 'bad..name'], 2)).toContain('bad..name');
    expect(lines(git(dir, 'branch', '--format=%(refname:short)'))).toEqual(['feature', 'main', 'next']);
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/next');
  });
});

describe('hub restore', () => {
  it('PATH puts back the indexed content (a deleted large file from the store); --staged unstages', async () => {
    const dir = await newRepo();
    await hub(dir, 'track', '*.safetensors');
    put(dir, 'a.txt', 'original\n');
    put(dir, 'model.safetensors', model);
    await commitAll(dir, 'base');

    put(dir, 'a.txt', 'scribbled\n');
    const h = await hub(dir, 'restore', 'a.txt');
    expect(h.stdout).toMatch(/restored a\.txt/);
    expect(read(dir, 'a.txt')).toBe('original\n');

    put(dir, 'a.txt', 'scribbled again\n');
    rmSync(join(dir, 'model.safetensors'));
    expect(await hubJson(dir, 'restore', 'a.txt', 'model.safetensors')).toEqual({ restored: ['a.txt', 'model.safetensors'], staged: false });
    expect(read(dir, 'a.txt')).toBe('original\n');
    expect(sha256(readFileSync(join(dir, 'model.safetensors')))).toBe(sha256(model));
    expect((await hubJson(dir, 'status')).clean).toBe(true);
    expect(gitLfs(dir, 'status', '--porcelain')).toBe('');
    expect(await fails(dir, ['restore', 'nope.txt'], 3)).toContain('nope.txt');

    // --staged: the index goes back to HEAD, the working copies stay
    put(dir, 'a.txt', 'edited\n');
    put(dir, 'c.txt', 'brand new\n');
    await hub(dir, 'add', 'a.txt', 'c.txt');
    expect(lines(gitLfs(dir, 'status', '--porcelain'))).toEqual(['M  a.txt', 'A  c.txt']);
    const u = await hub(dir, 'restore', '--staged', 'c.txt');
    expect(u.stdout).toMatch(/unstaged c\.txt/);
    expect(await hubJson(dir, 'restore', '--staged', 'a.txt')).toEqual({ restored: ['a.txt'], staged: true });
    expect(read(dir, 'a.txt')).toBe('edited\n');
    expect(read(dir, 'c.txt')).toBe('brand new\n');
    const st = await hubJson(dir, 'status');
    expect(st.staged).toEqual([]);
    expect(st.unstaged).toEqual([{ path: 'a.txt', change: 'modified', large: false }]);
    expect(st.untracked).toEqual(['c.txt']);
    expect(lines(gitLfs(dir, 'status', '--porcelain'))).toEqual([' M a.txt', '?? c.txt']);
    expect(await fails(dir, ['restore', '--staged', 'nope.txt'], 3)).toContain('nope.txt');
  });
});

describe('hub branch', () => {
  it('lists, creates (at HEAD or START) and deletes branches; refuses what git refuses', async () => {
    const dir = await newRepo();
    put(dir, 'a.txt', '1\n');
    const c1 = await commitAll(dir, 'one');
    put(dir, 'a.txt', '2\n');
    const c2 = await commitAll(dir, 'two');

    expect(lines((await hub(dir, 'branch')).stdout)).toEqual(['* main']);
    const created = await hub(dir, 'branch', 'feat');
    expect(created.stdout).toContain('feat');
    expect(created.stdout).toContain(short(c2));
    expect(rev(dir, 'feat')).toBe(c2);
    expect(await hubJson(dir, 'branch', 'old', 'HEAD~1')).toEqual({ created: 'old', commit: c1 });
    expect(rev(dir, 'old')).toBe(c1);

    const [list, listJson] = await Promise.all([hub(dir, 'branch'), hubJson(dir, 'branch')]);
    expect(lines(list.stdout)).toEqual(['  feat', '* main', '  old']);
    expect(listJson).toEqual({
      current: 'main',
      branches: [
        { name: 'feat', commit: c2, current: false },
        { name: 'main', commit: c2, current: true },
        { name: 'old', commit: c1, current: false },
      ],
    });

    // mutating commands take the repository lock, so these run one at a time
    expect(await fails(dir, ['branch', 'feat'], 7)).toContain('feat');
    expect(await fails(dir, ['branch', '-d', 'main'], 7)).toContain('main');
    expect(await fails(dir, ['branch', 'no spaces'], 2)).toContain('no spaces');
    expect(await fails(dir, ['branch', '-d', 'ghost'], 3)).toContain('ghost');
    const r = await runHub(['branch', 'feat', '--json'], { cwd: dir, env: ID });
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'branch_exists', exitCode: 7 });
    expect(lines(git(dir, 'branch', '--format=%(refname:short)'))).toEqual(['feat', 'main', 'old']);

    // merged into HEAD: -d deletes
    expect((await hub(dir, 'branch', '-d', 'feat')).stdout).toMatch(/Deleted branch feat/);
    expect(await hubJson(dir, 'branch', '-d', 'old')).toEqual({ deleted: 'old', commit: c1 });

    // not merged: -d refuses, -D deletes
    await hub(dir, 'switch', '-c', 'topic');
    put(dir, 't.txt', 'topic\n');
    const t1 = await commitAll(dir, 'topic work');
    await hub(dir, 'switch', 'main');
    expect(await fails(dir, ['branch', '-d', 'topic'], 7)).toContain('topic');
    expect(rev(dir, 'topic')).toBe(t1);
    expect(await hubJson(dir, 'branch', '-D', 'topic')).toEqual({ deleted: 'topic', commit: t1 });
    expect(lines(git(dir, 'branch', '--format=%(refname:short)'))).toEqual(['main']);
  });
});

describe('hub tag', () => {
  it('lists, creates (at HEAD or REV) and deletes tags; refuses what git refuses', async () => {
    const dir = await newRepo();
    put(dir, 'a.txt', '1\n');
    const c1 = await commitAll(dir, 'one');
    put(dir, 'a.txt', '2\n');
    const c2 = await commitAll(dir, 'two');

    const [empty, emptyJson] = await Promise.all([hub(dir, 'tag'), hubJson(dir, 'tag')]);
    expect(empty.stdout).toBe('');
    expect(emptyJson).toEqual({ tags: [] });

    const h = await hub(dir, 'tag', 'v1');
    expect(h.stdout).toContain('v1');
    expect(h.stdout).toContain(short(c2));
    expect(await hubJson(dir, 'tag', 'v0', 'HEAD~1')).toEqual({ created: 'v0', commit: c1 });
    expect(rev(dir, 'v0')).toBe(c1);
    expect(rev(dir, 'v1')).toBe(c2);
    expect(lines(git(dir, 'tag', '-l'))).toEqual(['v0', 'v1']);

    const [list, listJson] = await Promise.all([hub(dir, 'tag'), hubJson(dir, 'tag')]);
    expect(lines(list.stdout)).toEqual(['v0', 'v1']);
    expect(listJson).toEqual({ tags: [{ name: 'v0', commit: c1 }, { name: 'v1', commit: c2 }] });

    expect(await fails(dir, ['tag', 'v1', 'HEAD~1'], 7)).toContain('v1');
    expect(await fails(dir, ['tag', 'v..2'], 2)).toContain('v..2');
    expect(await fails(dir, ['tag', 'v3', 'nope'], 3)).toContain('nope');
    expect(await fails(dir, ['tag', '-d', 'v9'], 3)).toContain('v9');
    expect(rev(dir, 'v1')).toBe(c2);
    expect(lines(git(dir, 'tag', '-l'))).toEqual(['v0', 'v1']);

    expect((await hub(dir, 'tag', '-d', 'v0')).stdout).toMatch(/Deleted tag v0/);
    expect(await hubJson(dir, 'tag', '-d', 'v1')).toEqual({ deleted: 'v1', commit: c2 });
    expect(git(dir, 'tag', '-l')).toBe('');
  });
});

describe('outside a repository', () => {
  it('every repository command exits 3 with one error line', async () => {
    const dir = realpathSync(tmpDir('hub-norepo-'));
    put(dir, 'a.txt', 'a\n');
    const commands = [
      ['status'],
      ['track', '*.bin'],
      ['untrack', '*.bin'],
      ['add', 'a.txt'],
      ['add', '-A'],
      ['rm', 'a.txt'],
      ['mv', 'a.txt', 'b.txt'],
      ['commit', '-m', 'x'],
      ['log'],
      ['show'],
      ['checkout', 'main'],
      ['switch', 'main'],
      ['restore', 'a.txt'],
      ['branch'],
      ['tag'],
    ];
    for (let i = 0; i < commands.length; i += 5) {
      const errors = await Promise.all(commands.slice(i, i + 5).map((args) => fails(dir, args, 3)));
      for (const e of errors) expect(e).toMatch(/not a hub repository/);
    }
    expect(read(dir, 'a.txt')).toBe('a\n');
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });
});

describe('staged changes across checkout and switch', () => {
  it('are carried to a commit that leaves those paths as HEAD has them, as git does', async () => {
    const dir = await newRepo();
    put(dir, 'a.txt', 'a1\n');
    put(dir, 'b.txt', 'b1\n');
    await commitAll(dir, 'one');
    await hub(dir, 'branch', 'same');
    put(dir, 'b.txt', 'b2\n');
    const two = await commitAll(dir, 'two');
    put(dir, 'a.txt', 'a staged\n');
    await hub(dir, 'add', 'a.txt');

    // `same` differs from HEAD only in b.txt: the staged a.txt travels along
    const sw = await hubJson(dir, 'switch', 'same');
    expect(sw.written).toEqual(['b.txt']);
    expect(read(dir, 'b.txt')).toBe('b1\n');
    expect(read(dir, 'a.txt')).toBe('a staged\n');
    const st = await hubJson(dir, 'status');
    expect(st.staged).toEqual([{ path: 'a.txt', change: 'modified', large: false }]);
    expect(lines(git(dir, 'status', '--porcelain'))).toEqual(['M  a.txt']);

    // back on main (which has a1 for a.txt, as `same` does), the staged change still travels
    await hubJson(dir, 'switch', 'main');
    expect(rev(dir, 'HEAD')).toBe(two);
    expect(read(dir, 'b.txt')).toBe('b2\n');
    // a target that changes a.txt itself would lose the staged content: refused, nothing moved
    await hub(dir, 'switch', '-c', 'edit-a');
    await hub(dir, 'restore', '--staged', 'a.txt');
    await hub(dir, 'restore', 'a.txt');
    put(dir, 'a.txt', 'a on edit-a\n');
    await commitAll(dir, 'edit a');
    await hub(dir, 'switch', 'main');
    put(dir, 'a.txt', 'a staged again\n');
    await hub(dir, 'add', 'a.txt');
    expect(await fails(dir, ['switch', 'edit-a'], 7)).toContain('a.txt');
    expect(rev(dir, 'HEAD')).toBe(two);
    expect(read(dir, 'a.txt')).toBe('a staged again\n');
  });
});
