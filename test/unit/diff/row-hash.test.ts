/** RowHasher (MurmurHash3 x86_128 over the cell encoding) and RowMatcher (counts and pairing). */
import { describe, expect, it } from 'vitest';
import { RowHasher } from '../../../src/diff/row-hash.js';
import { RowMatcher } from '../../../src/diff/row-matcher.js';
import type { JsonValue } from '../../../src/formats/tabular/column-type.js';

const hex = (h: Uint32Array) => [...h].map((w) => w.toString(16).padStart(8, '0')).join('');

function hashOf(cells: (JsonValue | 'ABSENT')[]): string {
  const hasher = new RowHasher();
  for (const c of cells) hasher.cell(c === 'ABSENT' ? null : c, c === 'ABSENT');
  const out = new Uint32Array(4);
  hasher.digest(out, 0);
  return hex(out);
}

describe('RowHasher', () => {
  // Vectors of the reference implementation's tests (PeterScott/murmur3 test.c, seed 123)
  it('is MurmurHash3 x86_128 on word-aligned input', () => {
    const h = new RowHasher(123);
    const out = new Uint32Array(4);
    h.digest(out, 0);
    expect(hex(out)).toBe('fedc524526f3e79926f3e79926f3e799');
    for (let i = 0; i < 7; i++) h.word(0x78787878); // 28 × 'x'
    h.digest(out, 0);
    expect(hex(out)).toBe('5e40bab278825a164cf929d31fec6047');
  });

  it('restarts after each digest', () => {
    expect(hashOf(['a', 'b'])).toBe(hashOf(['a', 'b']));
  });

  it('keeps cell boundaries and kinds apart', () => {
    const distinct = [
      hashOf(['ab', 'c']),
      hashOf(['a', 'bc']),
      hashOf(['abc']),
      hashOf(['']),
      hashOf([null]),
      hashOf(['ABSENT']),
      hashOf(['1']),
      hashOf([1]),
      hashOf([['a', 'b']]),
      hashOf([]),
    ];
    expect(new Set(distinct).size).toBe(distinct.length);
  });

  it('hashes equal JSON values equally whatever their key order', () => {
    expect(hashOf([{ a: 1, b: [2, { c: 3, d: 4 }] }])).toBe(hashOf([{ b: [2, { d: 4, c: 3 }], a: 1 }]));
  });
});

describe('RowMatcher', () => {
  const key = (n: number) => Uint32Array.of(Math.imul(n, 0x9e3779b1) >>> 0, n, ~n >>> 0, 7);

  it('counts and pairs 100,000 keys through several rehashes', () => {
    const m = new RowMatcher(false);
    let firsts = 0;
    for (let i = 0; i < 100_000; i++) if (m.addA(key(i), 0) === 1) firsts++;
    expect(firsts).toBe(100_000);
    let added = 0;
    for (let i = 50_000; i < 150_000; i++) if (m.addB(key(i), 0) < 0) added++;
    expect([m.rowsA, m.pairs, added]).toEqual([100_000, 50_000, 50_000]);
    expect(m.isPaired(49_999)).toBe(false);
    expect(m.isPaired(50_000)).toBe(true);
    expect(m.occurrences(key(120_000), 0)).toEqual({ a: 0, b: 1 });
    expect(m.occurrences(key(999_999), 0)).toEqual({ a: 0, b: 0 });
  });

  it('pairs rows of one key in file order and compares value hashes', () => {
    const m = new RowMatcher(true);
    const v = (n: number) => Uint32Array.of(n, n, n, n);
    expect([m.addA(key(1), 0, v(10)), m.addA(key(2), 0, v(20)), m.addA(key(1), 0, v(11))]).toEqual([1, 1, 2]);
    expect(m.addB(key(1), 0)).toBe(0);
    expect(m.lastCountB).toBe(1);
    expect(m.addB(key(1), 0)).toBe(2);
    expect(m.sameValue(2, v(11), 0)).toBe(true);
    expect(m.sameValue(2, v(10), 0)).toBe(false);
    expect(m.addB(key(1), 0)).toBe(-1);
    expect(m.lastCountB).toBe(3);
    expect([m.isPaired(0), m.isPaired(1), m.isPaired(2)]).toEqual([true, false, true]);
  });
});
