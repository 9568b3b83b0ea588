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

  it('computes the same rolling hash as a BigInt reference, across split scans', () => {
    const table = GEAR_TABLE_HEX.map((h) => BigInt(`0x${h}`));
    const mask = 0xffff000000000000n;
    const seed = 1234;
    const scanner = new GearScanner(1 << 16);
    let s = seed;
    for (let i = 0; i < 1 << 16; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      scanner.data[i] = s >>> 24;
    }
    // reference: every index after which (h & mask) == 0, never resetting
    const expected: number[] = [];
    let h = 0n;
    for (let i = 0; i < 1 << 16; i++) {
      h = ((h << 1n) + table[scanner.data[i]]) & 0xffffffffffffffffn;
      if ((h & mask) === 0n) expected.push(i + 1);
    }
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
});
