// The tensor diff reads only what it needs: headers, then the ranges of tensors present in both
// versions that fingerprints cannot settle, in pieces of at most 2 MiB.
import { describe, expect, it } from 'vitest';
import { FINGERPRINT_PIECE_BYTES, PIECE_BYTES } from '../../../src/diff/tensor-compare.js';
import { diffTensorFiles } from '../../../src/diff/tensor-diff.js';
import { GGUF_FIRST_READ } from '../../../src/diff/tensor-listing.js';
import { parseSafetensorsHeader, safetensorsHeaderLength } from '../../../src/formats/safetensors.js';
import { f32Bytes, ggufBytes, recordingSource, safetensorsBytes, type TensorSpec } from '../../helpers/tensor-files.js';

const u8 = (name: string, fill: number, n = 16): TensorSpec => ({ name, dtype: 'U8', shape: [n], bytes: new Uint8Array(n).fill(fill) });

/** [begin, end) of each tensor of a safetensors file, by name. */
function rangesOf(file: Uint8Array): Record<string, [number, number]> {
  const n = safetensorsHeaderLength(file, file.length, 'f');
  const header = parseSafetensorsHeader(file.subarray(8, 8 + n), file.length, 'f');
  return Object.fromEntries(header.tensors.map((t) => [t.name, [t.begin, t.end]]));
}

/** The reads past the header (tensor data), sorted. */
function dataReads(reads: Array<[number, number]>, file: Uint8Array): Array<[number, number]> {
  const dataStart = 8 + safetensorsHeaderLength(file, file.length, 'f');
  return reads.filter(([start]) => start >= dataStart).sort((x, y) => x[0] - y[0]);
}

describe('what the tensor diff reads', () => {
  // b keeps `same`, changes `changed`, reshapes `reshaped`, drops `gone`, adds `new`, and lays tensors out in another order
  const same: TensorSpec = { name: 'same', dtype: 'F32', shape: [4], bytes: f32Bytes([1, 2, 3, 4]) };
  const a = safetensorsBytes([u8('gone', 1), same, u8('changed', 3), { ...u8('reshaped', 4), shape: [4, 4] }]);
  const b = safetensorsBytes([u8('new', 5), { ...u8('reshaped', 4), shape: [2, 8] }, u8('changed', 6), same]);

  it.each([false, true])('with equal fingerprints, reads no unchanged tensor: only headers and the changed tensor (stats: %s)', async (stats) => {
    const sa = recordingSource('a', a, true);
    const sb = recordingSource('b', b, true);
    const got = await diffTensorFiles(sa, sb, { stats, limit: 10, format: 'safetensors' });
    expect([got.unchanged, got.changed.items.map((c) => c.name), got.added.count, got.removed.count]).toEqual([1, ['changed', 'reshaped'], 1, 1]);
    expect(dataReads(sa.reads, a)).toEqual([rangesOf(a).changed]);
    expect(dataReads(sb.reads, b)).toEqual([rangesOf(b).changed]);
    expect(sa.reads.slice(0, 2)).toEqual([[0, 8], [8, 8 + safetensorsHeaderLength(a, a.length, 'a')]]);
  });

  it('without fingerprints, reads only tensors both sides have with the same dtype and shape', async () => {
    const sa = recordingSource('a', a);
    const sb = recordingSource('b', b);
    await diffTensorFiles(sa, sb, { stats: true, limit: 10, format: 'safetensors' });
    expect(dataReads(sa.reads, a)).toEqual([rangesOf(a).same, rangesOf(a).changed].sort((x, y) => x[0] - y[0]));
    expect(dataReads(sb.reads, b)).toEqual([rangesOf(b).changed, rangesOf(b).same].sort((x, y) => x[0] - y[0]));
  });

  it('a GGUF header larger than the first read is read in growing contiguous steps, less than twice its size', async () => {
    const vocab = Array.from({ length: 30000 }, (_, i) => `token-${i}`);
    const file = ggufBytes([['tokenizer.ggml.tokens', [9, [8, vocab]]]], [{ name: 'w', type: 0, dims: [1 << 16], bytes: f32Bytes(new Array(1 << 16).fill(1)) }]);
    const src = recordingSource('big.gguf', file);
    const got = await diffTensorFiles(src, undefined, { stats: false, limit: 10, format: 'gguf' });
    expect(got.removed.items).toEqual([{ name: 'w', dtype: 'F32', shape: [1 << 16] }]);
    const headerEnd = file.length - 4 * (1 << 16);
    expect(src.reads[0]).toEqual([0, GGUF_FIRST_READ]);
    expect(src.reads.length).toBeLessThanOrEqual(Math.ceil(Math.log2(headerEnd / GGUF_FIRST_READ)) + 1);
    expect(src.reads.slice(1).map(([s]) => s)).toEqual(src.reads.slice(0, -1).map(([, e]) => e));
    expect(Math.max(...src.reads.map(([, e]) => e))).toBeLessThan(2 * headerEnd);
  });
});

describe('a 64 MiB tensor', () => {
  const n = (64 << 20) / 4;
  const values = new Float32Array(n).map((_, i) => (i % 1000) / 1000);
  const a = safetensorsBytes([{ name: 'big', dtype: 'F32', shape: [n], bytes: new Uint8Array(values.buffer) }]);
  const bValues = values.slice();
  bValues[5] += 1; // piece 0
  bValues[n - 1] += 2; // last piece
  const b = safetensorsBytes([{ name: 'big', dtype: 'F32', shape: [n], bytes: new Uint8Array(bValues.buffer) }]);
  const largest = (reads: Array<[number, number]>): number => Math.max(...reads.map(([s, e]) => e - s));

  it.each([false, true])('is never read more than 2 MiB at once (stats: %s)', async (stats) => {
    const sa = recordingSource('a', a);
    const sb = recordingSource('b', b);
    const got = await diffTensorFiles(sa, sb, { stats, limit: 10, format: 'safetensors' });
    expect(largest(sa.reads)).toBeLessThanOrEqual(PIECE_BYTES);
    expect(largest(sb.reads)).toBeLessThanOrEqual(PIECE_BYTES);
    expect(PIECE_BYTES).toBe(2 * 1024 * 1024);
    const change = got.changed.items[0];
    expect(change.bytesChanged).toBeGreaterThanOrEqual(2);
    expect(change.bytesChanged).toBeLessThanOrEqual(8);
    if (stats) expect([change.stats?.changedElements, change.stats?.maxAbsDiff, change.stats?.elements]).toEqual([2, Math.fround(values[n - 1] + 2) - values[n - 1], n]);
  });

  it('with fingerprints and without stats, reads only the pieces whose fingerprints differ', async () => {
    const sa = recordingSource('a', a, true);
    const sb = recordingSource('b', b, true);
    await diffTensorFiles(sa, sb, { stats: false, limit: 10, format: 'safetensors' });
    const [begin, end] = rangesOf(a).big;
    expect(dataReads(sa.reads, a)).toEqual([[begin, begin + FINGERPRINT_PIECE_BYTES], [end - FINGERPRINT_PIECE_BYTES, end]]);
  });
});
