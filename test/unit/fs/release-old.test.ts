// replaceReleasingOld: the new file takes the old one's place at once; a large old file is moved
// aside and removed in the background (nothing of it is left once the detached rm ran); a small
// one is simply replaced; a failed replacement puts the old file back. dropPagesInBackground
// empties the page cache of files last written over 30 s ago, and of younger ones only when the
// system holds few dirty pages (given to it here), and leaves every file's bytes alone: counted
// with `fincore` (util-linux), except on tmpfs, whose pages are the files themselves.
// systemDirtyBytes reads /proc/meminfo's Dirty and Writeback.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLEAN_AFTER_MS, dropPagesInBackground, RELEASE_IN_BACKGROUND_BYTES, replaceReleasingOld, systemDirtyBytes } from '../../../src/fs/release-old.js';
import { cachedPages, mostPages, onTmpfs, until } from '../../helpers/page-cache.js';
import { tmpDir as makeTmpDir } from '../../helpers/tmp-dir.js';

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

describe('dropPagesInBackground', () => {
  const dir = makeTmpDir();
  const sum = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  /** Two files of the same bytes, clean and cached; `old` last written long ago, `young` just now. */
  const cachedPair = (name: string) => {
    const old = join(dir, `${name}-old.bin`);
    const young = join(dir, `${name}-young.bin`);
    const bytes = randomBytes(4 << 20);
    for (const p of [old, young]) writeFileSync(p, bytes);
    execFileSync('sync', ['-d', old, young]); // clean pages: the kernel drops only those
    const past = (Date.now() - CLEAN_AFTER_MS - 60_000) / 1000;
    utimesSync(old, past, past);
    for (const p of [old, young]) readFileSync(p);
    const most = mostPages(old); // nearly every page (page-cache.ts says why); young is as large
    for (const p of [old, young]) expect(cachedPages(p)).toBeGreaterThanOrEqual(most);
    return { old, young, bytes, most };
  };

  it.skipIf(onTmpfs(dir))('drops the cached pages of a file written over 30 s ago, keeps a younger one\'s while the system holds many dirty pages, changes no byte', async () => {
    const { old, young, bytes, most } = cachedPair('a');
    dropPagesInBackground([old, young, join(dir, 'no-such-file')], Date.now(), () => 1 << 30);
    expect(await until(() => cachedPages(old) === 0), 'the old file\'s pages were dropped').toBe(true);
    expect(cachedPages(young)).toBeGreaterThanOrEqual(most);
    expect([sum(readFileSync(old)), sum(readFileSync(young))]).toEqual([sum(bytes), sum(bytes)]);
  });

  it.skipIf(onTmpfs(dir))('drops a younger file\'s pages too when the system holds few dirty pages (at most 1/8 of its size)', async () => {
    const { old, young, bytes } = cachedPair('b');
    dropPagesInBackground([young], Date.now(), () => (4 << 20) / 8);
    expect(await until(() => cachedPages(young) === 0), 'the young file\'s pages were dropped').toBe(true);
    expect(sum(readFileSync(young))).toBe(sum(bytes));
    readFileSync(young);
    dropPagesInBackground([young, old], Date.now(), () => (4 << 20) / 8 + 1); // one byte more: young stays, old goes
    expect(await until(() => cachedPages(old) === 0), 'the old file\'s pages were dropped').toBe(true);
    expect(cachedPages(young)).toBeGreaterThan(0);
  });
});

describe('systemDirtyBytes', () => {
  it('adds /proc/meminfo\'s Dirty and Writeback, and is Infinity where it cannot read them', () => {
    const dir = makeTmpDir();
    const meminfo = join(dir, 'meminfo');
    writeFileSync(meminfo, 'MemTotal:       24684004 kB\nDirty:            524552 kB\nWriteback:            24 kB\nWritebackTmp:          0 kB\n');
    expect(systemDirtyBytes(meminfo)).toBe((524552 + 24) * 1024);
    writeFileSync(meminfo, 'MemTotal:       24684004 kB\nDirty:            524552 kB\n');
    expect(systemDirtyBytes(meminfo)).toBe(Infinity);
    expect(systemDirtyBytes(join(dir, 'no-such-file'))).toBe(Infinity);
    if (existsSync('/proc/meminfo')) expect(Number.isFinite(systemDirtyBytes())).toBe(true);
  });
});
