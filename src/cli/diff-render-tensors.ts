/** Human lines for the tensor part of a file's diff: counts, then the examples. */
import type { Examples, TensorChange, TensorDiff, TensorStats, TensorSummary } from '../diff/tensor-diff-types.js';
import { formatCount, formatPercent, plural } from './render.js';

const shape = (s: number[]) => `[${s.join(', ')}]`;
const num = (x: number | null) => (x === null ? 'n/a' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(4) : x.toExponential(3));
const more = (e: Examples<unknown>) => (e.count > e.items.length ? [`    ... and ${e.count - e.items.length} more`] : []);

/** The tensor section of `hub diff`'s human output. */
export function renderTensors(t: TensorDiff): string[] {
  const meta = t.metadata;
  const metaChanges = meta.added.count + meta.removed.count + meta.changed.count;
  const out = [`  tensors: ${t.tensors.a} -> ${t.tensors.b}: ${t.changed.count} changed, ${t.added.count} added, ${t.removed.count} removed, ${t.unchanged} unchanged${metaChanges ? `; metadata: ${metaChanges} key${metaChanges === 1 ? '' : 's'} changed` : ''}`];
  const summary = (x: TensorSummary) => `${x.name}  ${x.dtype} ${shape(x.shape)}`;
  for (const c of t.changed.items) out.push(`    ~ ${c.name}  ${change(c)}`);
  out.push(...more(t.changed));
  for (const x of t.added.items) out.push(`    + ${summary(x)}`);
  out.push(...more(t.added));
  for (const x of t.removed.items) out.push(`    - ${summary(x)}`);
  out.push(...more(t.removed));
  for (const m of meta.changed.items) out.push(`    metadata ~ ${m.key}: ${JSON.stringify(m.a)} -> ${JSON.stringify(m.b)}`);
  for (const m of meta.added.items) out.push(`    metadata + ${m.key}: ${JSON.stringify(m.value)}`);
  for (const m of meta.removed.items) out.push(`    metadata - ${m.key}: ${JSON.stringify(m.value)}`);
  return out;
}

/**
 * One changed tensor: its dtype and shape (`A -> B` where they changed), then how many elements
 * differ (byte positions for a block-quantised dtype), then the statistics of `--stats`.
 */
function change(c: TensorChange): string {
  const dtype = c.dtype ? `${c.dtype.a} -> ${c.dtype.b}` : c.b.dtype;
  const dims = c.shape ? `${shape(c.shape.a)} -> ${shape(c.shape.b)}` : shape(c.b.shape);
  const layout = c.dtype || c.shape ? `dtype ${dtype}, shape ${dims}` : `${dtype} ${dims}`;
  const what: string[] = [];
  if (c.elements !== undefined && c.elementsChanged !== undefined) {
    what.push(`${formatCount(c.elementsChanged)} of ${plural(c.elements, 'element')} changed (${formatPercent(c.elementsChanged, c.elements)})`);
  } else if (c.bytesChanged !== undefined) {
    what.push(`${plural(c.bytesChanged, 'byte')} differ${c.bytesChanged === 1 ? 's' : ''}`);
  }
  if (c.stats) what.push(stats(c.stats, c.elementsChanged === undefined));
  return what.length ? `${layout}: ${what.join(', ')}` : layout;
}

/** The `--stats` part; `counts` adds the changed-value count (when the bytes gave no element count). */
function stats(s: TensorStats, counts: boolean): string {
  const nonFinite = s.nonFinite ? ` (+${formatCount(s.nonFinite)} non-finite)` : '';
  const values = counts ? `${formatCount(s.changedElements)} of ${formatCount(s.elements)} values differ${nonFinite}, ` : '';
  const left = !counts && s.nonFinite ? `, ${formatCount(s.nonFinite)} non-finite left out` : '';
  return `${values}max|a-b| ${num(s.maxAbsDiff)}, mean|a-b| ${num(s.meanAbsDiff)}, rel L2 ${num(s.relL2)}, cosine ${num(s.cosine)}${left}`;
}
