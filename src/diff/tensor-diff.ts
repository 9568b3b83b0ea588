/**
 * Tensor diff of safetensors files, sharded safetensors checkpoints and GGUF files: tensors
 * added, removed and changed (dtype, shape, bytes; with `stats` numeric differences), the
 * unchanged count and metadata changes. Reads headers, then only the tensors present in both
 * versions whose equality fingerprints cannot settle; never a tensor only one side has.
 * Tensors are matched by name wherever their bytes lie (other offsets, other shards).
 */
import type { ByteSource } from './byte-source.js';
import { diffMetadata } from './tensor-metadata.js';
import { compareTensor } from './tensor-compare.js';
import {
  byName,
  examples,
  type TensorChange,
  type TensorDiff,
  type TensorDiffOptions,
  type TensorSummary,
} from './tensor-diff-types.js';
import { countingSource, listGguf, listSafetensors, listSharded, type TensorListing } from './tensor-listing.js';

export { countingSource, listGguf, listSafetensors, listSharded, type ListedTensor, type TensorListing } from './tensor-listing.js';

export type * from './tensor-diff-types.js';

/** Opens a shard of a sharded checkpoint by the file name its index uses; undefined when absent. */
export type OpenShard = (shard: string) => Promise<ByteSource | undefined>;

const EMPTY: TensorListing = { tensors: new Map(), metadata: new Map() };

/**
 * Diffs two versions of a safetensors or GGUF file; `a` or `b` is undefined when the file does
 * not exist on that side. A malformed header is a FormatError naming the file.
 */
export async function diffTensorFiles(
  a: ByteSource | undefined,
  b: ByteSource | undefined,
  opts: TensorDiffOptions & { format: 'safetensors' | 'gguf' },
): Promise<TensorDiff> {
  const read = { a: { bytes: 0 }, b: { bytes: 0 } };
  const list = opts.format === 'gguf' ? listGguf : listSafetensors;
  const la = a ? await list(countingSource(a, read.a)) : EMPTY;
  const lb = b ? await list(countingSource(b, read.b)) : EMPTY;
  return diffListings(la, lb, opts, opts.format, read);
}

/**
 * Diffs two versions of a sharded checkpoint through their `*.safetensors.index.json` files
 * (`indexA` or `indexB` undefined when absent); `openA`/`openB` give each side's shards.
 */
export async function diffShardedSafetensors(
  indexA: ByteSource | undefined,
  indexB: ByteSource | undefined,
  openA: OpenShard,
  openB: OpenShard,
  opts: TensorDiffOptions,
): Promise<TensorDiff> {
  const read = { a: { bytes: 0 }, b: { bytes: 0 } };
  const counted = (open: OpenShard, counter: { bytes: number }): OpenShard => async (shard) => {
    const src = await open(shard);
    return src && countingSource(src, counter);
  };
  const la = indexA ? await listSharded(countingSource(indexA, read.a), counted(openA, read.a)) : EMPTY;
  const lb = indexB ? await listSharded(countingSource(indexB, read.b), counted(openB, read.b)) : EMPTY;
  return diffListings(la, lb, opts, 'safetensors-index', read);
}

/** Diffs two listings (any mix of single-file and sharded sides); `read` holds the counters of {@link countingSource} wrappers. */
export async function diffListings(
  la: TensorListing,
  lb: TensorListing,
  opts: TensorDiffOptions,
  format: TensorDiff['format'],
  read: { a: { bytes: number }; b: { bytes: number } } = { a: { bytes: 0 }, b: { bytes: 0 } },
): Promise<TensorDiff> {
  const added: TensorSummary[] = [];
  const removed: TensorSummary[] = [];
  const changed: TensorChange[] = [];
  let unchanged = 0;
  const names = [...new Set([...la.tensors.keys(), ...lb.tensors.keys()])].sort(byName);
  for (const name of names) {
    const ta = la.tensors.get(name);
    const tb = lb.tensors.get(name);
    if (ta === undefined && tb !== undefined) added.push({ name, dtype: tb.dtype, shape: tb.shape });
    else if (tb === undefined && ta !== undefined) removed.push({ name, dtype: ta.dtype, shape: ta.shape });
    else if (ta !== undefined && tb !== undefined) {
      const change: TensorChange = { name, b: { dtype: tb.dtype, shape: tb.shape } };
      if (ta.dtype !== tb.dtype) change.dtype = { a: ta.dtype, b: tb.dtype };
      if (JSON.stringify(ta.shape) !== JSON.stringify(tb.shape)) change.shape = { a: ta.shape, b: tb.shape };
      const found = await compareTensor(ta, tb, opts.stats);
      if (found.elements !== undefined && found.elementsChanged !== undefined) {
        change.elements = found.elements;
        change.elementsChanged = found.elementsChanged;
      }
      if (found.bytesChanged !== undefined) change.bytesChanged = found.bytesChanged;
      if (found.stats !== undefined) change.stats = found.stats;
      if (change.dtype || change.shape || (change.bytesChanged ?? 0) > 0) changed.push(change);
      else unchanged++;
    }
  }
  return {
    format,
    tensors: { a: la.tensors.size, b: lb.tensors.size },
    added: examples(added, opts.limit),
    removed: examples(removed, opts.limit),
    changed: examples(changed, opts.limit),
    unchanged,
    metadata: diffMetadata(la.metadata, lb.metadata, opts.limit),
    bytesRead: { a: read.a.bytes, b: read.b.bytes },
  };
}
