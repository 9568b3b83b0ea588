import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GEAR_TABLE_HEX } from '../../../src/chunking/gear-table.js';
import { GEAR_WASM_BASE64 } from '../../../src/chunking/gear-wasm.js';
import { GearScanner } from '../../../src/chunking/gear-scanner.js';
// @ts-expect-error plain .mjs helper without types
import { compileGearWat } from '../../helpers/gen-gear-wasm.mjs';
import { SPEC_DIR } from '../../helpers/vectors.js';

describe('gear scanner', () => {
  it('embeds the table of fixtures/spec/gear-table.json', () => {
    const spec: string[] = JSON.parse(readFileSync(`${SPEC_DIR}gear-table.json`, 'utf8')).table;
    expect(GEAR_TABLE_HEX.map((h) => `0x${h}`)).toEqual(spec.map((h) => `0x${h.replace(/^0x/, '').padStart(16, '0')}`));
  });

  it('embeds the binary that gear.wat compiles to (run test/helpers/gen-gear-wasm.mjs --write)', async () => {
    expect(GEAR_WASM_BASE64).toBe(await compileGearWat());
  });

  const table = GEAR_TABLE_HEX.map((h) => BigInt(`0x${h}`));
  const mask = 0xffff000000000000n;

  /** A scanner holding `n` bytes of an LCG from `seed`. */
  function filled(n: number, seed: number): GearScanner {
    const scanner = new GearScanner(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      scanner.data[i] = s >>> 24;
    }
    return scanner;
  }

  /** Every index in (from, n] after which (h & mask) == 0, h starting at 0 at `from` and never reset. */
  function reference(scanner: GearScanner, from: number, n: number): number[] {
    const expected: number[] = [];
    let h = 0n;
    for (let i = from; i < n; i++) {
      h = ((h << 1n) + table[scanner.data[i]]) & 0xffffffffffffffffn;
      if ((h & mask) === 0n) expected.push(i + 1);
    }
    return expected;
  }

  it('computes the same rolling hash as a BigInt reference, across split scans', () => {
    const scanner = filled(1 << 16, 1234);
    const expected = reference(scanner, 0, 1 << 16);
    expect(expected.length).toBeGreaterThan(0);
    const got: number[] = [];
    // scan in uneven pieces; a match returns early and the next scan continues from there
    let at = 0;
    const pieces = [1, 3, 5, 1000, 77, 4096];
    let k = 0;
    while (at < 1 << 16) {
      const end = Math.min(1 << 16, at + pieces[k++ % pieces.length]);
      const m = scanner.nextMatch(at, end);
      if (m >= 0) {
        got.push(m);
        at = m;
      } else at = end;
    }
    expect(got).toEqual(expected);
  });

  it('finds a match at each place of its unrolled loop (four bytes; eight covered): scans from offsets 0-7 against the reference', () => {
    const n = 1 << 18;
    const scanner = filled(n, 4321);
    const places = new Set<number>();
    for (let from = 0; from < 8; from++) {
      scanner.reset();
      const expected = reference(scanner, from, n);
      const got: number[] = [];
      for (let at = from, m = scanner.nextMatch(at, n); m >= 0; at = m, m = scanner.nextMatch(at, n)) {
        got.push(m);
        places.add((m - 1 - at) % 8); // where in the loop's stride the matching byte was (each scan strides from where it starts)
      }
      expect(got, `scan from ${from}`).toEqual(expected);
    }
    expect([...places].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
