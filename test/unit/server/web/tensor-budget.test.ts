/** The commit page's tensor diff: hub diff --stats within a read budget, saying what it left out. */
import { describe, expect, it } from 'vitest';
import { budgetedTensorDiff } from '../../../../src/server/web/tensor-budget.js';
import { f32Bytes, recordingSource, safetensorsBytes, type TensorSpec } from '../../../helpers/tensor-files.js';

const none = async () => undefined;

/** `n` tensors of 256 floats; the ones in `changed` hold other values in version b. */
function versions(n: number, changed: Set<number>): { a: Uint8Array; b: Uint8Array } {
  const make = (side: 'a' | 'b'): TensorSpec[] =>
    Array.from({ length: n }, (_, i) => ({ name: `t${String(i).padStart(2, '0')}`, dtype: 'F32', shape: [256], bytes: f32Bytes(Array.from({ length: 256 }, (_, k) => Math.sin(i * 256 + k) + (side === 'b' && changed.has(i) ? 0.01 : 0))) }));
  return { a: safetensorsBytes(make('a')), b: safetensorsBytes(make('b')) };
}

describe('budgetedTensorDiff', () => {
  it('with a budget large enough, finds what hub diff --stats finds', async () => {
    const { a, b } = versions(6, new Set([1, 4]));
    const budget = { remaining: 1 << 20, total: 1 << 20 };
    const d = await budgetedTensorDiff('safetensors', recordingSource('a', a, true), recordingSource('b', b, true), { a: none, b: none }, { limit: 10, budget });
    expect(d.changed.items.map((c) => c.name)).toEqual(['t01', 't04']);
    expect(d.changed.items[0].stats?.cosine).toBeGreaterThan(0.99);
    expect(d.unchanged).toBe(4);
    expect(d.notCompared).toEqual({ count: 0, items: [], bytes: 0 });
    expect(budget.remaining).toBe((1 << 20) - 4 * 1024); // the two changed tensors, both sides
  });

  it('reads no more tensor bytes than the budget allows and lists what it could not compare', async () => {
    const { a, b } = versions(6, new Set([0, 2, 3, 5]));
    const sa = recordingSource('a', a, true);
    const sb = recordingSource('b', b, true);
    const budget = { remaining: 2 * 2048 + 100, total: 2 * 2048 + 100 }; // two tensors' worth (both sides)
    const d = await budgetedTensorDiff('safetensors', sa, sb, { a: none, b: none }, { limit: 10, budget });
    expect(d.changed.items.map((c) => c.name)).toEqual(['t00', 't02']);
    expect(d.notCompared).toEqual({ count: 2, items: ['t03', 't05'], bytes: 2048 });
    expect(d.tensors).toEqual({ a: 6, b: 6 });
    expect(d.unchanged).toBe(2);
    const header = a.length - 6 * 1024;
    const tensorReads = [...sa.reads, ...sb.reads].filter(([s]) => s >= header).reduce((n, [s, e]) => n + (e - s), 0);
    expect(tensorReads).toBeLessThanOrEqual(2 * 2048 + 100);
    expect(budget.remaining).toBe(100);
  });

  it('without fingerprints every tensor in both versions costs its bytes; a zero budget compares none', async () => {
    const { a, b } = versions(3, new Set([1]));
    const budget = { remaining: 0, total: 0 };
    const d = await budgetedTensorDiff('safetensors', recordingSource('a', a), recordingSource('b', b), { a: none, b: none }, { limit: 10, budget });
    expect(d.notCompared.count).toBe(3);
    expect(d.changed.count).toBe(0);
  });
});
