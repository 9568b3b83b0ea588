import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTmpFiles, symlinkAtomic, TMP_SUFFIX, tmpPathFor, writeFileAtomic } from '../../../src/fs/atomic-file.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(TMP_SUFFIX) || n.endsWith('.lock'));
const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe('writeFileAtomic', () => {
  const umask = process.umask();
  afterEach(() => void process.umask(umask));

  it('writes the whole content, replaces an existing file, and leaves no temporary file', () => {
    const dir = tmpDir();
    const path = join(dir, 'sub', 'ref');
    writeFileAtomic(path, 'old\n');
    const big = Buffer.alloc(3 << 20, 7); // several writes' worth
    big[big.length - 1] = 9;
    writeFileAtomic(path, big);
    expect(readFileSync(path).equals(big)).toBe(true);
    expect(leftovers(join(dir, 'sub'))).toEqual([]);
    writeFileAtomic(path, 'small', { durable: false });
    expect(readFileSync(path, 'utf8')).toBe('small');
  });

  it('removes its temporary file when the rename fails, and leaves the destination as it was', () => {
    const dir = tmpDir();
    const path = join(dir, 'taken');
    mkdirSync(join(path, 'child'), { recursive: true }); // a non-empty directory: rename fails
    expect(() => writeFileAtomic(path, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(leftovers(dir)).toEqual([]);
    expect(lstatSync(path).isDirectory()).toBe(true);
    const tmp = join(dir, 'tmp');
    expect(() => writeFileAtomic(path, 'x', { tmpDir: tmp })).toThrow();
    expect(leftovers(tmp)).toEqual([]);
  });

  it('gives an explicit mode exactly, whatever the umask, and keeps the mode of the file it replaces', () => {
    const dir = tmpDir();
    process.umask(0o077);
    const cred = join(dir, 'credentials');
    writeFileSync(cred, 'old', { mode: 0o644 });
    chmodSync(cred, 0o644);
    writeFileAtomic(cred, 'token', { mode: 0o600 });
    expect(modeOf(cred)).toBe(0o600);
    const hook = join(dir, 'pre-receive');
    writeFileAtomic(hook, '#!/bin/sh\n', { mode: 0o755 });
    expect(modeOf(hook)).toBe(0o755);
    const kept = join(dir, 'kept');
    writeFileSync(kept, 'a');
    chmodSync(kept, 0o640);
    writeFileAtomic(kept, 'b');
    expect(modeOf(kept)).toBe(0o640);
    process.umask(0o022);
    const fresh = join(dir, 'fresh');
    writeFileAtomic(fresh, 'c');
    expect(modeOf(fresh)).toBe(0o644);
  });

  it("follows git's lock-file protocol with lockPath: an existing lock is left alone and reported as EEXIST", () => {
    const dir = tmpDir();
    const index = join(dir, 'index');
    const lock = join(dir, 'index.lock');
    writeFileAtomic(index, 'v1', { lockPath: lock });
    expect(readFileSync(index, 'utf8')).toBe('v1');
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, 'held by git');
    expect(() => writeFileAtomic(index, 'v2', { lockPath: lock })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(lock, 'utf8')).toBe('held by git');
    expect(readFileSync(index, 'utf8')).toBe('v1');
  });
});

describe('symlinkAtomic', () => {
  it('replaces a file with a link in one step', () => {
    const dir = tmpDir();
    const path = join(dir, 'link');
    writeFileSync(path, 'a file');
    symlinkAtomic('target/file', path, { tmpDir: join(dir, 'tmp') });
    expect(readlinkSync(path)).toBe('target/file');
    expect(leftovers(join(dir, 'tmp'))).toEqual([]);
  });
});

describe('removeStaleTmpFiles', () => {
  it('removes the temporary files of dead processes only', () => {
    const dir = tmpDir();
    const mine = tmpPathFor(dir, 'x');
    writeFileSync(mine, '');
    const dead = join(dir, `.y.999999999.abcd0123${TMP_SUFFIX}`);
    writeFileSync(dead, '');
    writeFileSync(join(dir, 'unrelated'), '');
    expect(removeStaleTmpFiles(dir, (pid) => pid === process.pid)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([mine.slice(dir.length + 1), 'unrelated'].sort());
  });
});
