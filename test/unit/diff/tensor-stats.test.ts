// --stats checked against values computed here by other means: the fixture's tensors decoded
// by hand (F16 by formula, BF16 by shifting into a Float32Array, F32 through Math.fround), and
// seeded random tensors with b = a + a known delta on known elements.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/diff/byte-source.js';
import { diffTensorFiles, type TensorStats } from '../../../src/diff/tensor-diff.js';
import { repoRoot } from '../../helpers/paths.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { bf16Bytes, f16Bytes, f32Bytes, f64Bytes, safetensorsBytes } from '../../helpers/tensor-files.js';

/** Values of a tensor decoded without src/: per dtype a method unlike float-decode.ts. */
function decodeIndependently(dtype: string, bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  if (dtype === 'F16') {
    for (let i = 0; i < bytes.length; i += 2) {
      const h = view.getUint16(i, true);
      const e = (h >> 10) & 31;
      const frac = (h & 1023) / 1024;
      out.push((h & 0x8000 ? -1 : 1) * (e === 0 ? 2 ** -14 * frac : 2 ** (e - 15) * (1 + frac)));
    }
  } else if (dtype === 'BF16') {
    const words = new Uint32Array(bytes.length / 2);
    for (let i = 0; i < words.length; i++) words[i] = view.getUint16(i * 2, true) * 65536;
    out.push(...new Float32Array(words.buffer));
  } else if (dtype === 'F32') {
    for (let i = 0; i < bytes.length; i += 4) out.push(Math.fround(view.getFloat32(i, true)));
  } else {
    for (let i = 0; i < bytes.length; i += 8) out.push(view.getFloat64(i, true));
  }
  return out;
}

/** The statistics by their definitions, in plain loops over arrays. */
function expectedStats(a: number[], b: number[]): Omit<TensorStats, 'nonFinite'> {
  const d = a.map((x, i) => x - b[i]);
  const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const dot = a.reduce((s, x, i) => s + x * b[i], 0);
  return {
    maxAbsDiff: Math.max(...d.map(Math.abs)),
    meanAbsDiff: d.reduce((s, x) => s + Math.abs(x), 0) / a.length,
    relL2: norm(d) / norm(a),
    cosine: dot / (norm(a) * norm(b)),
    elements: a.length,
    changedElements: d.filter((x) => x !== 0).length,
  };
}

function expectClose(got: TensorStats | undefined, want: Omit<TensorStats, 'nonFinite'>): void {
  expect(got).toBeDefined();
  const g = got as TensorStats;
  expect(g.nonFinite).toBe(0);
  expect([g.elements, g.changedElements]).toEqual([want.elements, want.changedElements]);
  for (const key of ['maxAbsDiff', 'meanAbsDiff', 'relL2', 'cosine'] as const) {
    expect(g[key], key).not.toBeNull();
    expect(Math.abs((g[key] as number) - (want[key] as number)), key).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[key] as number)));
  }
}

/** Tensors of a safetensors file in memory, read from its header by JSON.parse. */
function tensorsOf(file: Uint8Array): Record<string, { dtype: string; bytes: Uint8Array }> {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const out: Record<string, { dtype: string; bytes: Uint8Array }> = {};
  for (const [name, t] of Object.entries(header)) {
    if (name !== '__metadata__') out[name] = { dtype: t.dtype, bytes: file.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]) };
  }
  return out;
}

describe('tensor stats', () => {
  it('match independent decoding on the value-changed fixture (F32, F16, BF16, F64)', async () => {
    const dir = join(repoRoot, 'fixtures', 'diff', 'tensors', 'value-changed');
    const [fa, fb] = ['a', 'b'].map((s) => new Uint8Array(readFileSync(join(dir, `${s}.safetensors`))));
    const got = await diffTensorFiles(bufferSource('a', fa), bufferSource('b', fb), { stats: true, limit: 100, format: 'safetensors' });
    const [ta, tb] = [tensorsOf(fa), tensorsOf(fb)];
    const floats = got.changed.items.filter((c) => c.stats);
    expect(floats.map((c) => c.name)).toEqual(['bf16', 'f16', 'f32', 'f64']);
    for (const c of floats) {
      expectClose(c.stats, expectedStats(decodeIndependently(ta[c.name].dtype, ta[c.name].bytes), decodeIndependently(tb[c.name].dtype, tb[c.name].bytes)));
    }
    // the generator's known deltas: f32 +0.25 on 4 of 8, f16 +0.5 on 2 of 8, bf16 +0.25 on 2 of 4, f64 +1 on 1 of 4
    expect(floats.map((c) => [c.stats?.maxAbsDiff, c.stats?.meanAbsDiff])).toEqual([[0.25, 0.125], [0.5, 0.125], [0.25, 0.125], [1, 0.25]]);
  });

  it.each(['F32', 'F16', 'BF16', 'F64'] as const)('b = a + 0.5 on random elements of a random %s tensor: exact max and mean', async (dtype) => {
    const seed = testSeed(`tensor stats ${dtype}`);
    const rand = seededRandom(seed);
    const n = 1000 + Math.floor(rand() * 1000);
    // eighths in [-8, 8] and those plus 0.5 are exact in every float dtype, so the deltas are exact
    const a = Array.from({ length: n }, () => Math.floor(rand() * 129 - 64) / 8);
    const changed = new Set(Array.from({ length: 1 + Math.floor(rand() * 50) }, () => Math.floor(rand() * n)));
    const b = a.map((x, i) => (changed.has(i) ? x + 0.5 : x));
    const encode = { F32: f32Bytes, F16: f16Bytes, BF16: bf16Bytes, F64: f64Bytes }[dtype];
    const file = (values: number[]) => safetensorsBytes([{ name: 't', dtype, shape: [n], bytes: encode(values) }, { name: 'same', dtype: 'U8', shape: [1], bytes: new Uint8Array([1]) }]);
    const got = await diffTensorFiles(bufferSource('a', file(a)), bufferSource('b', file(b)), { stats: true, limit: 10, format: 'safetensors' });
    const stats = got.changed.items[0].stats;
    expect(stats?.maxAbsDiff).toBe(0.5);
    expect(stats?.meanAbsDiff).toBe((0.5 * changed.size) / n);
    expectClose(stats, expectedStats(a, b));
    expect(got.unchanged).toBe(1);
  });

  it('leaves NaN and infinite pairs out, and gives null where a norm is 0', async () => {
    const file = (v: number[]) => safetensorsBytes([{ name: 't', dtype: 'F32', shape: [v.length], bytes: f32Bytes(v) }]);
    const got = await diffTensorFiles(bufferSource('a', file([NaN, Infinity, 0, 0])), bufferSource('b', file([1, 1, 0, 3])), { stats: true, limit: 10, format: 'safetensors' });
    expect(got.changed.items[0].stats).toEqual({ maxAbsDiff: 3, meanAbsDiff: 1.5, relL2: null, cosine: null, elements: 2, changedElements: 1, nonFinite: 2 });
    const allNaN = await diffTensorFiles(bufferSource('a', file([NaN])), bufferSource('b', file([1])), { stats: true, limit: 10, format: 'safetensors' });
    expect(allNaN.changed.items[0].stats).toEqual({ maxAbsDiff: null, meanAbsDiff: null, relL2: null, cosine: null, elements: 0, changedElements: 0, nonFinite: 1 });
  });

  it('compare a retyped float tensor value by value (F32 -> BF16)', async () => {
    const a = [1.1, -2.2, 3.3, 0];
    const fa = safetensorsBytes([{ name: 't', dtype: 'F32', shape: [4], bytes: f32Bytes(a) }]);
    const bfBits = new Uint16Array(new Uint32Array(new Float32Array(a).buffer).map((w) => w >>> 16)); // truncation
    const fb = safetensorsBytes([{ name: 't', dtype: 'BF16', shape: [4], bytes: new Uint8Array(bfBits.buffer) }]);
    const got = await diffTensorFiles(bufferSource('a', fa), bufferSource('b', fb), { stats: true, limit: 10, format: 'safetensors' });
    const change = got.changed.items[0];
    expect(change.dtype).toEqual({ a: 'F32', b: 'BF16' });
    expect(change.bytesChanged).toBeUndefined();
    expectClose(change.stats, expectedStats(decodeIndependently('F32', f32Bytes(a)), decodeIndependently('BF16', new Uint8Array(bfBits.buffer))));
  });
});
