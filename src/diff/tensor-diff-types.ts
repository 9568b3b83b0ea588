/**
 * The result of a tensor diff (safetensors, sharded safetensors, GGUF): plain JSON, what
 * `hub diff --json` prints for such a file. Lists are sorted by name (UTF-16 code-unit order,
 * as JavaScript compares strings) and hold at most `limit` examples while their counts stay exact.
 */

/** A JSON value (what metadata values become in the output). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A list cut to the first `limit` items: `count` is the full length, `items` the examples. */
export interface Examples<T> {
  /** How many there are in all. */
  count: number;
  /** The first of them in name order, at most `limit`. */
  items: T[];
}

/** A value on each side. */
export interface Pair<T> {
  /** The value in A (the old version). */
  a: T;
  /** The value in B (the new version). */
  b: T;
}

/** A tensor as one side holds it. */
export interface TensorSummary {
  /** Tensor name (`model.layers.0.mlp.up_proj.weight`, `blk.0.ffn_up.weight`). */
  name: string;
  /** Element type: safetensors names (`F32`, `BF16`, `I64`) or GGML names (`Q4_K`, `F16`). */
  dtype: string;
  /** Dimensions as the file stores them (safetensors outermost first; GGUF innermost first). */
  shape: number[];
}

/** Numeric differences of a float tensor (F64, F32, F16, BF16) whose shape is the same in A and B. */
export interface TensorStats {
  /** max |a - b| over the element pairs compared; null when none could be (all non-finite). */
  maxAbsDiff: number | null;
  /** mean |a - b| over the element pairs compared; null when none could be. */
  meanAbsDiff: number | null;
  /** ‖a - b‖₂ / ‖a‖₂; null when ‖a‖₂ is 0 (or the sums overflow). */
  relL2: number | null;
  /** a·b / (‖a‖₂ ‖b‖₂), clamped to [-1, 1]; null when either norm is 0 (or the sums overflow). */
  cosine: number | null;
  /** Element pairs compared (both values finite). */
  elements: number;
  /** Of those, how many differ. */
  changedElements: number;
  /** Element pairs left out of the statistics because a or b is NaN or ±Infinity. */
  nonFinite: number;
}

/** A tensor's dtype and shape. */
export interface TensorLayout {
  /** Element type, as in {@link TensorSummary.dtype}. */
  dtype: string;
  /** Dimensions, as in {@link TensorSummary.shape}. */
  shape: number[];
}

/** A tensor present in both versions whose dtype, shape or bytes differ. */
export interface TensorChange {
  /** Tensor name. */
  name: string;
  /** Its dtype and shape in B (with `dtype` / `shape` below, what A had when they changed). */
  b: TensorLayout;
  /** Present when the dtype changed. */
  dtype?: Pair<string>;
  /** Present when the shape changed. */
  shape?: Pair<number[]>;
  /**
   * Elements of the tensor (the product of its shape); present with `elementsChanged`: when dtype
   * and shape are the same and the dtype has a fixed element width (not a block-quantised GGML type).
   */
  elements?: number;
  /** Elements at which A and B differ (any byte of the element), counted during the byte comparison. */
  elementsChanged?: number;
  /** Byte positions at which A and B differ; present when dtype and shape are the same. */
  bytesChanged?: number;
  /** With `stats`, for float tensors of the same shape (the dtype may differ). */
  stats?: TensorStats;
}

/** A metadata key present on one side only. */
export interface MetadataEntry {
  /** The key (`format`, `general.architecture`, `total_size`). */
  key: string;
  /** Its value; see {@link MetadataChange.a} for how long values are shown. */
  value: JsonValue;
}

/** A metadata key whose value differs. */
export interface MetadataChange {
  /** The key. */
  key: string;
  /**
   * The value in A. Values whose JSON is over 1024 characters (a GGUF vocabulary) are shown as
   * `{"summary": "array<string> of 151936 items", "sha256": "<hex of the value's JSON>"}`.
   */
  a: JsonValue;
  /** The value in B, shown the same way. */
  b: JsonValue;
}

/** Changes of the file-level metadata (safetensors `__metadata__`, GGUF key/values, index `metadata`). */
export interface MetadataDiff {
  /** Keys only B has. */
  added: Examples<MetadataEntry>;
  /** Keys only A has. */
  removed: Examples<MetadataEntry>;
  /** Keys both have, with different values (GGUF values compare by value, not by value type). */
  changed: Examples<MetadataChange>;
  /** Keys with the same value on both sides. */
  unchanged: number;
}

/** What changed between two versions of a tensor file. */
export interface TensorDiff {
  /** The file format; `safetensors-index` for a sharded checkpoint diffed through its index. */
  format: 'safetensors' | 'gguf' | 'safetensors-index';
  /** Number of tensors in each version (0 for a side that does not exist). */
  tensors: Pair<number>;
  /** Tensors only B has. */
  added: Examples<TensorSummary>;
  /** Tensors only A has. */
  removed: Examples<TensorSummary>;
  /** Tensors in both whose dtype, shape or content differ. */
  changed: Examples<TensorChange>;
  /** Tensors in both with the same dtype, shape and bytes. */
  unchanged: number;
  /** Metadata changes. */
  metadata: MetadataDiff;
  /** Bytes the diff read from each version: headers plus the ranges it had to compare (a range read twice counts twice). */
  bytesRead: Pair<number>;
}

/** Options of a tensor diff. */
export interface TensorDiffOptions {
  /** Compute {@link TensorStats} for changed float tensors (reads both versions of each). */
  stats: boolean;
  /** At most this many examples per list (counts stay exact). */
  limit: number;
}

/** The first `limit` of `items` (already sorted) with their full count. */
export function examples<T>(items: T[], limit: number): Examples<T> {
  return { count: items.length, items: items.slice(0, Math.max(0, limit)) };
}

/** Code-unit order of two names, the order every list of a TensorDiff is in. */
export function byName(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
