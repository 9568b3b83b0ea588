// Where `hub upload` puts local files in the repository (hf upload's rules), checked before any request.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFiles } from '../../../../src/core/sync/upload.js';
import { HubError } from '../../../../src/errors.js';
import { tmpDir } from '../../../helpers/tmp-dir.js';

/** A folder from path -> content. */
function tree(files: Record<string, string>): string {
  const dir = tmpDir();
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const paths = (dir: string, args: string[], inRepo?: string) => localFiles(dir, args, inRepo).map((f) => f.path);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as HubError).exitCode;
  }
  return 0;
};

describe('hub upload: repository paths', () => {
  it("a file lands at its base name; a folder's files at their paths inside it, sorted, skipping .git and hub/hf caches", () => {
    const dir = tree({ 'm/a.txt': 'a', 'm/sub/b.txt': 'b', 'm/.git/config': 'x', 'm/.cache/hub/download/a.txt.json': '{}', 'm/.cache/huggingface/x': 'x', 'm/.cache/other': 'kept', 'm/sub/.git/HEAD': 'x', 'm/wt/.git': 'gitdir: elsewhere', 'c.json': '{}' });
    expect(paths(dir, ['m'])).toEqual(['.cache/other', 'a.txt', 'sub/b.txt']);
    expect(paths(dir, ['c.json'])).toEqual(['c.json']);
    expect(paths(dir, ['m/sub/b.txt', 'c.json'])).toEqual(['b.txt', 'c.json']);
    expect(localFiles(dir, ['c.json'])[0]).toMatchObject({ file: join(dir, 'c.json'), size: 2 });
  });

  it('--path-in-repo: the folder for several PATHs or a folder, the whole path of a single file (unless it ends with /)', () => {
    const dir = tree({ 'm/a.txt': 'a', 'c.json': '{}', 'd.json': '{}' });
    expect(paths(dir, ['m'], 'weights/v1')).toEqual(['weights/v1/a.txt']);
    expect(paths(dir, ['c.json'], 'conf/config.json')).toEqual(['conf/config.json']);
    expect(paths(dir, ['c.json'], 'conf/')).toEqual(['conf/c.json']);
    expect(paths(dir, ['c.json', 'd.json'], 'conf')).toEqual(['conf/c.json', 'conf/d.json']);
    expect(paths(dir, ['m'], '.')).toEqual(['a.txt']);
  });

  it('symlinks to files are followed, symlinked folders are not', () => {
    const dir = tree({ 'm/a.txt': 'a', 'elsewhere/b.txt': 'b' });
    symlinkSync(join(dir, 'elsewhere/b.txt'), join(dir, 'm/link.txt'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'm/linked-dir'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'm/dangling'));
    expect(paths(dir, ['m'])).toEqual(['a.txt', 'link.txt']);
  });

  it('bad input: nothing named (2), a missing PATH (3), two files for one path (2), an empty folder (2)', () => {
    const dir = tree({ 'x/a.txt': 'a', 'y/a.txt': 'a' });
    mkdirSync(join(dir, 'empty'));
    expect(code(() => localFiles(dir, [], undefined))).toBe(2);
    expect(code(() => localFiles(dir, ['nope.bin'], undefined))).toBe(3);
    expect(code(() => localFiles(dir, ['x', 'y'], undefined))).toBe(2);
    expect(code(() => localFiles(dir, ['empty'], undefined))).toBe(2);
  });
});
