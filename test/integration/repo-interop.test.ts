import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/hash/sha256.js';
import { git } from '../helpers/git-repo.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

async function hub(args: string[], cwd: string) {
  const r = await runHub(args, { cwd, env: ID });
  expect(r.code, `hub ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

describe('git and git-lfs read what hub writes', () => {
  it('init, track, add -A, commit: git log, git fsck --strict, git status, git lfs ls-files and pointers agree', async () => {
    const dir = tmpDir();
    await hub(['init'], dir);
    git(dir, 'lfs', 'install', '--local');
    await hub(['track', '*.safetensors'], dir);
    mkdirSync(join(dir, 'weights'));
    makeModel(join(dir, 'model.safetensors'), '4MiB', 1);
    makeModel(join(dir, 'weights', 'adapter.safetensors'), '1MiB', 2);
    writeFileSync(join(dir, 'config.json'), '{"hidden": 64}\n');
    writeFileSync(join(dir, 'README.md'), '# tiny model\n');
    await hub(['add', '-A'], dir);
    const c = await runHubJson(['commit', '-m', 'first revision'], { cwd: dir, env: ID });

    expect(git(dir, 'log', '--format=%H %s')).toBe(`${c.commit} first revision\n`);
    git(dir, 'fsck', '--strict'); // throws on any problem
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const lfsFiles = git(dir, 'lfs', 'ls-files', '--name-only').trim().split('\n').sort();
    expect(lfsFiles).toEqual(['model.safetensors', 'weights/adapter.safetensors']);
    for (const f of lfsFiles) {
      const expected = execFileSync('git', ['lfs', 'pointer', `--file=${f}`], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(git(dir, 'cat-file', '-p', `HEAD:${f}`)).toBe(expected);
    }
    // small files are plain blobs
    expect(git(dir, 'cat-file', '-p', 'HEAD:config.json')).toBe('{"hidden": 64}\n');
  });

  it('hub reads a repository made with git + git-lfs: log, clean status, checkout of an older commit', async () => {
    const dir = tmpDir();
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'lfs', 'install', '--local');
    git(dir, 'lfs', 'track', '*.bin');
    makeModel(join(dir, 'w.bin'), '2MiB', 3);
    writeFileSync(join(dir, 'notes.txt'), 'v1\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'v1');
    const v1 = { w: sha256Hex(readFileSync(join(dir, 'w.bin'))), notes: 'v1\n' };
    mutateModel(join(dir, 'w.bin'), join(dir, 'w2.bin'), 0.5, 4);
    execFileSync('mv', [join(dir, 'w2.bin'), join(dir, 'w.bin')]);
    writeFileSync(join(dir, 'notes.txt'), 'v2\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'v2');
    const v2w = sha256Hex(readFileSync(join(dir, 'w.bin')));

    const log = await runHubJson(['log'], { cwd: dir });
    expect(log.commits.map((x: { message: string }) => x.message)).toEqual(['v2', 'v1']);
    const st = await runHubJson(['status'], { cwd: dir });
    expect(st).toMatchObject({ clean: true, branch: 'main', staged: [], unstaged: [], untracked: [] });

    await hub(['checkout', log.commits[1].commit], dir);
    expect(sha256Hex(readFileSync(join(dir, 'w.bin')))).toBe(v1.w);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe(v1.notes);
    expect((await runHubJson(['status'], { cwd: dir })).clean).toBe(true);
    expect(git(dir, 'status', '--porcelain')).toBe('');

    await hub(['checkout', 'main'], dir);
    expect(sha256Hex(readFileSync(join(dir, 'w.bin')))).toBe(v2w);
    expect((await runHubJson(['status'], { cwd: dir })).clean).toBe(true);
    // the LFS objects were imported into hub's store on first use
    const du = await runHubJson(['du'], { cwd: dir });
    expect(du.files).toBeGreaterThanOrEqual(1);
  });
});
