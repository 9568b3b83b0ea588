import { describe, it, expect } from 'vitest';
import { Buffer } from 'node:buffer';
import { FormatError } from '../../../src/errors.js';
import {
  isCanonicalManifest,
  mergeTerm,
  parseManifest,
  serializeManifest,
  type FileManifest,
  type ManifestTerm,
} from '../../../src/formats/manifest.js';
import { fixtureCases, fixtureFiles, readFixture, thrown } from './fixtures.js';

const DIR = 'manifests';
const cases = fixtureCases(DIR);
const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const OID = '272901e3fef8957466af08166fc01971e354c6eaeb0dd3b33cadd07f55ae1a32';
const XET = 'c3'.repeat(32);

function manifestError(fn: () => unknown): FormatError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe('bad_manifest');
  return err as FormatError;
}

const term = (xorb: string, chunkStart: number, chunkEnd: number, bytes: number): ManifestTerm => ({
  xorb,
  chunkStart,
  chunkEnd,
  bytes,
});

describe('manifest fixtures', () => {
  it('cases.json covers every fixture file', () => {
    expect(cases.map((c) => c.file).sort()).toEqual(fixtureFiles(DIR));
  });

  it.each(cases.filter((c) => c.valid).map((c) => [c.file, c] as const))('%s parses to the expected manifest', (file, c) => {
    const bytes = readFixture(DIR, file);
    expect(parseManifest(bytes)).toEqual(c.manifest);
    expect(parseManifest(Buffer.from(bytes).toString('utf8'))).toEqual(c.manifest);
    expect(isCanonicalManifest(bytes)).toBe(c.canonical);
  });

  it.each(cases.filter((c) => c.valid && c.canonical).map((c) => [c.file, c] as const))(
    'serializeManifest reproduces %s byte for byte',
    (file, c) => {
      const golden = Buffer.from(readFixture(DIR, file));
      expect(Buffer.from(serializeManifest(c.manifest as FileManifest))).toEqual(golden);
      expect(Buffer.from(serializeManifest(parseManifest(golden)))).toEqual(golden);
    },
  );

  it('pretty.json re-serializes to golden.json', () => {
    const golden = Buffer.from(readFixture(DIR, 'golden.json')).toString('utf8');
    expect(serializeManifest(parseManifest(readFixture(DIR, 'pretty.json')))).toBe(golden);
  });

  it.each(cases.filter((c) => !c.valid).map((c) => [c.file, c] as const))('%s is rejected naming the problem', (file, c) => {
    const bytes = readFixture(DIR, file);
    const err = manifestError(() => parseManifest(bytes));
    expect(err.code).toBe(c.code);
    expect(err.message).toContain(c.message);
    expect(err.message).toMatch(/^invalid manifest: /);
    expect(err.message).not.toContain('\n');
    expect(isCanonicalManifest(bytes)).toBe(false);
  });
});

describe('serializeManifest', () => {
  it('writes the fixed key order, compact, with one trailing newline, whatever the object key order', () => {
    const m = {
      terms: [{ bytes: 5, chunkEnd: 2, chunkStart: 1, xorb: A }],
      xetHash: XET,
      size: 5,
      oid: OID,
      version: 1,
    } as FileManifest;
    expect(serializeManifest(m)).toBe(
      `{"version":1,"oid":"${OID}","size":5,"xetHash":"${XET}","terms":[{"xorb":"${A}","chunkStart":1,"chunkEnd":2,"bytes":5}]}\n`,
    );
  });

  it('validates before writing, so it never produces a manifest parseManifest would reject', () => {
    const m: FileManifest = { version: 1, oid: OID, size: 6, xetHash: XET, terms: [term(A, 0, 1, 5)] };
    expect(manifestError(() => serializeManifest(m)).message).toContain('terms hold 5 bytes but size is 6');
  });

  it('drops keys the format does not define instead of writing them', () => {
    const m = { version: 1, oid: OID, size: 0, xetHash: XET, terms: [], note: 'x' } as FileManifest;
    expect(manifestError(() => serializeManifest(m)).message).toContain('unknown key "note" in manifest');
  });
});

describe('parseManifest', () => {
  it('round-trips: parse(serialize(m)) equals m', () => {
    const m: FileManifest = {
      version: 1,
      oid: OID,
      size: 10 + 131072 * 8192,
      xetHash: XET,
      terms: [term(A, 8191, 8192, 10), term(B, 0, 8192, 131072 * 8192)],
    };
    expect(parseManifest(serializeManifest(m))).toEqual(m);
  });

  it.each([
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'not valid UTF-8'],
    ['null', 'null', 'expected a JSON object, got null'],
    ['a string', '"x"', 'expected a JSON object, got "x"'],
    ['version as a string', JSON.stringify({ version: '1', oid: OID, size: 0, xetHash: XET, terms: [] }), 'unsupported version "1"'],
    ['terms as an object', JSON.stringify({ version: 1, oid: OID, size: 0, xetHash: XET, terms: {} }), 'terms must be an array, got an object'],
    [
      'an unknown term key',
      JSON.stringify({ version: 1, oid: OID, size: 1, xetHash: XET, terms: [{ ...term(A, 0, 1, 1), offset: 0 }] }),
      'unknown key "offset" in terms[0]',
    ],
    [
      'a missing term key',
      JSON.stringify({ version: 1, oid: OID, size: 1, xetHash: XET, terms: [{ xorb: A, chunkStart: 0, chunkEnd: 1 }] }),
      'missing key "bytes" in terms[0]',
    ],
    [
      'a chunkStart past the last chunk',
      JSON.stringify({ version: 1, oid: OID, size: 1, xetHash: XET, terms: [term(A, 8192, 8193, 1)] }),
      'terms[0].chunkStart is 8192, must be between 0 and 8191',
    ],
    [
      'more bytes than the chunks can hold',
      JSON.stringify({ version: 1, oid: OID, size: 262145, xetHash: XET, terms: [term(A, 0, 2, 262145)] }),
      'terms[0].bytes is 262145, must be between 2 and 262144',
    ],
    [
      'an unsafe size',
      `{"version":1,"oid":"${OID}","size":9007199254740993,"xetHash":"${XET}","terms":[]}`,
      'size must be an integer, got 9007199254740992',
    ],
  ])('rejects %s', (_name, input, message) => {
    expect(manifestError(() => parseManifest(input)).message).toContain(message);
  });

  it('accepts non-canonical but valid JSON (whitespace, key order, mergeable neighbours)', () => {
    const text = ` { "terms": [ {"bytes":1,"chunkEnd":1,"chunkStart":0,"xorb":"${A}"}, {"xorb":"${A}","chunkStart":1,"chunkEnd":2,"bytes":2} ],
      "size": 3, "xetHash": "${XET}", "oid": "${OID}", "version": 1 }`;
    const m = parseManifest(text);
    expect(m.terms).toEqual([term(A, 0, 1, 1), term(A, 1, 2, 2)]);
    expect(isCanonicalManifest(text)).toBe(false);
    expect(isCanonicalManifest(serializeManifest(m))).toBe(true);
  });
});

describe('mergeTerm', () => {
  it('merges a term that continues the previous one in the same xorb', () => {
    const terms = [term(A, 0, 3, 300)];
    expect(mergeTerm(terms, term(A, 3, 5, 200))).toBe(terms);
    expect(terms).toEqual([term(A, 0, 5, 500)]);
  });

  it.each([
    ['another xorb', term(B, 3, 5, 200)],
    ['a gap', term(A, 4, 5, 200)],
    ['an overlap', term(A, 2, 5, 200)],
    ['a backwards range', term(A, 0, 1, 200)],
  ])('appends when the term follows in %s', (_name, next) => {
    const terms = [term(A, 0, 3, 300)];
    mergeTerm(terms, next);
    expect(terms).toEqual([term(A, 0, 3, 300), next]);
  });

  it('appends to an empty list, and never mutates or aliases the terms it is given', () => {
    const first = term(A, 0, 1, 10);
    const terms = mergeTerm([], first);
    expect(terms).toEqual([first]);
    expect(terms[0]).not.toBe(first);
    mergeTerm(terms, term(A, 1, 2, 10));
    expect(first).toEqual(term(A, 0, 1, 10));
  });

  it('builds the minimal term list for a file read chunk by chunk', () => {
    const chunks: Array<[string, number]> = [[A, 0], [A, 1], [A, 2], [B, 7], [B, 8], [A, 3], [A, 9]];
    const terms = chunks.reduce<ManifestTerm[]>((acc, [xorb, i]) => mergeTerm(acc, term(xorb, i, i + 1, 100)), []);
    expect(terms).toEqual([term(A, 0, 3, 300), term(B, 7, 9, 200), term(A, 3, 4, 100), term(A, 9, 10, 100)]);
  });
});
