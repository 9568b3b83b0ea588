import { describe, it, expect } from 'vitest';
import { Buffer } from 'node:buffer';
import { FormatError } from '../../../src/errors.js';
import {
  isCanonicalPointer,
  looksLikePointer,
  parsePointer,
  pointerFor,
  serializePointer,
  type LfsPointer,
} from '../../../src/formats/lfs-pointer.js';
import { fixtureCases, fixtureFiles, readFixture, thrown } from './fixtures.js';

const DIR = 'pointers';
const cases = fixtureCases(DIR);
const valid = cases.filter((c) => c.valid);
const invalid = cases.filter((c) => !c.valid);
const OID = '272901e3fef8957466af08166fc01971e354c6eaeb0dd3b33cadd07f55ae1a32';
const V1 = 'version https://git-lfs.github.com/spec/v1\n';
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

function rejection(input: string | Uint8Array): FormatError {
  const err = thrown(() => parsePointer(input));
  expect(err).toBeInstanceOf(FormatError);
  return err as FormatError;
}

describe('pointer fixtures', () => {
  it('cases.json covers every fixture file and names only existing files', () => {
    expect(cases.map((c) => c.file).sort()).toEqual(fixtureFiles(DIR));
  });

  it.each(valid.map((c) => [c.file, c] as const))('%s parses to the expected pointer', (file, c) => {
    const bytes = readFixture(DIR, file);
    const expected: LfsPointer = { oid: c.oid as string, size: c.size as number, extra: c.extra as Array<[string, string]> };
    expect(parsePointer(bytes)).toEqual(expected);
    expect(parsePointer(text(bytes))).toEqual(expected);
    expect(isCanonicalPointer(bytes)).toBe(c.canonical);
    expect(isCanonicalPointer(text(bytes))).toBe(c.canonical);
    expect(looksLikePointer(bytes)).toBe(true);
  });

  it.each(valid.filter((c) => c.canonical).map((c) => [c.file] as const))(
    '%s is reproduced byte for byte by serializePointer',
    (file) => {
      const bytes = readFixture(DIR, file);
      expect(Buffer.from(serializePointer(parsePointer(bytes)))).toEqual(Buffer.from(bytes));
    },
  );

  it('pointerFor writes the golden canonical pointer byte for byte', () => {
    expect(Buffer.from(pointerFor(OID, 1275))).toEqual(Buffer.from(readFixture(DIR, 'canonical.pointer')));
  });

  it.each(['noncanonical-order.pointer', 'legacy-hawser.pointer'])('%s re-serializes to the golden canonical form', (file) => {
    const canonical = text(readFixture(DIR, 'canonical.pointer'));
    expect(serializePointer(parsePointer(readFixture(DIR, file)))).toBe(canonical);
  });

  it.each(invalid.map((c) => [c.file, c] as const))('%s is rejected with a message naming the problem', (file, c) => {
    const bytes = readFixture(DIR, file);
    for (const input of [bytes, text(bytes)]) {
      const err = rejection(input);
      expect(err.code).toBe(c.code);
      expect(err.message).toContain(c.message);
      expect(err.message).toMatch(/^not a Git LFS pointer: /);
      expect(err.message).not.toMatch(/[\r\n]/);
      if (file === 'not-utf8.pointer') break; // its text form has replacement characters, not bad UTF-8
    }
    expect(isCanonicalPointer(bytes)).toBe(false);
  });
});

describe('parsePointer', () => {
  const plain = `${V1}oid sha256:${OID}\nsize 1275\n`;

  it('accepts a pointer of 1023 bytes and rejects one of 1024', () => {
    const pad = (n: number): string => `${V1}a.pad ${'x'.repeat(n)}\noid sha256:${OID}\nsize 1275\n`;
    const base = Buffer.byteLength(pad(0));
    const ok = pad(1023 - base);
    const tooLong = pad(1024 - base);
    expect(Buffer.byteLength(ok)).toBe(1023);
    expect(parsePointer(ok).extra).toEqual([['a.pad', 'x'.repeat(1023 - base)]]);
    expect(parsePointer(Buffer.from(ok)).size).toBe(1275);
    expect(rejection(tooLong).message).toContain('too long: 1024 bytes');
    expect(rejection(Buffer.from(tooLong)).message).toContain('too long: 1024 bytes');
  });

  it('counts UTF-8 bytes, not UTF-16 code units, against the limit', () => {
    const base = Buffer.byteLength(`${V1}a.note \noid sha256:${OID}\nsize 1\n`);
    const value = 'é'.repeat(Math.ceil((1024 - base) / 2)); // 2 bytes each in UTF-8
    const input = `${V1}a.note ${value}\noid sha256:${OID}\nsize 1\n`;
    expect(input.length).toBeLessThan(1024);
    expect(rejection(input).message).toContain('too long');
  });

  it('preserves unknown keys with non-ASCII values and returns them sorted by key', () => {
    const input = `${V1}a.first one\next-0-foo sha256:${OID}\noid sha256:${OID}\nsize 7\nz.last héllo wörld\n`;
    const p = parsePointer(input);
    expect(p.extra).toEqual([['a.first', 'one'], ['ext-0-foo', `sha256:${OID}`], ['z.last', 'héllo wörld']]);
    expect(serializePointer(p)).toBe(input);
    expect(isCanonicalPointer(input)).toBe(true);
    expect(isCanonicalPointer(Buffer.from(input))).toBe(true);
  });

  it('accepts size 0 and the largest safe integer', () => {
    expect(parsePointer(`${V1}oid sha256:${OID}\nsize 0\n`).size).toBe(0);
    expect(parsePointer(`${V1}oid sha256:${OID}\nsize 9007199254740991\n`).size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['a tab in a value', `${V1}a.note x\ty\noid sha256:${OID}\nsize 1\n`, 'line 2 contains control character 0x09'],
    ['a NUL byte', `${V1}oid sha256:${OID}\nsize 1\u0000\n`, 'line 3 contains control character 0x00'],
    ['a lone surrogate', `${V1}a.note \ud800\noid sha256:${OID}\nsize 1\n`, 'not valid UTF-8 (lone surrogate)'],
    ['a UTF-8 BOM', `\ufeff${plain}`, "does not start with 'version '"],
    ['a line without a value', `${V1}oid sha256:${OID}\nsize 1\nflag\n`, "line 4 (\"flag\") is not 'key value'"],
    ['an empty value', `${V1}a.note \noid sha256:${OID}\nsize 1\n`, 'line 2: key "a.note" has an empty value'],
    ['an empty key', `${V1} x\noid sha256:${OID}\nsize 1\n`, 'line 2: key "" may only use'],
    ['a repeated version line', `${plain}${V1}`, 'line 4: duplicate key "version"'],
    ['an oid without a method', `${V1}oid ${OID}\nsize 1\n`, 'is not \'sha256:<64 hex digits>\''],
    ['a signed size', `${V1}oid sha256:${OID}\nsize +1\n`, 'size "+1" is not a non-negative decimal integer'],
    ['a fractional size', `${V1}oid sha256:${OID}\nsize 1.5\n`, 'size "1.5" is not a non-negative decimal integer'],
    ['a size with exponent', `${V1}oid sha256:${OID}\nsize 1e3\n`, 'size "1e3" is not a non-negative decimal integer'],
    ['trailing blank line', `${plain}\n`, 'line 4 is empty'],
    ['a lone CR', `${V1}oid sha256:${OID}\rsize 1\n`, 'contains a carriage return'],
  ])('rejects %s', (_name, input, message) => {
    const err = rejection(input);
    expect(err.code).toBe('bad_pointer');
    expect(err.message).toContain(message);
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  it('round-trips: parse(serialize(p)) equals p', () => {
    const p: LfsPointer = { oid: OID, size: 42, extra: [['ext-0-a', 'b c'], ['x.y', 'z']] };
    expect(parsePointer(serializePointer(p))).toEqual(p);
  });
});

describe('serializePointer', () => {
  it('writes exactly the plain canonical form', () => {
    expect(serializePointer({ oid: OID, size: 5, extra: [] })).toBe(`${V1}oid sha256:${OID}\nsize 5\n`);
  });

  it('sorts extra keys around oid and size, whatever their input order', () => {
    const out = serializePointer({ oid: OID, size: 5, extra: [['z', '1'], ['a', '2'], ['p', '3']] });
    expect(out).toBe(`${V1}a 2\noid sha256:${OID}\np 3\nsize 5\nz 1\n`);
  });

  it.each([
    ['an uppercase oid', { oid: OID.toUpperCase(), size: 1, extra: [] }, 'is not 64 lowercase hex digits'],
    ['a prefixed oid', { oid: `sha256:${OID}`, size: 1, extra: [] }, 'is not 64 lowercase hex digits'],
    ['a negative size', { oid: OID, size: -1, extra: [] }, 'size -1 is not a non-negative safe integer'],
    ['a fractional size', { oid: OID, size: 1.5, extra: [] }, 'size 1.5 is not'],
    ['an unsafe size', { oid: OID, size: 2 ** 53, extra: [] }, 'is not a non-negative safe integer'],
    ['a reserved extra key', { oid: OID, size: 1, extra: [['size', '2']] }, 'extra key "size" is reserved'],
    ['an invalid key', { oid: OID, size: 1, extra: [['Bad', 'x']] }, 'key "Bad" may only use'],
    ['a duplicate key', { oid: OID, size: 1, extra: [['a', 'x'], ['a', 'y']] }, 'duplicate key "a"'],
    ['a newline in a value', { oid: OID, size: 1, extra: [['a', 'x\nsize 2']] }, 'cannot be written on one line'],
    ['an empty value', { oid: OID, size: 1, extra: [['a', '']] }, 'cannot be written on one line'],
    ['too many bytes', { oid: OID, size: 1, extra: [['a', 'x'.repeat(1000)]] }, '1024 bytes or more'],
  ] as Array<[string, LfsPointer, string]>)('refuses %s', (_name, p, message) => {
    const err = thrown(() => serializePointer(p));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe('bad_pointer');
    expect((err as FormatError).message).toContain(message);
  });

  it('pointerFor refuses an oid that is not in stored form', () => {
    expect(() => pointerFor(OID.slice(1), 1)).toThrow(FormatError);
  });
});

describe('looksLikePointer', () => {
  const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

  it('is true for both version URLs, even before anything else is checked', () => {
    expect(looksLikePointer(bytes(`${V1}oid sha256:${OID}\nsize 1\n`))).toBe(true);
    expect(looksLikePointer(bytes('version https://hawser.github.com/spec/v1\n'))).toBe(true);
    expect(looksLikePointer(bytes('version https://git-lfs.github.com/spec/v1\r\ngarbage'))).toBe(true);
  });

  it.each([
    ['empty input', ''],
    ['a prefix of the version line', 'version https://git-lfs.github.com/spec/'],
    ['another URL', 'version https://example.com/spec/v1\n'],
    ['a BOM', `\ufeff${V1}`],
    ['a README', '# Model card\n'],
  ])('is false for %s', (_name, s) => {
    expect(looksLikePointer(bytes(s))).toBe(false);
  });

  it('is false for 1024 bytes or more, whatever they start with', () => {
    const big = new Uint8Array(1024);
    big.set(bytes(V1));
    expect(looksLikePointer(big)).toBe(false);
    expect(looksLikePointer(big.subarray(0, 1023))).toBe(true);
  });
});
