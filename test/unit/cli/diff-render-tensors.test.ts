// Issue 14: the human tensor diff names how many elements changed (with --stats, where the values are read).
import { describe, expect, it } from 'vitest';
import { renderTensors } from '../../../src/cli/diff-render-tensors.js';
import type { TensorDiff } from '../../../src/diff/tensor-diff-types.js';

const none = { count: 0, items: [] };

describe('renderTensors', () => {
  it('prints changed element counts and keeps dtype and shape changes', () => {
    const t: TensorDiff = {
      format: 'safetensors',
      tensors: { a: 3, b: 3 },
      changed: {
        count: 2,
        items: [
          { name: 'w', bytesChanged: 40_000, stats: { maxAbsDiff: 0.5, meanAbsDiff: 0.01, relL2: 0.02, cosine: 0.999, elements: 1_048_576, changedElements: 12_345, nonFinite: 0 } },
          { name: 'v', dtype: { a: 'F32', b: 'F16' }, shape: { a: [2, 2], b: [4] } },
        ],
      },
      added: none,
      removed: none,
      unchanged: 1,
      metadata: { added: none, removed: none, changed: none, unchanged: 0 },
    } as unknown as TensorDiff;
    const out = renderTensors(t);
    expect(out[1]).toBe('    ~ w  40000 bytes differ, 12,345 of 1,048,576 elements changed, max|a-b| 0.5000, mean|a-b| 0.01000, rel L2 0.02000, cosine 0.9990');
    expect(out[2]).toBe('    ~ v  dtype F32 -> F16, shape [2, 2] -> [4]');
  });
});
