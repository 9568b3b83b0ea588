/**
 * The size the home and repository pages show (src/server/web/repo-size.ts): every file counted,
 * a Git LFS pointer at the size it names (two files with the same pointer counted twice), a
 * symlink and a small file that only looks like a pointer at their own size; against sizes the
 * test adds up from what it wrote.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pointerFor } from '../../../../src/formats/lfs-pointer.js';
import { BareRepo } from '../../../../src/server/git-read.js';
import { repoSize } from '../../../../src/server/web/repo-size.js';
import { git } from '../../../helpers/git-repo.js';
import { tmpDir } from '../../../helpers/tmp-dir.js';

describe('repoSize', () => {
  it('counts files, large files at the size their pointer names, and nothing else as large', async () => {
    const dir = tmpDir();
    git(dir, 'init', '-q', '-b', 'main');
    const files: Record<string, { bytes: string; real: number; large: boolean }> = {};
    const put = (path: string, bytes: string, real = Buffer.byteLength(bytes), large = false) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), bytes);
      files[path] = { bytes, real, large };
    };
    const oid = 'a'.repeat(64);
    put('model.safetensors', pointerFor(oid, 5_000_000_000), 5_000_000_000, true);
    put('copy/model.safetensors', pointerFor(oid, 5_000_000_000), 5_000_000_000, true);
    put('data/train.parquet', pointerFor('b'.repeat(64), 123_456), 123_456, true);
    put('fake.txt', `version https://git-lfs.github.com/spec/v1\noid sha256:${'c'.repeat(64)}\nsize not-a-number\n${'x'.repeat(60)}\n`);
    put('README.md', '# hello\n');
    put('big.txt', 'y'.repeat(5000));
    symlinkSync('model.safetensors', join(dir, 'link'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'files');
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    const listed = Object.values(files);
    expect(await repoSize(new BareRepo(join(dir, '.git')), commit)).toEqual({
      files: listed.length + 1,
      bytes: listed.reduce((n, f) => n + f.real, 0) + 'model.safetensors'.length,
      largeFiles: listed.filter((f) => f.large).length,
    });
  });
});
