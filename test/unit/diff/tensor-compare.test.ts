// Issue 14: the byte comparison counts changed elements (any byte of an element differs), with
// memcmp over blocks and a byte loop only inside differing blocks; checked against a plain loop.
import { describe, expect, it } from 'vitest';
import { countDifferences } from '../../../src/diff/tensor-compare.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';

/** The oracle: every element, every byte, no blocks. */
function naive(x: Uint8Array, y: Uint8Array, width: number): { bytes: number; elements: number } {
  let bytes = 0;
  let elements = 0;
  for (let i = 0; i < x.length; i += width) {
    let d = 0;
    for (let k = i; k < i + width; k++) if (x[k] !== y[k]) d++;
    bytes += d;
    if (d) elements++;
  }
  return { bytes, elements };
}

describe('countDifferences', () => {
  it('counts elements of 1, 2, 4 and 8 bytes as a plain loop does (random sparse and dense changes)', () => {
    const rand = seededRandom(testSeed('countDifferences'));
    let withChanges = 0;
    for (const width of [1, 2, 4, 8]) {
      for (const density of [0, 1e-4, 0.01, 0.5, 1]) {
        const n = width * (1 + Math.floor(rand() * 5000));
        const x = new Uint8Array(n).map(() => Math.floor(rand() * 256));
        const y = x.slice();
        for (let i = 0; i < n; i++) if (rand() < density) y[i] = (y[i] + 1 + Math.floor(rand() * 255)) & 0xff;
        // an offset view, as a piece of a larger read is
        const big = new Uint8Array(n + 3);
        big.set(y, 3);
        const got = countDifferences(x, big.subarray(3), width);
        const want = naive(x, y, width);
        expect(got, `width ${width}, density ${density}`).toEqual(want);
        if (want.elements > 0) withChanges++;
      }
    }
    expect(withChanges).toBeGreaterThanOrEqual(12);
  });

  it('an element whose every byte changed counts once; bytes count each', () => {
    const x = new Uint8Array(16);
    const y = x.slice();
    y.set([1, 2, 3, 4], 4); // element 1 of F32, all four bytes
    y[15] = 9; // element 3, one byte
    expect(countDifferences(x, y, 4)).toEqual({ bytes: 5, elements: 2 });
    expect(countDifferences(x, y, 2)).toEqual({ bytes: 5, elements: 3 });
  });

  it('changes on both sides of a 4096-byte block boundary', () => {
    const x = new Uint8Array(8192);
    const y = x.slice();
    y[4095] = 1;
    y[4096] = 1;
    expect(countDifferences(x, y, 2)).toEqual({ bytes: 2, elements: 2 });
    expect(countDifferences(x, y, 8)).toEqual({ bytes: 2, elements: 2 });
  });
});
