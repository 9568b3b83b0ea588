/**
 * Randomized round trips of every codec. The seed is printed (`seed=N`); rerun a failure with
 * `FORMATS_SEED=N npx vitest run test/unit/formats/random-roundtrip.test.ts`.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { FormatError } from '../../../src/errors.js';
import { isCanonicalPointer, parsePointer, serializePointer, type LfsPointer } from '../../../src/formats/lfs-pointer.js';
import {
  isCanonicalManifest,
  mergeTerm,
  parseManifest,
  serializeManifest,
  type FileManifest,
  type ManifestTerm,
} from '../../../src/formats/manifest.js';
import { MAX_CHUNK_BYTES, XorbRecordScanner, encodeXorb, parseXorbRecords } from '../../../src/formats/xorb.js';
import { checkSchema, type Schema } from '../../helpers/schema-check.js';

const seed = process.env.FORMATS_SEED !== undefined ? Number(process.env.FORMATS_SEED) : Math.floor(Math.random() * 2 ** 32);
console.log(`seed=${seed}`);

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(seed);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
const hex64 = (): string => Array.from({ length: 64 }, () => pick([...'0123456789abcdef'])).join('');
function bytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 256) | 0;
  return out;
}
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
const byKey = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function randomSize(): number {
  return pick([() => 0, () => int(1, 1000), () => int(0, 2 ** 31), () => Number.MAX_SAFE_INTEGER - int(0, 1000)])();
}

function randomPointer(): LfsPointer {
  const extra = new Map<string, string>();
  const n = pick([0, 0, 1, 2, 5]);
  while (extra.size < n) {
    const key = Array.from({ length: int(1, 12) }, () => pick([...'abcdefghijklmnopqrstuvwxyz0123456789.-'])).join('');
    if (key === 'version' || key === 'oid' || key === 'size') continue;
    const first = pick([...'abcxyz019:/é€😀']);
    const value = first + Array.from({ length: int(0, 30) }, () => pick([...'abc XYZ 019:/=-_é€😀'])).join('');
    extra.set(key, value);
  }
  return { oid: hex64(), size: randomSize(), extra: [...extra].sort(byKey) };
}

describe(`randomized round trips (seed=${seed})`, () => {
  it('pointers: parse(serialize(p)) equals p, in any line order', () => {
    for (let i = 0; i < 300; i++) {
      const p = randomPointer();
      const text = serializePointer(p);
      expect(parsePointer(text)).toEqual(p);
      expect(parsePointer(Buffer.from(text))).toEqual(p);
      expect(isCanonicalPointer(text)).toBe(true);
      const lines = text.split('\n').slice(1, -1);
      for (let j = lines.length - 1; j > 0; j--) {
        const k = int(0, j);
        [lines[j], lines[k]] = [lines[k], lines[j]];
      }
      const shuffled = `${text.split('\n')[0]}\n${lines.join('\n')}\n`;
      expect(parsePointer(shuffled)).toEqual(p);
      expect(isCanonicalPointer(shuffled)).toBe(shuffled === text);
    }
  });

  it('xorbs: records point at the chunks; a cut is truncation unless it falls on a record boundary', () => {
    for (let i = 0; i < 40; i++) {
      const chunks = Array.from({ length: int(1, 12) }, () => bytes(pick([1, int(1, 64), int(1, 9000), MAX_CHUNK_BYTES])));
      const xorb = encodeXorb(chunks);
      const records = parseXorbRecords(xorb);
      expect(records.map((r) => r.length)).toEqual(chunks.map((c) => c.length));
      records.forEach((r, j) => expect(same(xorb.subarray(r.dataOffset, r.dataOffset + r.length), chunks[j])).toBe(true));
      const scanner = new XorbRecordScanner(xorb.length);
      const walked = [];
      while (!scanner.done) walked.push(scanner.next(xorb.subarray(scanner.offset, scanner.offset + 8)));
      expect(walked).toEqual(records);

      const cut = int(1, xorb.length - 1);
      const boundary = records.findIndex((r) => r.offset === cut);
      if (boundary > 0) {
        expect(parseXorbRecords(xorb.subarray(0, cut))).toEqual(records.slice(0, boundary));
      } else {
        const err = (() => {
          try {
            parseXorbRecords(xorb.subarray(0, cut));
          } catch (e) {
            return e as FormatError;
          }
          throw new Error(`cut at ${cut} was not detected`);
        })();
        expect(err).toBeInstanceOf(FormatError);
        expect(err.code).toBe('bad_xorb');
        expect(err.message).toMatch(/^truncated chunk record \d+ at byte \d+: /);
      }
    }
  });

  it('manifests: parse(serialize(m)) equals m, conforms to the schema, and mergeTerm keeps the chunk sequence', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../docs/schemas/manifest.schema.json', import.meta.url), 'utf8')) as Schema;
    const xorbs = Array.from({ length: 3 }, hex64);
    for (let i = 0; i < 200; i++) {
      // A file read chunk by chunk: each chunk comes from a random xorb, often continuing the last one.
      const chunks: Array<{ xorb: string; index: number; bytes: number }> = [];
      let at = { xorb: pick(xorbs), index: int(0, 8000) };
      for (let n = int(0, 60); n > 0; n--) {
        if (rand() < 0.3 || at.index >= 8191) at = { xorb: pick(xorbs), index: int(0, 8191) };
        else at = { xorb: at.xorb, index: at.index + 1 };
        chunks.push({ ...at, bytes: int(1, MAX_CHUNK_BYTES) });
      }
      const terms = chunks.reduce<ManifestTerm[]>(
        (acc, c) => mergeTerm(acc, { xorb: c.xorb, chunkStart: c.index, chunkEnd: c.index + 1, bytes: c.bytes }),
        [],
      );
      const expanded = terms.flatMap((t) => Array.from({ length: t.chunkEnd - t.chunkStart }, (_, k) => `${t.xorb}:${t.chunkStart + k}`));
      expect(expanded).toEqual(chunks.map((c) => `${c.xorb}:${c.index}`));
      terms.slice(1).forEach((t, k) => expect(t.xorb === terms[k].xorb && t.chunkStart === terms[k].chunkEnd).toBe(false));

      const size = chunks.reduce((s, c) => s + c.bytes, 0);
      const m: FileManifest = { version: 1, oid: hex64(), size, xetHash: hex64(), terms };
      const text = serializeManifest(m);
      expect(parseManifest(text)).toEqual(m);
      expect(isCanonicalManifest(text)).toBe(true);
      expect(isCanonicalManifest(JSON.stringify(m, null, 1))).toBe(false);
      expect(checkSchema(schema, JSON.parse(text))).toEqual([]);
    }
  });
});
