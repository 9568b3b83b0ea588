/**
 * Dispatch of `hub diff`'s content comparisons to the format modules: tensor files (one
 * safetensors or GGUF file, or a sharded checkpoint through its index, whose shards are opened
 * from the same side) and tables.
 */
import { dirname, posix } from 'node:path';
import type { ByteSource } from '../../diff/byte-source.js';
import { diffTables, type TableDiff } from '../../diff/table-diff.js';
import { diffShardedSafetensors, diffTensorFiles, type OpenShard, type TensorDiff } from '../../diff/tensor-diff.js';
import type { Side } from './diff-sides.js';

/** The tensor comparison of one file (`path` is its repository path, for finding shards). */
export async function diffTensorsOf(format: 'safetensors' | 'gguf' | 'safetensors-index', a: ByteSource | undefined, b: ByteSource | undefined, opts: { stats: boolean; limit: number }, path: string, A: Side, B: Side): Promise<TensorDiff> {
  if (format !== 'safetensors-index') return diffTensorFiles(a, b, { ...opts, format });
  const shards = (side: Side): OpenShard => async (shard) => {
    const dir = dirname(path);
    const e = side.entries.get(dir === '.' ? shard : posix.join(dir, shard));
    return e ? side.open(e) : undefined;
  };
  return diffShardedSafetensors(a, b, shards(A), shards(B), opts);
}

/** The table comparison of one file. */
export function diffTableOf(format: 'csv' | 'tsv' | 'jsonl' | 'parquet', a: ByteSource | undefined, b: ByteSource | undefined, opts: { key?: string[]; limit: number }): Promise<TableDiff> {
  return diffTables(a, b, { format, key: opts.key, detectKey: opts.key === undefined, limit: opts.limit }); // [] (--no-key): keyless, nothing detected
}
