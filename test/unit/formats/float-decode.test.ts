import { describe, expect, it } from 'vitest';
import { decodeFloats, isFloatDtype } from '../../../src/formats/float-decode.js';

/** Every 16-bit pattern, little-endian. */
const allPatterns = new Uint8Array(new Uint16Array(Array.from({ length: 65536 }, (_, i) => i)).buffer);

/** binary16 by the textbook formula (a second method: no table, no bit assembly). */
function halfByFormula(h: number): number {
  const s = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * 2 ** -14 * (m / 1024) : s * 2 ** (e - 15) * (1 + m / 1024);
}

/** bfloat16 as the top half of a big-endian float32 read through a DataView. */
function bf16ByDataView(h: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint16(0, h);
  return v.getFloat32(0);
}

/** Patterns whose decoded value differs from `reference` (NaN matches NaN; -0 must stay -0). */
function mismatches(got: Float32Array | Float64Array, reference: (h: number) => number): number[] {
  const bad: number[] = [];
  for (let h = 0; h < 65536; h++) {
    const want = reference(h);
    if (!Object.is(got[h], want) && !(Number.isNaN(got[h]) && Number.isNaN(want))) bad.push(h);
  }
  return bad;
}

describe('decodeFloats', () => {
  it('decodes every F16 pattern as the formula does', () => {
    const got = decodeFloats('F16', allPatterns);
    expect(mismatches(got, halfByFormula)).toEqual([]);
  });

  it('decodes every BF16 pattern as a DataView does', () => {
    const got = decodeFloats('BF16', allPatterns);
    expect(mismatches(got, bf16ByDataView)).toEqual([]);
  });

  it('decodes F32 and F64 from unaligned bytes', () => {
    const f32 = new Uint8Array(1 + 12);
    const v = new DataView(f32.buffer);
    [1.5, -0.1, 3e38].forEach((x, i) => v.setFloat32(1 + i * 4, x, true));
    expect(Array.from(decodeFloats('F32', f32.subarray(1)))).toEqual([1.5, Math.fround(-0.1), Math.fround(3e38)]);
    const f64 = new Uint8Array(3 + 16);
    const w = new DataView(f64.buffer);
    [Math.PI, -1e300].forEach((x, i) => w.setFloat64(3 + i * 8, x, true));
    expect(Array.from(decodeFloats('F64', f64.subarray(3)))).toEqual([Math.PI, -1e300]);
  });

  it('fills a given output array, and never squeezes F64 into a Float32Array', () => {
    const out = new Float32Array(8);
    const got = decodeFloats('BF16', allPatterns.subarray(0x3f80 * 2, 0x3f80 * 2 + 4), out);
    expect(got.buffer).toBe(out.buffer);
    expect(Array.from(got)).toEqual([1, 1.0078125]);
    const wide = decodeFloats('F64', new Uint8Array(new Float64Array([1e300]).buffer), out);
    expect(wide).toBeInstanceOf(Float64Array);
    expect(wide[0]).toBe(1e300);
  });

  it('rejects a partial element and knows its dtypes', () => {
    expect(() => decodeFloats('F32', new Uint8Array(6))).toThrow(RangeError);
    expect(['F64', 'F32', 'F16', 'BF16', 'I32', 'F8_E4M3'].map(isFloatDtype)).toEqual([true, true, true, true, false, false]);
  });
});
