// Golden tests of the tensor diff on fixtures/diff/tensors (regenerate with
// test/helpers/make-tensor-fixtures.mjs), malformed inputs, and absent or broken sides.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../../src/diff/byte-source.js';
import { diffShardedSafetensors, diffTensorFiles, type TensorDiff } from '../../../src/diff/tensor-diff.js';
import { FormatError } from '../../../src/errors.js';
import { repoRoot } from '../../helpers/paths.js';
import { createHash } from 'node:crypto';
import { f32Bytes, ggufBytes, recordingSource, safetensorsBytes } from '../../helpers/tensor-files.js';

const FIXTURES = join(repoRoot, 'fixtures', 'diff', 'tensors');

function source(path: string, name: string): ByteSource {
  return bufferSource(name, new Uint8Array(readFileSync(path)));
}

function json<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const singleCases = readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'expected.json')) && d !== 'sharded');

describe('tensor diff golden fixtures', () => {
  it('has the cases the issue asks for', () => {
    expect(singleCases.sort()).toEqual(['added', 'gguf', 'identical', 'limited', 'metadata-changed', 'removed', 'reshaped', 'retyped', 'value-changed']);
  });

  it.each(singleCases)('%s', async (name) => {
    const dir = join(FIXTURES, name);
    const args = json<{ stats: boolean; limit: number }>(join(dir, 'args.json'));
    const ext = name === 'gguf' ? 'gguf' : 'safetensors';
    const got = await diffTensorFiles(source(join(dir, `a.${ext}`), `a.${ext}`), source(join(dir, `b.${ext}`), `b.${ext}`), { ...args, format: ext });
    expect(got).toEqual(json<TensorDiff>(join(dir, 'expected.json')));
    expect(JSON.parse(JSON.stringify(got))).toEqual(got); // plain JSON, nothing lost
  });

  it('sharded: tensors compared across shards by name', async () => {
    const dir = join(FIXTURES, 'sharded');
    const open = (side: string) => async (shard: string) => source(join(dir, side, shard), `${side}/${shard}`);
    const index = (side: string) => source(join(dir, side, 'model.safetensors.index.json'), `${side}/model.safetensors.index.json`);
    const got = await diffShardedSafetensors(index('a'), index('b'), open('a'), open('b'), json(join(dir, 'args.json')));
    expect(got).toEqual(json<TensorDiff>(join(dir, 'expected.json')));
    // 'moved' changed shard and offset but not content
    expect(got.changed.items.map((c) => c.name)).toEqual(['changed']);
    expect(got.unchanged).toBe(3);
  });

  it('value-changed: element counts from the bytes agree with the decoded values and with the fixture formulas', async () => {
    const dir = join(FIXTURES, 'value-changed');
    const got = await diffTensorFiles(source(join(dir, 'a.safetensors'), 'a'), source(join(dir, 'b.safetensors'), 'b'), { stats: true, limit: 10, format: 'safetensors' });
    const counts = Object.fromEntries(got.changed.items.map((c) => [c.name, [c.elementsChanged, c.elements]]));
    // make-tensor-fixtures.mjs: f32 changes i < 4, f16 i % 4 == 0, bf16 i < 2, f64 i == 0, i32 i == 3
    expect(counts).toEqual({ f32: [4, 8], f16: [2, 8], bf16: [2, 4], f64: [1, 4], i32: [1, 4] });
    for (const c of got.changed.items) if (c.stats) expect(c.stats.changedElements).toBe(c.elementsChanged);
  });

  it('limit cuts the examples, never the counts', async () => {
    const dir = join(FIXTURES, 'limited');
    const got = await diffTensorFiles(source(join(dir, 'a.safetensors'), 'a'), source(join(dir, 'b.safetensors'), 'b'), { stats: false, limit: 0, format: 'safetensors' });
    expect([got.added.count, got.added.items, got.removed.count, got.removed.items]).toEqual([4, [], 5, []]);
  });
});

describe('malformed tensor files', () => {
  const cases = json<Record<string, string>>(join(FIXTURES, 'malformed', 'cases.json'));

  it('covers truncated and oversized headers, bad JSON and a truncated GGUF', () => {
    expect(Object.keys(cases)).toEqual(expect.arrayContaining(['truncated-header.safetensors', 'header-past-end.safetensors', 'header-too-large.safetensors', 'invalid-json.safetensors', 'truncated.gguf']));
  });

  it.each(Object.keys(cases))('%s is a one-line FormatError naming the file, on either side', async (file) => {
    const format = file.endsWith('.gguf') ? 'gguf' : 'safetensors';
    const bad = source(join(FIXTURES, 'malformed', file), file);
    for (const [a, b] of [[bad, undefined], [undefined, bad]] as const) {
      const err: unknown = await diffTensorFiles(a, b, { stats: false, limit: 10, format }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FormatError);
      const e = err as FormatError;
      expect(e.exitCode).toBe(1);
      expect(e.message).not.toMatch(/[\r\n]/);
      expect(e.message.startsWith(cases[file])).toBe(true);
      expect(e.message.startsWith(`${file}: `)).toBe(true);
      expect(e.data).toMatchObject({ file });
    }
  });
});

describe('sides that are absent or broken', () => {
  const a = safetensorsBytes([{ name: 'w', dtype: 'F32', shape: [2], bytes: f32Bytes([1, 2]) }], { format: 'pt' });

  it('a file added or deleted lists its tensors and metadata and reads only the header', async () => {
    const src = recordingSource('m.safetensors', a);
    const added = await diffTensorFiles(undefined, src, { stats: true, limit: 10, format: 'safetensors' });
    expect(added.added.items).toEqual([{ name: 'w', dtype: 'F32', shape: [2] }]);
    expect(added.metadata.added.items).toEqual([{ key: 'format', value: 'pt' }]);
    expect(added.bytesRead).toEqual({ a: 0, b: a.length - 8 });
    expect(src.reads.every(([, end]) => end <= a.length - 8)).toBe(true);
    const removed = await diffTensorFiles(bufferSource('m', a), undefined, { stats: false, limit: 10, format: 'safetensors' });
    expect([removed.removed.count, removed.tensors]).toEqual([1, { a: 1, b: 0 }]);
  });

  it('a shard the index names but that does not exist, or lacks the tensor, is a FormatError', async () => {
    const index = bufferSource('m.safetensors.index.json', new TextEncoder().encode('{"weight_map":{"w":"s1.safetensors","v":"s1.safetensors"}}'));
    const none = async (): Promise<undefined> => undefined;
    const shard = async (): Promise<ByteSource> => bufferSource('s1.safetensors', a);
    await expect(diffShardedSafetensors(index, undefined, none, none, { stats: false, limit: 10 })).rejects.toThrow(
      'm.safetensors.index.json: shard "s1.safetensors" named by the index does not exist',
    );
    await expect(diffShardedSafetensors(undefined, index, none, shard, { stats: false, limit: 10 })).rejects.toThrow(
      's1.safetensors: tensor "v" that m.safetensors.index.json places in this shard is not in it',
    );
  });

  it('a source that returns fewer bytes than it promised is a FormatError', async () => {
    const liar: ByteSource = { ...bufferSource('liar.safetensors', a), read: async (s, e) => a.subarray(s, Math.min(e, 12)) };
    await expect(diffTensorFiles(liar, undefined, { stats: false, limit: 1, format: 'safetensors' })).rejects.toThrow(FormatError);
  });
});

describe('metadata values', () => {
  it('shows 64-bit integers exactly and long values as a summary with the hash of their JSON', async () => {
    const vocab = (last: string) => Array.from({ length: 500 }, (_, i) => (i === 499 ? last : `t${i}`));
    const file = (last: string, big: bigint) => bufferSource('m.gguf', ggufBytes([['tokens', [9, [8, vocab(last)]]], ['n', [10, big]], ['small', [10, 5n]]], []));
    const got = await diffTensorFiles(file('x', 2n ** 60n), file('y', 2n ** 60n + 1n), { stats: false, limit: 10, format: 'gguf' });
    const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
    expect(got.metadata.changed.items).toEqual([
      { key: 'n', a: '1152921504606846976', b: '1152921504606846977' },
      { key: 'tokens', a: { summary: 'array of 500 items', sha256: hash(vocab('x')) }, b: { summary: 'array of 500 items', sha256: hash(vocab('y')) } },
    ]);
    expect(got.metadata.unchanged).toBe(1);
  });
});
