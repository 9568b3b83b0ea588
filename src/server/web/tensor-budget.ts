/**
 * The tensor diff of a commit page: what `hub diff --stats` computes (src/diff/tensor-diff.ts),
 * within a byte budget so that a page never reads a whole checkpoint. Tensors whose chunk
 * fingerprints are equal are unchanged at no cost (nothing but chunk hashes and at most the edge
 * chunks are read); the others are compared with statistics, in name order, while their bytes
 * fit in what is left of the budget. The rest are reported as `notCompared`: their chunk hashes
 * differ (so they very likely changed), but their bytes were not read.
 */
import type { ByteSource } from '../../diff/byte-source.js';
import { byName, examples } from '../../diff/tensor-diff-types.js';
import {
  countingSource,
  diffListings,
  listGguf,
  listSafetensors,
  listSharded,
  type Examples,
  type ListedTensor,
  type OpenShard,
  type TensorDiff,
  type TensorListing,
} from '../../diff/tensor-diff.js';

/** Bytes a page may still read for content comparisons; shared by the files of one page. */
export interface ReadBudget {
  remaining: number;
  readonly total: number;
}

/** A tensor diff with the tensors left out for the budget. */
export interface BudgetedTensorDiff extends TensorDiff {
  /** Tensors in both versions whose chunk hashes differ but whose bytes were not read (over the budget). */
  notCompared: Examples<string> & { bytes: number };
}

const EMPTY: TensorListing = { tensors: new Map(), metadata: new Map() };

/** The tensors of one side: a safetensors or GGUF file, or a sharded checkpoint through its index. */
async function listing(format: 'safetensors' | 'gguf' | 'safetensors-index', src: ByteSource | undefined, open: OpenShard, counter: { bytes: number }): Promise<TensorListing> {
  if (!src) return EMPTY;
  if (format === 'gguf') return listGguf(countingSource(src, counter));
  if (format === 'safetensors') return listSafetensors(countingSource(src, counter));
  return listSharded(countingSource(src, counter), async (shard) => {
    const s = await open(shard);
    return s && countingSource(s, counter);
  });
}

/** True when the chunk fingerprints prove tensors `a` and `b` hold the same bytes. */
async function provablySame(a: ListedTensor, b: ListedTensor): Promise<boolean> {
  if (a.dtype !== b.dtype || a.end - a.begin !== b.end - b.begin || JSON.stringify(a.shape) !== JSON.stringify(b.shape)) return false;
  if (!a.source.fingerprint || !b.source.fingerprint) return false;
  for (const exact of [false, true]) {
    const [fa, fb] = await Promise.all([a.source.fingerprint(a.begin, a.end, exact), b.source.fingerprint(b.begin, b.end, exact)]);
    if (fa !== undefined && fa === fb) return true;
  }
  return false;
}

/**
 * Diffs two versions of a tensor file with statistics, reading at most `budget.remaining` bytes
 * of tensor data (the headers are always read); `budget` is debited with what was read.
 */
export async function budgetedTensorDiff(
  format: 'safetensors' | 'gguf' | 'safetensors-index',
  a: ByteSource | undefined,
  b: ByteSource | undefined,
  open: { a: OpenShard; b: OpenShard },
  opts: { limit: number; budget: ReadBudget },
): Promise<BudgetedTensorDiff> {
  const read = { a: { bytes: 0 }, b: { bytes: 0 } };
  const la = await listing(format, a, open.a, read.a);
  const lb = await listing(format, b, open.b, read.b);
  const headers = read.a.bytes + read.b.bytes;
  // which tensors present on both sides need their bytes read, and which of those fit
  const skipped: string[] = [];
  let skippedBytes = 0;
  let planned = 0;
  for (const name of [...la.tensors.keys()].filter((n) => lb.tensors.has(n)).sort(byName)) {
    const ta = la.tensors.get(name)!;
    const tb = lb.tensors.get(name)!;
    if (await provablySame(ta, tb)) continue;
    const cost = ta.end - ta.begin + (tb.end - tb.begin);
    if (planned + cost <= opts.budget.remaining) planned += cost;
    else {
      skipped.push(name);
      skippedBytes += tb.end - tb.begin;
    }
  }
  const left = new Set(skipped);
  const keep = (l: TensorListing): TensorListing => ({ metadata: l.metadata, tensors: new Map([...l.tensors].filter(([n]) => !left.has(n))) });
  const diff = await diffListings(skipped.length ? keep(la) : la, skipped.length ? keep(lb) : lb, { stats: true, limit: opts.limit }, format, read);
  opts.budget.remaining = Math.max(0, opts.budget.remaining - (read.a.bytes + read.b.bytes - headers));
  return { ...diff, tensors: { a: la.tensors.size, b: lb.tensors.size }, notCompared: { ...examples(skipped, opts.limit), bytes: skippedBytes } };
}
