// Issue 14: the human tensor diff names each changed tensor's dtype and shape and how many of its
// elements changed, without --stats; bytes for block-quantised types; stats appended with --stats.
import { describe, expect, it } from 'vitest';
import { renderTensors } from '../../../src/cli/diff-render-tensors.js';
import type { TensorChange, TensorDiff } from '../../../src/diff/tensor-diff-types.js';

const none = { count: 0, items: [] };

function render(items: TensorChange[]): string[] {
  const t: TensorDiff = {
    format: 'safetensors',
    tensors: { a: items.length, b: items.length },
    changed: { count: items.length, items },
    added: none,
    removed: none,
    unchanged: 0,
    metadata: { added: none, removed: none, changed: none, unchanged: 0 },
    bytesRead: { a: 0, b: 0 },
  };
  return renderTensors(t).slice(1);
}

describe('renderTensors', () => {
  it('prints dtype, shape and changed element counts without stats', () => {
    expect(render([
      { name: 'w', b: { dtype: 'BF16', shape: [256, 256] }, elements: 65_536, elementsChanged: 1_234, bytesChanged: 2_000 },
      { name: 'one', b: { dtype: 'F32', shape: [1] }, elements: 1, elementsChanged: 1, bytesChanged: 4 },
      { name: 'few', b: { dtype: 'F16', shape: [4096, 4096] }, elements: 16_777_216, elementsChanged: 3, bytesChanged: 3 },
      { name: 'q', b: { dtype: 'Q4_K', shape: [256, 2] }, bytesChanged: 1 },
    ])).toEqual([
      '    ~ w  BF16 [256, 256]: 1,234 of 65,536 elements changed (1.9%)',
      '    ~ one  F32 [1]: 1 of 1 element changed (100.0%)',
      '    ~ few  F16 [4096, 4096]: 3 of 16,777,216 elements changed (<0.1%)',
      '    ~ q  Q4_K [256, 2]: 1 byte differs',
    ]);
  });

  it('appends --stats, and names dtype and shape changes', () => {
    const s = { maxAbsDiff: 0.5, meanAbsDiff: 0.01, relL2: 0.02, cosine: 0.999, elements: 1_048_576, changedElements: 12_345, nonFinite: 0 };
    expect(render([
      { name: 'w', b: { dtype: 'F32', shape: [1024, 1024] }, elements: 1_048_576, elementsChanged: 12_345, bytesChanged: 40_000, stats: s },
      { name: 'v', b: { dtype: 'F16', shape: [4] }, dtype: { a: 'F32', b: 'F16' }, shape: { a: [2, 2], b: [4] } },
      { name: 'r', b: { dtype: 'F16', shape: [3] }, dtype: { a: 'F32', b: 'F16' }, stats: { ...s, elements: 3, changedElements: 2 } },
      { name: 'e', b: { dtype: 'F32', shape: [3, 4] }, shape: { a: [4, 3], b: [3, 4] } },
    ])).toEqual([
      '    ~ w  F32 [1024, 1024]: 12,345 of 1,048,576 elements changed (1.2%), max|a-b| 0.5000, mean|a-b| 0.01000, rel L2 0.02000, cosine 0.9990',
      '    ~ v  dtype F32 -> F16, shape [2, 2] -> [4]',
      '    ~ r  dtype F32 -> F16, shape [3]: 2 of 3 values differ, max|a-b| 0.5000, mean|a-b| 0.01000, rel L2 0.02000, cosine 0.9990',
      '    ~ e  dtype F32, shape [4, 3] -> [3, 4]',
    ]);
  });
});
