import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, lutimesSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FormatError } from '../../../src/errors.js';
import { entryMatchesStat, indexEntryFromStat } from '../../../src/formats/git-index-stat.js';
import {
  compareIndexPaths,
  parseGitIndex,
  serializeGitIndex,
  type GitIndexEntry,
} from '../../../src/formats/git-index.js';
import { tmpDir } from '../../helpers/tmp-dir.js';
import { thrown } from './fixtures.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
const OID_A = '45b983be36b73c0788dc9cbcb76cbb80fc7bb057';
const OID_B = '587be6b4c3f93f93c489c0111bba5596147a26cb';

function entry(path: string, over: Partial<GitIndexEntry> = {}): GitIndexEntry {
  return {
    path,
    oid: OID_A,
    mode: 0o100644,
    size: 3,
    ctimeSeconds: 1_700_000_000,
    ctimeNanoseconds: 123_456_789,
    mtimeSeconds: 1_700_000_001,
    mtimeNanoseconds: 987_654_321,
    dev: 2049,
    ino: 1234,
    uid: 1000,
    gid: 1000,
    stage: 0,
    assumeValid: false,
    skipWorktree: false,
    intentToAdd: false,
    ...over,
  };
}

function indexError(fn: () => unknown): FormatError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe('bad_git_index');
  return err as FormatError;
}

/** Recomputes the SHA-1 trailer so a hand-damaged index fails for the damage, not the checksum. */
function resign(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const end = out.length - 20;
  out.set(createHash('sha1').update(out.subarray(0, end)).digest(), end);
  return out;
}

function utf8Compare(a: string, b: string): number {
  return Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

interface GitRepo {
  dir: string;
  git: (args: string[], input?: string | Uint8Array) => string;
  index: () => Uint8Array;
  writeIndex: (bytes: Uint8Array) => void;
}

/** A fresh repository in a temp dir; git runs with no system or user config beyond `-c` flags. */
function gitRepo(): GitRepo {
  const root = tmpDir('hub-git-index-');
  const dir = join(root, 'repo');
  mkdirSync(dir);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, { GIT_CONFIG_NOSYSTEM: '1', HOME: root, XDG_CONFIG_HOME: join(root, '.config') });
  const config = ['-c', 'user.name=Hub Test', '-c', 'user.email=hub@example.invalid', '-c', 'core.quotePath=false'];
  const git = (args: string[], input?: string | Uint8Array): string =>
    execFileSync('git', [...config, ...args], { cwd: dir, env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  git(['-c', 'init.defaultBranch=main', 'init', '-q']);
  const indexPath = join(dir, '.git', 'index');
  return {
    dir,
    git,
    index: () => new Uint8Array(readFileSync(indexPath)),
    writeIndex: (bytes) => writeFileSync(indexPath, bytes),
  };
}

// Past times so that no entry is racily clean: git then trusts the stat data alone, which is
// what these tests want to check (a racy entry would be re-hashed and hide a wrong stat field).
const PAST = new Date('2021-03-04T05:06:07.891Z');

const FILES: Record<string, string> = {
  'README.md': '# model\n',
  'a.txt': 'hi\n',
  'empty': '',
  'x-y.txt': 'dash\n',
  'x.txt': 'dot\n',
  'x/y.txt': 'slash\n',
  'models/llama/weights.bin': '\u0000\u0001binary\u00ff',
  'run.sh': '#!/bin/sh\necho hi\n',
  'ünï/café.txt': 'accents\n',
  '\u{1F600}.txt': 'astral\n',
  '\uFF5A.txt': 'fullwidth z\n',
};

/** Writes FILES, an executable run.sh and a symlink `link -> a.txt`, all with mtimes in the past. */
function populate(repo: GitRepo): string[] {
  for (const [path, text] of Object.entries(FILES)) {
    const abs = join(repo.dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    utimesSync(abs, PAST, PAST);
  }
  chmodSync(join(repo.dir, 'run.sh'), 0o755);
  symlinkSync('a.txt', join(repo.dir, 'link'));
  lutimesSync(join(repo.dir, 'link'), PAST, PAST);
  return [...Object.keys(FILES), 'link'];
}

interface StageLine {
  mode: string;
  oid: string;
  stage: number;
  path: string;
}

function lsStage(repo: GitRepo): StageLine[] {
  return repo
    .git(['ls-files', '--stage', '-z'])
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => {
      const m = /^(\d+) ([0-9a-f]{40}) (\d)\t(.*)$/s.exec(line);
      if (m === null) throw new Error(`unexpected ls-files line ${JSON.stringify(line)}`);
      return { mode: m[1], oid: m[2], stage: Number(m[3]), path: m[4] };
    });
}

function asStageLines(entries: GitIndexEntry[]): StageLine[] {
  return entries.map((e) => ({ mode: e.mode.toString(8), oid: e.oid, stage: e.stage, path: e.path }));
}

/** `git ls-files --debug`: the stat data and in-memory flags git read for each entry. */
function lsDebug(repo: GitRepo): Array<Record<string, string | number>> {
  const re =
    /^(.*)\n {2}ctime: (\d+):(\d+)\n {2}mtime: (\d+):(\d+)\n {2}dev: (\d+)\tino: (\d+)\n {2}uid: (\d+)\tgid: (\d+)\n {2}size: (\d+)\tflags: ([0-9a-f]+)$/gm;
  const out = [...repo.git(['ls-files', '--debug']).matchAll(re)].map((m) => ({
    path: m[1],
    ctimeSeconds: Number(m[2]),
    ctimeNanoseconds: Number(m[3]),
    mtimeSeconds: Number(m[4]),
    mtimeNanoseconds: Number(m[5]),
    dev: Number(m[6]),
    ino: Number(m[7]),
    uid: Number(m[8]),
    gid: Number(m[9]),
    size: Number(m[10]),
    flags: parseInt(m[11], 16),
  }));
  return out;
}

/** The in-memory ce_flags git prints in --debug for an entry, from our fields. */
function debugFlags(e: GitIndexEntry): number {
  const extended = e.skipWorktree || e.intentToAdd;
  return (
    (e.assumeValid ? 0x8000 : 0) +
    (extended ? 0x4000 : 0) +
    e.stage * 0x1000 +
    (e.skipWorktree ? 2 ** 30 : 0) +
    (e.intentToAdd ? 2 ** 29 : 0)
  );
}

function asDebug(entries: GitIndexEntry[]): Array<Record<string, string | number>> {
  return entries.map((e) => ({
    path: e.path,
    ctimeSeconds: e.ctimeSeconds,
    ctimeNanoseconds: e.ctimeNanoseconds,
    mtimeSeconds: e.mtimeSeconds,
    mtimeNanoseconds: e.mtimeNanoseconds,
    dev: e.dev,
    ino: e.ino,
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    flags: debugFlags(e),
  }));
}

/** What a git command that must fail printed (stdout and stderr). */
function gitFailure(run: () => unknown): string {
  const err = thrown(run) as { status?: number; stdout?: string; stderr?: string };
  expect(err.status).toBeGreaterThan(0);
  return `${err.stdout ?? ''}${err.stderr ?? ''}`;
}

function hashObjects(repo: GitRepo, paths: string[]): string[] {
  return repo.git(['hash-object', '-w', '--no-filters', '--', ...paths]).trim().split('\n');
}

// ---------------------------------------------------------------------------------------------
// Pure codec

describe('serializeGitIndex / parseGitIndex round trip', () => {
  it('parses what it writes, sorted as git sorts, as version 2', () => {
    const entries = [
      entry('b/c.txt', { oid: OID_B }),
      entry('a.txt', { mode: 0o100755 }),
      entry('link', { mode: 0o120000, size: 5 }),
      entry('sub', { mode: 0o160000, oid: OID_B, size: 0 }),
      entry('b.txt', { assumeValid: true }),
      entry('conflict', { stage: 3, oid: OID_B }),
      entry('conflict', { stage: 1 }),
      entry('conflict', { stage: 2 }),
    ];
    const parsed = parseGitIndex(serializeGitIndex(entries));
    expect(parsed.version).toBe(2);
    expect(parsed.extensions).toEqual([]);
    expect(parsed.entries.map((e) => `${e.path}:${e.stage}`)).toEqual([
      'a.txt:0',
      'b.txt:0',
      'b/c.txt:0',
      'conflict:1',
      'conflict:2',
      'conflict:3',
      'link:0',
      'sub:0',
    ]);
    const byKey = (e: GitIndexEntry): string => `${e.path}:${e.stage}`;
    expect([...parsed.entries].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
      [...entries].sort((a, b) => byKey(a).localeCompare(byKey(b))),
    );
  });

  it('writes version 3 exactly when an entry needs extended flags', () => {
    expect(parseGitIndex(serializeGitIndex([entry('a'), entry('b', { skipWorktree: true })])).version).toBe(3);
    expect(parseGitIndex(serializeGitIndex([entry('a', { intentToAdd: true, oid: EMPTY_BLOB })])).version).toBe(3);
    expect(parseGitIndex(serializeGitIndex([entry('a', { assumeValid: true })])).version).toBe(2);
    const v3 = parseGitIndex(serializeGitIndex([entry('a'), entry('b', { skipWorktree: true, intentToAdd: true })]));
    expect(v3.entries.map((e) => [e.skipWorktree, e.intentToAdd])).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it('writes an empty index as a 32-byte file git would write', () => {
    const bytes = serializeGitIndex([]);
    expect(bytes.length).toBe(32);
    expect(Buffer.from(bytes.subarray(0, 12)).toString('hex')).toBe('444952430000000200000000');
    expect(parseGitIndex(bytes)).toEqual({ version: 2, entries: [], extensions: [] });
  });

  it('pads every entry with 1 to 8 NULs to a multiple of 8 bytes', () => {
    for (let len = 1; len <= 17; len++) {
      for (const extended of [false, true]) {
        const name = 'n'.repeat(len);
        const bytes = serializeGitIndex([entry(name, { skipWorktree: extended })]);
        const fixed = 62 + (extended ? 2 : 0);
        const entryBytes = bytes.length - 12 - 20;
        const pad = entryBytes - fixed - len;
        expect(entryBytes % 8).toBe(0);
        expect(pad).toBeGreaterThanOrEqual(1);
        expect(pad).toBeLessThanOrEqual(8);
        expect([...bytes.subarray(12 + fixed + len, 12 + entryBytes)].every((b) => b === 0)).toBe(true);
      }
    }
  });

  it('stores the name length in the flags, 0xFFF from 4095 bytes on, and reads long names back', () => {
    for (const len of [4094, 4095, 4096, 5000]) {
      const path = `d/${'p'.repeat(len - 2)}`;
      const bytes = serializeGitIndex([entry(path, { stage: 2 })]);
      const flags = new DataView(bytes.buffer).getUint16(12 + 60);
      expect(flags & 0xfff).toBe(Math.min(len, 0xfff));
      expect((flags >> 12) & 3).toBe(2);
      expect(parseGitIndex(bytes).entries[0].path).toBe(path);
    }
  });

  it('truncates stat values to their low 32 bits, as git does', () => {
    const [e] = parseGitIndex(
      serializeGitIndex([entry('big', { size: 2 ** 32 + 5, ino: 2 ** 40 + 7, mtimeSeconds: -1, dev: 2 ** 53 })]),
    ).entries;
    expect([e.size, e.ino, e.mtimeSeconds, e.dev]).toEqual([5, 7, 0xffffffff, 0]);
  });

  it('passes optional extensions through byte for byte', () => {
    const data = Uint8Array.from([1, 2, 3, 0, 255]);
    const bytes = serializeGitIndex([entry('a')], { extensions: [{ signature: 'TREE', data }, { signature: 'ZZZZ', data: new Uint8Array(0) }] });
    expect(parseGitIndex(bytes).extensions).toEqual([
      { signature: 'TREE', data },
      { signature: 'ZZZZ', data: new Uint8Array(0) },
    ]);
  });

  it('orders paths by UTF-8 bytes, not UTF-16 units or locale', () => {
    const paths = ['\uFF5A', '\u{1F600}', 'x/y', 'x.y', 'x-y', 'x', 'Z', 'a', 'é', '\u00ff', '\u0100', 'ab', 'a/b'];
    const expected = [...paths].sort(utf8Compare);
    expect([...paths].sort(compareIndexPaths)).toEqual(expected);
    const parsed = parseGitIndex(serializeGitIndex(paths.filter((p) => p !== 'x' && p !== 'a').map((p) => entry(p))));
    expect(parsed.entries.map((e) => e.path)).toEqual(expected.filter((p) => p !== 'x' && p !== 'a'));
  });

  it('compareIndexPaths agrees with a byte comparison on random strings', () => {
    const alphabet = ['a', 'b', '/', '.', '-', 'é', '\u0800', '\uE000', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{10FFFF}'];
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (): string => Array.from({ length: rand(5) }, () => alphabet[rand(alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const a = word();
      const b = rand(4) === 0 ? a + word() : word();
      expect(Math.sign(compareIndexPaths(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(utf8Compare(a, b));
    }
  });
});

describe('serializeGitIndex refuses entries git would not accept', () => {
  const cases: Array<[string, GitIndexEntry[], string]> = [
    ['an oid that is not 40 lowercase hex', [entry('a', { oid: OID_A.toUpperCase() })], 'is not 40 lowercase hex digits'],
    ['a sha256 oid', [entry('a', { oid: 'a'.repeat(64) })], 'is not 40 lowercase hex digits'],
    ['a directory mode', [entry('a', { mode: 0o040000 })], 'mode 40000 is not'],
    ['a group-writable mode', [entry('a', { mode: 0o100664 })], 'mode 100664 is not'],
    ['stage 4', [entry('a', { stage: 4 })], 'stage 4 is not'],
    ['an empty path', [entry('')], 'path "" is empty'],
    ['a leading slash', [entry('/etc/passwd')], 'empty component'],
    ['a trailing slash', [entry('dir/')], 'empty component'],
    ['a double slash', [entry('a//b')], 'empty component'],
    ['a .. component', [entry('a/../b')], 'has a ".." component'],
    ['a . component', [entry('./a')], 'has a "." component'],
    ['a .git component', [entry('sub/.GIT/config')], 'has a .git component'],
    ['a NUL', [entry('a\0b')], 'contains a NUL'],
    ['a lone surrogate', [entry('a\uD800')], 'lone surrogate'],
    ['a fractional time', [entry('a', { mtimeNanoseconds: 1.5 })], 'mtimeNanoseconds 1.5 is not an integer'],
    ['a duplicate', [entry('a'), entry('a', { oid: OID_B })], 'two entries for "a" at stage 0'],
    ['stage 0 next to conflict stages', [entry('a', { stage: 2 }), entry('a')], 'both a merged (stage 0) entry and conflict stages'],
    ['a file that is also a directory', [entry('a/b/c'), entry('a/b')], '"a/b" is both a file and the directory of "a/b/c"'],
    [
      'a file that is also a directory, with paths sorting between them',
      [entry('a/z'), entry('a-b'), entry('a'), entry('a.c'), entry('a.c.d'), entry('a!')],
      '"a" is both a file and the directory of "a/z"',
    ],
    ['a conflicted file that is also a directory', [entry('m', { stage: 2 }), entry('m', { stage: 3 }), entry('m/n')], '"m" is both a file'],
  ];
  it.each(cases)('%s', (_name, entries, message) => {
    expect(indexError(() => serializeGitIndex(entries)).message).toContain(message);
  });

  it('accepts paths that only share a prefix without a slash', () => {
    const paths = ['a', 'ab/c', 'a-b/c', 'a.b', 'b/c/d', 'b/c/e', 'b/cd', 'c/d/e/f', 'c/d/ef'];
    expect(parseGitIndex(serializeGitIndex(paths.map((p) => entry(p)))).entries).toHaveLength(paths.length);
  });

  it('refuses required extensions and extensions that hold file offsets', () => {
    const data = new Uint8Array(4);
    for (const [signature, message] of [
      ['link', 'is a required extension'],
      ['sdir', 'is a required extension'],
      ['EOIE', 'records file offsets'],
      ['IEOT', 'records file offsets'],
      ['TRE', 'is not 4 Latin-1 characters'],
      ['TRE\u0100', 'is not 4 Latin-1 characters'],
    ]) {
      expect(indexError(() => serializeGitIndex([entry('a')], { extensions: [{ signature, data }] })).message).toContain(message);
    }
  });
});

describe('parseGitIndex rejects damaged and unsupported indexes', () => {
  const good = serializeGitIndex([entry('a.txt'), entry('b.txt', { oid: OID_B })]);
  const second = 12 + 72; // offset of the second entry: 62 + 5 name bytes, padded to 72

  function damaged(edit: (bytes: Uint8Array, view: DataView) => void, sign = true): Uint8Array {
    const bytes = Uint8Array.from(good);
    edit(bytes, new DataView(bytes.buffer));
    return sign ? resign(bytes) : bytes;
  }

  it('a flipped byte fails the checksum', () => {
    for (const at of [0, 5, 20, 12 + 62, second + 40, good.length - 21, good.length - 1]) {
      const bytes = Uint8Array.from(good);
      bytes[at] ^= 0x40;
      expect(indexError(() => parseGitIndex(bytes)).message).toMatch(/index checksum mismatch|bad signature|unsupported version/);
    }
    const flipped = damaged((b) => (b[second + 41] ^= 1), false);
    expect(indexError(() => parseGitIndex(flipped)).message).toBe('bad git index: index checksum mismatch');
  });

  it('a truncated file is refused at every length', () => {
    for (let len = 0; len < good.length; len++) indexError(() => parseGitIndex(good.subarray(0, len)));
    expect(indexError(() => parseGitIndex(good.subarray(0, 31))).message).toContain('too short: 31 bytes');
  });

  it('a bad signature or an unknown version is named', () => {
    expect(indexError(() => parseGitIndex(damaged((b) => b.set([0x44, 0x49, 0x52, 0x44], 0)))).message).toContain(
      "bad signature (expected 'DIRC')",
    );
    for (const version of [0, 1, 5, 0x01000002]) {
      const err = indexError(() => parseGitIndex(damaged((_, v) => v.setUint32(4, version))));
      expect(err.message).toBe(`bad git index: unsupported version ${version} (hub reads 2, 3 and 4)`);
    }
  });

  it('an all-zero trailer (index.skipHash in git 2.40+) is accepted unchecked', () => {
    const bytes = Uint8Array.from(good);
    bytes.fill(0, good.length - 20);
    expect(parseGitIndex(bytes).entries).toHaveLength(2);
  });

  it('structural damage is named with the entry number', () => {
    const expectations: Array<[(b: Uint8Array, v: DataView) => void, string]> = [
      [(_, v) => v.setUint32(8, 3), 'header claims 3 entries'],
      [(_, v) => v.setUint32(8, 0xffffffff), 'header claims 4294967295 entries'],
      [(b) => b.fill(0x61, second + 62 + 5, good.length - 20), 'entry 2: path runs past the end'],
      [(_, v) => v.setUint16(12 + 60, 4), 'entry 1: path is 5 bytes but its flags say 4'],
      [(_, v) => v.setUint16(12 + 60, 0xfff), 'entry 1: path is 5 bytes but its flags say 4095'],
      [(b) => (b[second + 62] = 0x61), 'entry 2: "a.txt" appears twice at stage 0'],
      [(b) => (b[12 + 62] = 0x63), 'entry 2: "b.txt" is out of order (after "c.txt")'],
      [(b) => (b[12 + 62] = 0xff), 'entry 1: path is not valid UTF-8'],
      [(b) => b.set([0x2e, 0x2e, 0x2f, 0x61, 0x61], 12 + 62), 'entry 1: path "../aa" has a ".." component'],
      [(_, v) => v.setUint16(12 + 60, 0x4005), 'entry 1: extended flags in a version 2 index'],
    ];
    for (const [edit, message] of expectations) {
      expect(indexError(() => parseGitIndex(damaged(edit))).message).toContain(message);
    }
  });

  it('conflict stages out of order or next to stage 0 are refused', () => {
    const staged = serializeGitIndex([entry('a', { stage: 1 }), entry('a', { stage: 2 })]);
    const swap = Uint8Array.from(staged);
    new DataView(swap.buffer).setUint16(12 + 60, 0x2001);
    new DataView(swap.buffer).setUint16(12 + 64 + 60, 0x1001);
    expect(indexError(() => parseGitIndex(resign(swap))).message).toContain('entry 2: "a" has its stages out of order');
    const merged = Uint8Array.from(staged);
    new DataView(merged.buffer).setUint16(12 + 60, 0x0001);
    expect(indexError(() => parseGitIndex(resign(merged))).message).toContain('has both a merged (stage 0) entry and conflict stages');
  });

  it('unknown extended flag bits are refused', () => {
    const v3 = serializeGitIndex([entry('a', { skipWorktree: true })]);
    const bytes = Uint8Array.from(v3);
    new DataView(bytes.buffer).setUint16(12 + 62, 0x4001);
    expect(indexError(() => parseGitIndex(resign(bytes))).message).toContain('entry 1: unknown extended flags 0x4001');
  });

  it('extensions: required ones are refused with a hint, bad sizes and stray bytes are named', () => {
    const withExt = (signature: string, size: number, dataLen = size): Uint8Array => {
      const base = serializeGitIndex([entry('a.txt')]);
      const body = base.subarray(0, base.length - 20);
      const ext = new Uint8Array(8 + dataLen);
      for (let k = 0; k < 4; k++) ext[k] = signature.charCodeAt(k);
      new DataView(ext.buffer).setUint32(4, size);
      const out = new Uint8Array(body.length + ext.length + 20);
      out.set(body);
      out.set(ext, body.length);
      return resign(out);
    };
    expect(parseGitIndex(withExt('UNTR', 3)).extensions).toEqual([{ signature: 'UNTR', data: new Uint8Array(3) }]);
    const link = indexError(() => parseGitIndex(withExt('link', 20)));
    expect(link.message).toBe('bad git index: uses the required extension "link", which hub does not understand');
    expect(link.hint).toContain('git update-index --no-split-index');
    expect(indexError(() => parseGitIndex(withExt('sdir', 0))).hint).toContain('sparse');
    expect(indexError(() => parseGitIndex(withExt('TREE', 9, 4))).message).toContain('extension "TREE": 9 bytes run past the end');
    const stray = serializeGitIndex([entry('a.txt')]);
    const withStray = new Uint8Array(stray.length + 3);
    withStray.set(stray.subarray(0, stray.length - 20));
    expect(indexError(() => parseGitIndex(resign(withStray))).message).toContain('3 stray bytes after the entries');
  });
});

describe('indexEntryFromStat', () => {
  const base = { mode: 0o100644, size: 10, dev: 1, ino: 2, uid: 3, gid: 4, ctimeMs: 0, mtimeMs: 0 };

  it('normalises the mode as git does', () => {
    const mode = (m: number): number => indexEntryFromStat('p', OID_A, { ...base, mode: m }).mode;
    expect(mode(0o100644)).toBe(0o100644);
    expect(mode(0o100600)).toBe(0o100644);
    expect(mode(0o100664)).toBe(0o100644);
    expect(mode(0o100744)).toBe(0o100755);
    expect(mode(0o100775)).toBe(0o100755);
    expect(mode(0o100100)).toBe(0o100755);
    expect(mode(0o100011)).toBe(0o100644); // only the owner's execute bit counts
    expect(mode(0o120777)).toBe(0o120000);
    expect(mode(0o040755)).toBe(0o160000); // a directory in the index is a gitlink
    expect(indexError(() => mode(0o010644)).message).toContain('file of type 010000');
  });

  it('splits bigint nanosecond times exactly', () => {
    const e = indexEntryFromStat('p', OID_A, {
      ...base,
      ctimeNs: 1_700_000_000_123_456_789n,
      mtimeNs: 1_600_000_000_000_000_001n,
      ctimeMs: 1, // ignored when the Ns field is there
    });
    expect([e.ctimeSeconds, e.ctimeNanoseconds, e.mtimeSeconds, e.mtimeNanoseconds]).toEqual([1_700_000_000, 123_456_789, 1_600_000_000, 1]);
    const before1970 = indexEntryFromStat('p', OID_A, { ...base, ctimeNs: -1n, mtimeNs: -1_500_000_000n });
    expect([before1970.ctimeSeconds, before1970.ctimeNanoseconds]).toEqual([0xffffffff, 999_999_999]);
    expect([before1970.mtimeSeconds, before1970.mtimeNanoseconds]).toEqual([0xfffffffe, 500_000_000]);
    const after2106 = indexEntryFromStat('p', OID_A, { ...base, ctimeNs: (2n ** 32n + 9n) * 1_000_000_000n + 8n, mtimeNs: 0n });
    expect([after2106.ctimeSeconds, after2106.ctimeNanoseconds]).toEqual([9, 8]);
  });

  it('splits float millisecond times to the nearest nanosecond it can', () => {
    const e = indexEntryFromStat('p', OID_A, { ...base, ctimeMs: 1_700_000_000_123.456, mtimeMs: 1_700_000_000_999.9999999 });
    expect(e.ctimeSeconds).toBe(1_700_000_000);
    expect(Math.abs(e.ctimeNanoseconds - 123_456_000)).toBeLessThan(1000);
    expect(e.mtimeNanoseconds).toBeLessThan(1e9);
    expect(Math.abs((e.mtimeSeconds - 1_700_000_000) * 1e9 + e.mtimeNanoseconds - 999_999_999.9)).toBeLessThan(1000);
    expect(indexError(() => indexEntryFromStat('p', OID_A, { ...base, ctimeMs: undefined })).message).toContain('no ctimeNs or ctimeMs');
  });

  it('keeps the low 32 bits of big numbers, and never stores 0 for a non-empty file', () => {
    const e = indexEntryFromStat('p', OID_A, { ...base, size: 2n ** 32n + 3n, ino: 2n ** 63n + 5n, dev: 2 ** 33 + 1, uid: 7n, gid: 8n });
    expect([e.size, e.ino, e.dev, e.uid, e.gid]).toEqual([3, 5, 1, 7, 8]);
    expect(indexEntryFromStat('p', OID_A, { ...base, size: 2 ** 32 }).size).toBe(0x80000000);
    expect(indexEntryFromStat('p', OID_A, { ...base, size: 3n * 2n ** 32n }).size).toBe(0x80000000);
    expect(indexEntryFromStat('p', OID_A, { ...base, size: 0n }).size).toBe(0);
    expect(indexEntryFromStat('p', OID_A, { ...base, size: 0 }).size).toBe(0);
  });

  it('returns a stage-0 entry with no flags, and validates path and oid', () => {
    expect(indexEntryFromStat('a/b', OID_A, base)).toMatchObject({ path: 'a/b', oid: OID_A, stage: 0, assumeValid: false, skipWorktree: false, intentToAdd: false });
    expect(indexError(() => indexEntryFromStat('a/../b', OID_A, base)).message).toContain('".." component');
    expect(indexError(() => indexEntryFromStat('a', 'xyz', base)).message).toContain('is not 40 lowercase hex digits');
  });
});

// ---------------------------------------------------------------------------------------------
// Interop with the real git binary

describe('entryMatchesStat', () => {
  it('is true for the entry indexEntryFromStat made from the same lstat, false when any compared field differs', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'f'), 'content\n');
    const st = lstatSync(join(dir, 'f'), { bigint: true });
    const exact = { mode: Number(st.mode), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: Number(st.ino), uid: Number(st.uid), gid: Number(st.gid) };
    const e = indexEntryFromStat('f', OID_A, { ...exact, dev: Number(st.dev) });
    expect(entryMatchesStat(e, exact)).toBe(true);
    const changes: Array<Partial<typeof exact>> = [
      { size: exact.size + 1 },
      { mtimeNs: exact.mtimeNs + 1n },
      { mtimeNs: exact.mtimeNs + 1_000_000_000n },
      { ctimeNs: exact.ctimeNs + 1n },
      { ctimeNs: exact.ctimeNs - 1_000_000_000n },
      { ino: exact.ino + 1 },
      { uid: exact.uid + 1 },
      { gid: exact.gid + 1 },
      { mode: exact.mode | 0o100 }, // now executable: 100755
      { mode: 0o120777 }, // a symlink
    ];
    for (const change of changes) expect(entryMatchesStat(e, { ...exact, ...change }), JSON.stringify(change, (_, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(false);
    // sizes and times are compared as git stores them: low 32 bits, the 4 GiB rule
    const huge = { ...exact, size: 2 ** 32 };
    expect(entryMatchesStat(indexEntryFromStat('f', OID_A, { ...huge, dev: 0 }), huge)).toBe(true);
  });
});

describe('interop with git', () => {
  it('parses the index git add writes: same entries as ls-files --stage and --debug, same stat data as lstat', () => {
    const repo = gitRepo();
    const paths = populate(repo);
    repo.git(['add', '-A']);
    const parsed = parseGitIndex(repo.index());
    expect(parsed.version).toBe(2);
    expect(asStageLines(parsed.entries)).toEqual(lsStage(repo));
    expect(asDebug(parsed.entries)).toEqual(lsDebug(repo));
    expect(parsed.entries.map((e) => e.path)).toEqual([...paths].sort(utf8Compare));
    const modes = Object.fromEntries(parsed.entries.map((e) => [e.path, e.mode]));
    expect(modes['run.sh']).toBe(0o100755);
    expect(modes['link']).toBe(0o120000);
    expect(modes['a.txt']).toBe(0o100644);
    // indexEntryFromStat on an lstat (bigint and plain) gives git's own entry.
    for (const e of parsed.entries) {
      const big = lstatSync(join(repo.dir, e.path), { bigint: true });
      expect(indexEntryFromStat(e.path, e.oid, big)).toEqual(e);
      const plain = indexEntryFromStat(e.path, e.oid, lstatSync(join(repo.dir, e.path)));
      expect({ ...plain, ctimeNanoseconds: 0, mtimeNanoseconds: 0 }).toEqual({ ...e, ctimeNanoseconds: 0, mtimeNanoseconds: 0 });
      expect(Math.abs(plain.mtimeNanoseconds - e.mtimeNanoseconds)).toBeLessThan(2000);
    }
  });

  it('re-serializes git-written indexes byte for byte (after add, after commit with a TREE extension)', () => {
    const repo = gitRepo();
    populate(repo);
    repo.git(['add', '-A']);
    const afterAdd = repo.index();
    const parsedAdd = parseGitIndex(afterAdd);
    expect(serializeGitIndex(parsedAdd.entries, { extensions: parsedAdd.extensions })).toEqual(afterAdd);
    repo.git(['commit', '-q', '-m', 'one']);
    const afterCommit = repo.index();
    const parsed = parseGitIndex(afterCommit);
    expect(parsed.extensions.map((x) => x.signature)).toContain('TREE');
    expect(serializeGitIndex(parsed.entries, { extensions: parsed.extensions })).toEqual(afterCommit);
  });

  it('git reads an index hub wrote with one entry pointing at a new blob; status, diff-files and fsck agree', () => {
    const repo = gitRepo();
    populate(repo);
    repo.git(['add', '-A']);
    repo.git(['commit', '-q', '-m', 'one']);
    const newOid = repo.git(['hash-object', '-w', '--stdin'], 'changed\n').trim();
    const { entries } = parseGitIndex(repo.index());
    const changed = entries.map((e) => (e.path === 'a.txt' ? { ...e, oid: newOid, size: 8 } : e));
    repo.writeIndex(serializeGitIndex([...changed].reverse())); // input order must not matter
    expect(lsStage(repo)).toEqual(asStageLines(changed));
    expect(lsStage(repo).find((l) => l.path === 'a.txt')?.oid).toBe(newOid);
    expect(repo.git(['status', '--porcelain'])).toBe('MM a.txt\n');
    // Stat data git trusts without re-hashing (no entry is racy): only a.txt differs from its file.
    expect(repo.git(['diff-files', '--name-only'])).toBe('a.txt\n');
    expect(repo.git(['diff-index', '--cached', '--name-only', 'HEAD'])).toBe('a.txt\n');
    repo.git(['fsck', '--no-progress', '--strict']);
    // fsck does look at the index: a blob hub never wrote is reported.
    repo.writeIndex(serializeGitIndex(entries.map((e) => (e.path === 'a.txt' ? { ...e, oid: '1'.repeat(40) } : e))));
    expect(gitFailure(() => repo.git(['fsck', '--no-progress', '--strict']))).toMatch(/missing blob 1{40}/);
  });

  it('an index built from scratch with indexEntryFromStat makes git status clean', () => {
    const repo = gitRepo();
    const paths = populate(repo).sort(utf8Compare);
    const oids = hashObjects(repo, paths);
    const entries = paths.map((p, i) => indexEntryFromStat(p, oids[i], lstatSync(join(repo.dir, p), { bigint: true })));
    const written = serializeGitIndex(entries);
    repo.writeIndex(written);
    expect(repo.git(['status', '--porcelain']).split('\n').filter(Boolean).sort()).toEqual(paths.map((p) => `A  ${p}`).sort());
    // Commit it with plumbing that reads our index, as a user's `git commit` would.
    const tree = repo.git(['write-tree']).trim();
    const commit = repo.git(['commit-tree', tree, '-m', 'from hub'], '').trim();
    repo.git(['update-ref', 'HEAD', commit]);
    repo.writeIndex(written); // write-tree may have added a TREE extension; check the bare index hub writes
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(repo.git(['diff-files', '--name-only'])).toBe('');
    // Nothing for git to refresh: it leaves our bytes alone.
    expect(repo.index()).toEqual(written);
    repo.git(['fsck', '--no-progress', '--strict']);
    expect(repo.git(['ls-tree', '-r', '--name-only', '-z', 'HEAD']).split('\0').filter(Boolean)).toEqual(paths);
  });

  it('a wrong stat field makes git see the file as changed (the test above can fail)', () => {
    const repo = gitRepo();
    populate(repo);
    repo.git(['add', '-A']);
    const { entries } = parseGitIndex(repo.index());
    const skewed = entries.map((e) => (e.path === 'README.md' ? { ...e, mtimeSeconds: e.mtimeSeconds + 1 } : e));
    repo.writeIndex(serializeGitIndex(skewed));
    expect(repo.git(['diff-files', '--name-only'])).toBe('README.md\n');
  });

  it('parses version 4 (prefix-compressed paths) to the same entries, and git reads them back as version 2', () => {
    const repo = gitRepo();
    populate(repo);
    const deep = 'models/llama/layers/0/attention/weights.bin';
    mkdirSync(join(repo.dir, dirname(deep)), { recursive: true });
    writeFileSync(join(repo.dir, deep), 'w');
    writeFileSync(join(repo.dir, 'models/llama/layers/0/attention/bias.bin'), 'b');
    repo.git(['add', '-A']);
    const v2 = parseGitIndex(repo.index());
    repo.git(['update-index', '--index-version', '4']);
    const v4bytes = repo.index();
    expect(new DataView(v4bytes.buffer, v4bytes.byteOffset).getUint32(4)).toBe(4);
    const v4 = parseGitIndex(v4bytes);
    expect(v4.version).toBe(4);
    expect(v4.entries).toEqual(v2.entries);
    expect(asStageLines(v4.entries)).toEqual(lsStage(repo));
    expect(asDebug(v4.entries)).toEqual(lsDebug(repo));
    repo.writeIndex(serializeGitIndex(v4.entries));
    expect(parseGitIndex(repo.index()).version).toBe(2);
    expect(lsStage(repo)).toEqual(asStageLines(v2.entries));
  });

  it('a version 4 first entry that strips bytes from nothing is refused', () => {
    const repo = gitRepo();
    populate(repo);
    repo.git(['add', '-A']);
    repo.git(['update-index', '--index-version', '4']);
    const bytes = repo.index();
    expect(bytes[12 + 62]).toBe(0); // the first entry's varint: strip nothing
    bytes[12 + 62] = 5;
    expect(indexError(() => parseGitIndex(resign(bytes))).message).toContain('entry 1: removes 5 bytes from a 0-byte previous path');
  });

  it('parses version 3 with skip-worktree, intent-to-add and assume-unchanged, and round-trips it', () => {
    const repo = gitRepo();
    populate(repo);
    repo.git(['add', '-A']);
    repo.git(['commit', '-q', '-m', 'one']);
    repo.git(['update-index', '--skip-worktree', 'x.txt']);
    repo.git(['update-index', '--assume-unchanged', 'README.md']);
    writeFileSync(join(repo.dir, 'later.txt'), 'later\n');
    repo.git(['add', '-N', 'later.txt']);
    const bytes = repo.index();
    const parsed = parseGitIndex(bytes);
    expect(parsed.version).toBe(3);
    const flags = Object.fromEntries(parsed.entries.map((e) => [e.path, [e.skipWorktree, e.intentToAdd, e.assumeValid]]));
    expect(flags['x.txt']).toEqual([true, false, false]);
    expect(flags['later.txt']).toEqual([false, true, false]);
    expect(flags['README.md']).toEqual([false, false, true]);
    expect(flags['a.txt']).toEqual([false, false, false]);
    expect(asStageLines(parsed.entries)).toEqual(lsStage(repo));
    expect(asDebug(parsed.entries)).toEqual(lsDebug(repo));
    // ls-files -v: S = skip-worktree, lowercase = assume-unchanged.
    const tags = Object.fromEntries(repo.git(['ls-files', '-v']).trim().split('\n').map((l) => [l.slice(2), l[0]]));
    expect([tags['x.txt'], tags['README.md'], tags['a.txt']]).toEqual(['S', 'h', 'H']);
    expect(serializeGitIndex(parsed.entries, { extensions: parsed.extensions })).toEqual(bytes);
    // Our version-3 output is read the same way by git.
    repo.writeIndex(serializeGitIndex(parsed.entries));
    expect(repo.git(['ls-files', '-v']).trim().split('\n')).toEqual(Object.entries(tags).map(([p, t]) => `${t} ${p}`));
    expect(repo.git(['status', '--porcelain'])).toBe(' A later.txt\n');
  });

  it('parses an index written by --index-version 3 with a skip-worktree entry; without one git writes version 2, and so do we', () => {
    const repo = gitRepo();
    populate(repo);
    repo.git(['add', '-A']);
    repo.git(['update-index', '--index-version', '3']);
    // git downgrades 3 to 2 when no entry needs extended flags (do_write_index), like serializeGitIndex.
    expect(parseGitIndex(repo.index()).version).toBe(2);
    repo.git(['update-index', '--index-version', '3', '--skip-worktree', 'a.txt']);
    const parsed = parseGitIndex(repo.index());
    expect(parsed.version).toBe(3);
    expect(parsed.entries.filter((e) => e.skipWorktree).map((e) => e.path)).toEqual(['a.txt']);
    expect(asStageLines(parsed.entries)).toEqual(lsStage(repo));
    expect(asDebug(parsed.entries)).toEqual(lsDebug(repo));
    const cleared = parsed.entries.map((e) => ({ ...e, skipWorktree: false }));
    repo.writeIndex(serializeGitIndex(cleared));
    expect(parseGitIndex(repo.index()).version).toBe(2);
    expect(lsStage(repo)).toEqual(asStageLines(parsed.entries));
    expect(repo.git(['ls-files', '-v', 'a.txt'])).toBe('H a.txt\n');
  });

  it('parses conflict stages from a failed merge and round-trips them', () => {
    const repo = gitRepo();
    writeFileSync(join(repo.dir, 'f.txt'), 'base\n');
    repo.git(['add', '-A']);
    repo.git(['commit', '-q', '-m', 'base']);
    repo.git(['checkout', '-q', '-b', 'other']);
    writeFileSync(join(repo.dir, 'f.txt'), 'theirs\n');
    repo.git(['commit', '-q', '-am', 'theirs']);
    repo.git(['checkout', '-q', 'main']);
    writeFileSync(join(repo.dir, 'f.txt'), 'ours\n');
    repo.git(['commit', '-q', '-am', 'ours']);
    expect(gitFailure(() => repo.git(['merge', '-q', 'other']))).toContain('CONFLICT');
    const bytes = repo.index();
    const parsed = parseGitIndex(bytes);
    expect(parsed.entries.map((e) => [e.path, e.stage])).toEqual([
      ['f.txt', 1],
      ['f.txt', 2],
      ['f.txt', 3],
    ]);
    expect(asStageLines(parsed.entries)).toEqual(lsStage(repo));
    expect(serializeGitIndex(parsed.entries, { extensions: parsed.extensions })).toEqual(bytes);
  });

  it('reads and writes paths of 4095 bytes and longer (name length 0xFFF in the flags), in versions 2 and 4', () => {
    const repo = gitRepo();
    const long = (n: number, c: string): string => `${c}/${'x'.repeat(n - 2)}`;
    const paths = [long(4094, 'a'), long(4095, 'b'), long(4096, 'c'), long(6000, 'd')];
    for (const p of paths) repo.git(['update-index', '--add', '--cacheinfo', `100644,${EMPTY_BLOB},${p}`]);
    const bytes = repo.index();
    const parsed = parseGitIndex(bytes);
    expect(parsed.entries.map((e) => e.path)).toEqual(paths);
    expect(asStageLines(parsed.entries)).toEqual(lsStage(repo));
    expect(serializeGitIndex(parsed.entries, { extensions: parsed.extensions })).toEqual(bytes);
    repo.git(['update-index', '--index-version', '4']);
    expect(parseGitIndex(repo.index()).entries).toEqual(parsed.entries);
  });

  it('git refuses a damaged index too (the corruption cases are real failures)', () => {
    const repo = gitRepo();
    populate(repo);
    repo.git(['add', '-A']);
    const bytes = repo.index();
    bytes[40] ^= 1;
    repo.writeIndex(bytes);
    // git checks the trailer only in fsck (verify_index_checksum); ordinary reads skip it for speed.
    repo.git(['ls-files']);
    expect(gitFailure(() => repo.git(['fsck', '--no-progress']))).toMatch(/bad index file sha1 signature/);
    indexError(() => parseGitIndex(bytes));
  });
});
