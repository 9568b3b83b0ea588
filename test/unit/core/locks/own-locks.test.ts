// The lock cache of a clone (.git/hub/locks.json): every push's lock verification replaces an
// endpoint's entry, and writes the file only when what it holds changes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetOwnLock, ownLockedPaths, rememberOwnLock, setOwnLocks } from '../../../../src/core/locks/own-locks.js';
import { tmpDir } from '../../../helpers/tmp-dir.js';

const E = 'http://127.0.0.1:1/acme/m.git/info/lfs';
const inode = (dir: string) => statSync(join(dir, 'locks.json')).ino;

describe('own locks', () => {
  it('setOwnLocks writes the cache only when it changes (a file is replaced, so its inode tells)', () => {
    const dir = tmpDir();
    setOwnLocks(dir, E, []);
    expect(existsSync(join(dir, 'locks.json')), 'nothing to remember: no file').toBe(false);
    setOwnLocks(dir, E, [{ path: 'a.bin', id: '1' }]);
    const first = inode(dir);
    setOwnLocks(dir, E, [{ path: 'a.bin', id: '1' }]);
    expect(inode(dir)).toBe(first);
    setOwnLocks(dir, E, [{ path: 'a.bin', id: '2' }]);
    expect(inode(dir)).not.toBe(first);
    expect(JSON.parse(readFileSync(join(dir, 'locks.json'), 'utf8'))).toEqual({ [E]: { 'a.bin': '2' } });
    const second = inode(dir);
    setOwnLocks(dir, E, [{ path: 'a.bin', id: '2' }, { path: 'b.bin', id: '3' }]);
    expect(inode(dir)).not.toBe(second);
    expect(ownLockedPaths(dir)).toEqual(new Set(['a.bin', 'b.bin']));
    setOwnLocks(dir, E, []);
    expect(ownLockedPaths(dir)).toEqual(new Set());
  });

  it('remember and forget keep other endpoints', () => {
    const dir = tmpDir();
    rememberOwnLock(dir, E, 'a.bin', '1');
    rememberOwnLock(dir, `${E}2`, 'b.bin', '2');
    forgetOwnLock(dir, E, '1');
    expect(ownLockedPaths(dir)).toEqual(new Set(['b.bin']));
  });
});
