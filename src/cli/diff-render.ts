/**
 * Human output of `hub diff`: per file a header line (status, path, sizes, new versus shared
 * chunk bytes for large files), then what the content comparison found: a unified diff for
 * text, a summary and examples for tensors and tables. `--stat` prints the header lines only,
 * and a table's row counts.
 */
import type { DiffResult, FileDiff } from '../diff/diff-result.js';
import { formatBytes } from './render.js';
import { renderTensors } from './diff-render-tensors.js';
import { renderTable, tableRowsLine } from './diff-render-table.js';

/** The human rendering of a diff result. */
export function renderDiff(r: DiffResult, opts: { stat: boolean }): string {
  if (r.identical) return '';
  const out: string[] = [];
  for (const f of r.files) {
    out.push(header(f));
    if (opts.stat) {
      if (f.table) out.push(tableRowsLine(f.table)); // a table's --stat counts rows, as git's counts lines
      continue;
    }
    const body = f.error ? [`  error: ${f.error.message}`] : bodyOf(f);
    out.push(...body);
  }
  const s = r.summary;
  const parts = [`${s.files} file${s.files === 1 ? '' : 's'} changed`];
  for (const k of ['added', 'deleted', 'modified', 'renamed', 'errors'] as const) if (s[k]) parts.push(`${s[k]} ${k === 'errors' ? 'not compared' : k}`);
  if (r.bytesFetched) parts.push(`${formatBytes(r.bytesFetched)} fetched`);
  out.push(parts.join(', '));
  return out.join('\n');
}

function header(f: FileDiff): string {
  const name = f.oldPath ? `${f.oldPath} -> ${f.path}` : f.path;
  const size = f.size.a === f.size.b || f.size.a === null || f.size.b === null ? formatBytes((f.size.b ?? f.size.a)!) : `${formatBytes(f.size.a)} -> ${formatBytes(f.size.b)}`;
  const notes = [size];
  if (f.mode.a && f.mode.b && f.mode.a !== f.mode.b) notes.push(`mode ${f.mode.a} -> ${f.mode.b}`);
  if (f.chunks) notes.push(`${formatBytes(f.chunks.newBytes)} new, ${formatBytes(f.chunks.sharedBytes)} shared`);
  return `${f.status.padEnd(8)} ${name} (${notes.join(', ')})`;
}

function bodyOf(f: FileDiff): string[] {
  if (f.text) return f.text.patch ? f.text.patch.replace(/\n$/, '').split('\n') : [];
  if (f.kind === 'binary') return ['  binary content differs'];
  if (f.tensors) return renderTensors(f.tensors);
  if (f.table) return renderTable(f.table);
  return [];
}
