// replaceReleasingOld: the new file takes the old one's place at once; a large old file is moved
// aside and removed in the background (nothing of it is left once the detached rm ran); a small
// one is simply replaced; a failed replacement puts the old file back.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RELEASE_IN_BACKGROUND_BYTES, replaceReleasingOld } from '../../../src/fs/release-old.js';
import { tmpDir as makeTmpDir } from '../../helpers/tmp-dir.js';

async function until(cond: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (cond()) return true;
  return cond();
}

describe('replaceReleasingOld', () => {
  it('replaces a large file at once and removes the old one in the background', async () => {
    const dir = makeTmpDir();
    const tmpDir = join(dir, 'tmp');
    mkdirSync(tmpDir);
    const path = join(dir, 'model.bin');
    writeFileSync(path, 'old');
    truncateSync(path, RELEASE_IN_BACKGROUND_BYTES); // sparse: large without writing it
    const inode = statSync(path).ino;
    writeFileSync(join(dir, 'new'), 'new content');
    replaceReleasingOld(join(dir, 'new'), path, tmpDir);
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(statSync(path).ino).not.toBe(inode);
    expect(await until(() => readdirSync(tmpDir).length === 0), 'the old file was removed').toBe(true);
  });

  it('replaces a small file directly, and puts a large one back when the replacement fails', () => {
    const dir = makeTmpDir();
    const tmpDir = join(dir, 'tmp');
    mkdirSync(tmpDir);
    const small = join(dir, 'small.txt');
    writeFileSync(small, 'a');
    writeFileSync(join(dir, 'new'), 'b');
    replaceReleasingOld(join(dir, 'new'), small, tmpDir);
    expect(readFileSync(small, 'utf8')).toBe('b');
    expect(readdirSync(tmpDir)).toEqual([]);

    const large = join(dir, 'large.bin');
    writeFileSync(large, '');
    truncateSync(large, RELEASE_IN_BACKGROUND_BYTES);
    expect(() => replaceReleasingOld(join(dir, 'no-such-file'), large, tmpDir)).toThrow();
    expect(existsSync(large) && statSync(large).size).toBe(RELEASE_IN_BACKGROUND_BYTES);
    expect(readdirSync(tmpDir)).toEqual([]);
  });
});
