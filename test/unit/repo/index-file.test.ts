/**
 * writeIndex and a `.git/index.lock` left behind: one a SIGKILLed hub abandoned (its owner record
 * names it and a dead pid) is taken over; every other lock (a live writer, git's own, one with no
 * record, a record of another file) is left alone and refused with `index_locked`. The writers
 * here are real processes that take the lock as writeIndex does and are killed holding it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GitIndexEntry } from '../../../src/formats/git-index.js';
import { readIndex, writeIndex } from '../../../src/repo/index-file.js';
import type { RepoPaths } from '../../../src/repo/repository.js';

const root = mkdtempSync(join(tmpdir(), 'hub-index-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function repo(name: string): RepoPaths {
  const workdir = join(root, name);
  const paths = { workdir, gitdir: join(workdir, '.git'), hubdir: join(workdir, '.git', 'hub') };
  mkdirSync(paths.hubdir, { recursive: true });
  return paths;
}

const entry = (path: string): GitIndexEntry => ({
  path, oid: 'a'.repeat(40), mode: 0o100644, size: 1, ctimeSeconds: 1, ctimeNanoseconds: 0, mtimeSeconds: 1, mtimeNanoseconds: 0,
  dev: 0, ino: 1, uid: 0, gid: 0, stage: 0, assumeValid: false, skipWorktree: false, intentToAdd: false,
});

/**
 * A process that takes `index.lock` the way writeIndex does (O_EXCL create, then the owner record
 * unless `record` is false), writes part of an index and waits: the state a kill mid-write leaves.
 */
async function lockHolder(paths: RepoPaths, record = true): Promise<ReturnType<typeof spawn>> {
  const script = `
    const fs = require('node:fs');
    const fd = fs.openSync(${JSON.stringify(join(paths.gitdir, 'index.lock'))}, 'wx');
    if (${record}) fs.writeFileSync(${JSON.stringify(join(paths.hubdir, 'index-lock.owner'))}, process.pid + ' ' + fs.fstatSync(fd).ino + '\\n');
    fs.writeSync(fd, 'DIRC partial');
    console.log('holding');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

async function killed(child: ReturnType<typeof spawn>): Promise<void> {
  child.kill('SIGKILL');
  await once(child, 'close');
}

describe('writeIndex and an index.lock left behind', () => {
  it('takes over the lock of a hub killed while writing the index, and leaves no record', async () => {
    const paths = repo('dead');
    writeIndex(paths, [entry('old.txt')]);
    await killed(await lockHolder(paths));
    expect(existsSync(join(paths.gitdir, 'index.lock'))).toBe(true);
    writeIndex(paths, [entry('new.txt')]);
    expect(readIndex(paths).map((e) => e.path)).toEqual(['new.txt']);
    expect(existsSync(join(paths.gitdir, 'index.lock'))).toBe(false);
    expect(existsSync(join(paths.hubdir, 'index-lock.owner'))).toBe(false);
  });

  it('leaves the lock of a writer that is still running', async () => {
    const paths = repo('live');
    writeIndex(paths, [entry('old.txt')]);
    const child = await lockHolder(paths);
    try {
      expect(() => writeIndex(paths, [entry('new.txt')])).toThrow(expect.objectContaining({ code: 'index_locked' }));
      expect(readFileSync(join(paths.gitdir, 'index.lock'), 'utf8')).toBe('DIRC partial');
      expect(readIndex(paths).map((e) => e.path)).toEqual(['old.txt']);
    } finally {
      await killed(child);
    }
  });

  it('leaves a lock with no owner record (git\'s own, or a kill before the record), even when its writer is gone', async () => {
    const paths = repo('norecord');
    writeIndex(paths, [entry('old.txt')]);
    await killed(await lockHolder(paths, false));
    expect(() => writeIndex(paths, [entry('new.txt')])).toThrow(expect.objectContaining({ code: 'index_locked' }));
    expect(existsSync(join(paths.gitdir, 'index.lock'))).toBe(true);
  });

  it('leaves a lock that is not the file the record names, or was written long after it', async () => {
    const paths = repo('other');
    writeIndex(paths, [entry('old.txt')]);
    await killed(await lockHolder(paths));
    const lock = join(paths.gitdir, 'index.lock');
    const owner = join(paths.hubdir, 'index-lock.owner');
    const record = readFileSync(owner, 'utf8');
    // another file at the lock's path (git took the lock after a record was left behind): made
    // while the old lock still exists, so it cannot have the inode the record names
    const gits = join(paths.gitdir, 'git-made');
    writeFileSync(gits, 'git');
    rmSync(lock);
    renameSync(gits, lock);
    expect(() => writeIndex(paths, [entry('new.txt')])).toThrow(expect.objectContaining({ code: 'index_locked' }));
    expect(readFileSync(lock, 'utf8')).toBe('git');
    // the recorded file itself, but written two minutes after the record
    rmSync(lock);
    await killed(await lockHolder(paths));
    const late = new Date(Date.now() + 120_000);
    utimesSync(lock, late, late);
    expect(() => writeIndex(paths, [entry('new.txt')])).toThrow(expect.objectContaining({ code: 'index_locked' }));
    expect(record).toMatch(/^\d+ \d+\n$/);
  });
});
