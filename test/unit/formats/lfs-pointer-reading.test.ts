/**
 * readAsGitLfs against real git-lfs (`git lfs pointer --check --file`, which runs the same
 * DecodePointer as the smudge filter on the file's first 1024 bytes) on pointers in every shape
 * git-lfs tolerates and many it does not; and classifyBlob's verdicts for the cases of issue 11.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pointerFor } from '../../../src/formats/lfs-pointer.js';
import { classifyBlob, GIT_LFS_READ_BYTES, readAsGitLfs } from '../../../src/formats/lfs-pointer-reading.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const OID = 'a'.repeat(56) + '0123abcd';
const V = 'version https://git-lfs.github.com/spec/v1';
const canonical = pointerFor(OID, 1234);

/** Named blobs: every shape of issue 11 and the neighbours of each rule of pointer.go. */
const CASES: Record<string, string | Buffer> = {
  canonical,
  crlf: canonical.replaceAll('\n', '\r\n'),
  'no final newline': canonical.slice(0, -1),
  'leading blank line': `\n${canonical}`,
  'leading spaces and tabs': ` \t ${canonical}`,
  'leading NBSP': `\u00a0${canonical}`,
  'padded to 2000 bytes with spaces': canonical + ' '.repeat(2000 - canonical.length),
  'pointer, then garbage after byte 1024': Buffer.concat([Buffer.from(canonical), Buffer.alloc(GIT_LFS_READ_BYTES - canonical.length, 0x20), Buffer.from('garbage that git-lfs never reads')]),
  'blank lines between': `${V}\n\n\noid sha256:${OID}\n\nsize 1234\n`,
  'legacy hawser version': canonical.replace('https://git-lfs.github.com/spec/v1', 'https://hawser.github.com/spec/v1'),
  'alpha git-media version': canonical.replace('https://git-lfs.github.com/spec/v1', 'http://git-media.io/v/2'),
  'unknown version': canonical.replace('spec/v1', 'spec/v2'),
  'uppercase oid': canonical.replace(OID, OID.toUpperCase()),
  'short oid': canonical.replace(OID, OID.slice(1)),
  'oid with a suffix': canonical.replace(OID, `${OID}x`),
  'sha1 oid': canonical.replace('sha256:', 'sha1:'),
  'size with plus sign': canonical.replace('size 1234', 'size +1234'),
  'size with leading zeros': canonical.replace('size 1234', 'size 001234'),
  'size minus zero': canonical.replace('size 1234', 'size -0'),
  'negative size': canonical.replace('size 1234', 'size -1'),
  'size overflowing int64': canonical.replace('size 1234', 'size 9223372036854775808'),
  'size 2^63-1': canonical.replace('size 1234', 'size 9223372036854775807'),
  'two spaces after size': canonical.replace('size 1234', 'size  1234'),
  'tab instead of space': canonical.replace('size 1234', 'size\t1234'),
  'missing size': `${V}\noid sha256:${OID}\n`,
  'keys out of order': `${V}\nsize 1234\noid sha256:${OID}\n`,
  'extra line after size': `${canonical}extra value\n`,
  'extension line': `${V}\next-0-foo sha256:${OID}\noid sha256:${OID}\nsize 1234\n`,
  'extension with two-digit priority': `${V}\next-10-foo sha256:${OID}\noid sha256:${OID}\nsize 1234\n`,
  'extensions with one priority': `${V}\next-0-foo sha256:${OID}\next-0-bar sha256:${OID}\noid sha256:${OID}\nsize 1234\n`,
  'extension after size': `${canonical}ext-0-foo sha256:${OID}\n`,
  'unknown key': `${V}\noid sha256:${OID}\nfoo bar\nsize 1234\n`,
  'CR inside a line': canonical.replace('size 1234', 'size 12\r34'),
  'ordinary text mentioning git-lfs': 'see https://git-lfs.github.com for details\n',
  'ordinary binary': Buffer.from([0, 1, 2, 3, 0xff]),
  'cut inside the size line at byte 1024': Buffer.concat([Buffer.alloc(GIT_LFS_READ_BYTES - canonical.length + 3, 0x0a), Buffer.from(canonical)]),
};

describe('readAsGitLfs', () => {
  it('reads a blob as a pointer exactly when git-lfs does', () => {
    const dir = tmpDir('hub-lfs-read-');
    const verdicts: string[] = [];
    const expected: string[] = [];
    for (const [name, content] of Object.entries(CASES)) {
      const file = join(dir, 'blob');
      writeFileSync(file, content);
      const r = spawnSync('git', ['lfs', 'pointer', '--check', '--file', file], { encoding: 'utf8' });
      expect([0, 1], `${name}: ${r.stderr}`).toContain(r.status);
      expected.push(`${name}: ${r.status === 0 ? 'pointer' : 'file'}`);
      verdicts.push(`${name}: ${readAsGitLfs(Buffer.from(content)) ? 'pointer' : 'file'}`);
    }
    expect(verdicts).toEqual(expected);
    // both verdicts occur often: the corpus exercises each rule from both sides
    expect(expected.filter((v) => v.endsWith('pointer')).length).toBeGreaterThan(10);
    expect(expected.filter((v) => v.endsWith('file')).length).toBeGreaterThan(10);
  });

  it('gives the oid and size git-lfs would fetch', () => {
    expect(readAsGitLfs(Buffer.from(CASES.crlf as string))).toEqual({ oid: OID, size: 1234 });
    expect(readAsGitLfs(Buffer.from(CASES['size with plus sign'] as string))).toEqual({ oid: OID, size: 1234 });
    expect(readAsGitLfs(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('classifyBlob', () => {
  const kind = (content: string | Buffer) => {
    const bytes = Buffer.from(content);
    return classifyBlob(bytes.subarray(0, GIT_LFS_READ_BYTES), bytes.length);
  };

  it('calls a canonical pointer a pointer, and ordinary files files', () => {
    expect(kind(canonical)).toEqual({ kind: 'pointer', oid: OID, size: 1234 });
    expect(kind('hello\n')).toEqual({ kind: 'file' });
    expect(kind(Buffer.alloc(5000, 1))).toEqual({ kind: 'file' });
    expect(kind(CASES['unknown version'])).toEqual({ kind: 'file' });
  });

  it('calls ambiguous every shape of issue 11 that git-lfs smudges but hub does not read', () => {
    for (const name of ['crlf', 'no final newline', 'leading blank line', 'padded to 2000 bytes with spaces', 'pointer, then garbage after byte 1024', 'size with leading zeros']) {
      const verdict = kind(CASES[name]);
      expect(verdict, name).toMatchObject({ kind: 'ambiguous' });
      expect((verdict as { reason: string }).reason, name).toMatch(/^git-lfs reads it as a pointer to sha256:a{56}0123abcd, but it is malformed \(.+\)$/);
    }
  });

  it('calls ambiguous a pointer hub reads but git-lfs does not', () => {
    expect(kind(`${V}\nsize 1234\noid sha256:${OID}\n`)).toEqual({ kind: 'ambiguous', reason: 'hub reads it as a Git LFS pointer, but git-lfs does not' });
  });
});
