/** Human lines for the table part of a file's diff: schema changes, row counts, examples. */
import type { TableDiff, TableRow } from '../diff/table-diff-types.js';

const cells = (r: TableRow) => Object.entries(r.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
const more = (count: number, shown: number) => (count > shown ? [`    ... and ${count - shown} more`] : []);

/** `  rows: 100 -> 101 rows, 1 added, 0 removed, 3 modified, 96 unchanged (key: id (detected))`: the line `--stat` shows too. */
export function tableRowsLine(t: TableDiff): string {
  const parts = [`${t.rows.a} -> ${t.rows.b} rows`, `${t.added.count} added`, `${t.removed.count} removed`];
  if (t.modified) parts.push(`${t.modified.count} modified`);
  parts.push(`${t.unchanged} unchanged`);
  return `  rows: ${parts.join(', ')}${t.key ? ` (key: ${t.key.join(', ')}${t.keyDetected ? ' (detected)' : ''})` : ''}`;
}

/** The table section of `hub diff`'s human output. */
export function renderTable(t: TableDiff): string[] {
  const s = t.schema;
  const out: string[] = [];
  const schema: string[] = [];
  if (s.added.length) schema.push(`+${s.added.map((c) => `${c.name} (${c.type})`).join(', +')}`);
  if (s.removed.length) schema.push(`-${s.removed.map((c) => `${c.name} (${c.type})`).join(', -')}`);
  for (const c of s.typeChanged) schema.push(`${c.column}: ${c.a} -> ${c.b}`);
  if (s.reordered) schema.push('columns reordered');
  if (schema.length) out.push(`  columns: ${schema.join('; ')}`);
  out.push(tableRowsLine(t));
  for (const m of t.modified?.examples ?? []) {
    out.push(`    ~ ${Object.entries(m.key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}: ${m.cells.map((c) => `${c.column} ${JSON.stringify(c.a)} -> ${JSON.stringify(c.b)}`).join(', ')}`);
  }
  if (t.modified) out.push(...more(t.modified.count, t.modified.examples.length));
  for (const r of t.added.examples) out.push(`    + row ${r.row}: ${cells(r)}`);
  out.push(...more(t.added.count, t.added.examples.length));
  for (const r of t.removed.examples) out.push(`    - row ${r.row}: ${cells(r)}`);
  out.push(...more(t.removed.count, t.removed.examples.length));
  for (const side of ['a', 'b'] as const) {
    const d = t.duplicateKeys?.[side];
    if (d?.count) out.push(`  warning: ${d.count} key${d.count === 1 ? '' : 's'} on more than one row in ${side}: ${d.examples.map((e) => `${JSON.stringify(e.key)} x${e.occurrences}`).join(', ')}`);
  }
  return out;
}
