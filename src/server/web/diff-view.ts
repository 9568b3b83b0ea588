/**
 * A diff as HTML (commit and compare pages): per file its status, sizes, "new versus shared"
 * chunk bytes, and what changed inside it: tensors changed (with max/mean |a-b|, relative L2 and
 * cosine), added and removed; table columns, row counts and example rows; a text patch with
 * added and removed lines marked. Everything shown comes from the WebDiff (commit-diff.ts).
 */
import type { TableDiff, TableRow } from '../../diff/table-diff-types.js';
import type { JsonValue } from '../../diff/tensor-diff-types.js';
import { cellText } from './blob-page.js';
import type { WebDiff, WebFileDiff } from './commit-diff.js';
import { formatBytes, formatCount, html, pathSegments, type SafeHtml } from './html.js';
import type { OpenRepo } from './page-context.js';
import type { BudgetedTensorDiff } from './tensor-budget.js';

/** Most lines of one patch shown. */
export const MAX_PATCH_LINES = 3000;

/** A statistic with 4 significant digits (`—` when absent). */
export function stat(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

/** `part` of `whole` as a percentage with one decimal (`<0.1%` for a few). */
function percent(part: number, whole: number): string {
  if (whole === 0) return '—';
  const p = (100 * part) / whole;
  return p > 0 && p < 0.1 ? '<0.1%' : `${p.toFixed(1)}%`;
}

/** A dotted tensor name that may wrap after its dots (each part escaped). */
function breakable(name: string): SafeHtml {
  const parts = name.split('.');
  return html`${parts.map((p, i) => (i < parts.length - 1 ? html`${p}.<wbr>` : p))}`;
}

function shape(s: number[]): string {
  return `[${s.join(', ')}]`;
}

function sizeChange(f: WebFileDiff): string {
  const { a, b } = f.size;
  if (a === null) return formatBytes(b ?? 0);
  if (b === null) return formatBytes(a);
  return a === b ? formatBytes(b) : `${formatBytes(a)} → ${formatBytes(b)}`;
}

function chunkLine(f: WebFileDiff): SafeHtml | string {
  if (!f.chunks) return '';
  const total = f.chunks.newBytes + f.chunks.sharedBytes;
  const pct = total === 0 ? 0 : (100 * f.chunks.sharedBytes) / total;
  return html`<span class="chunks" title="bytes of the new version in chunks the old one lacks, and in chunks it shares">${formatBytes(f.chunks.newBytes)} new · ${formatBytes(f.chunks.sharedBytes)} shared (${pct.toFixed(1)}%)</span>`;
}

function tensorsView(t: BudgetedTensorDiff): SafeHtml {
  const changed = t.changed.items.map((c) => {
    const what = [c.dtype ? `dtype ${c.dtype.a} → ${c.dtype.b}` : '', c.shape ? `shape ${shape(c.shape.a)} → ${shape(c.shape.b)}` : ''].filter((x) => x).join(', ');
    const s = c.stats;
    return html`<tr><td class="mono">${breakable(c.name)}</td><td>${what || 'values'}</td><td class="num">${c.bytesChanged === undefined ? '—' : formatCount(c.bytesChanged)}</td>
<td class="num">${stat(s?.maxAbsDiff)}</td><td class="num">${stat(s?.meanAbsDiff)}</td><td class="num">${stat(s?.relL2)}</td><td class="num">${stat(s?.cosine)}</td><td class="num" title="${s ? `${formatCount(s.changedElements)} of ${formatCount(s.elements)}` : ''}">${s ? percent(s.changedElements, s.elements) : '—'}</td></tr>`;
  });
  const listed = (title: string, cls: string, l: BudgetedTensorDiff['added']) =>
    l.count ? html`<h4><span class="badge ${cls}">${title}</span> ${formatCount(l.count)}</h4><table class="list">${l.items.map((x) => html`<tr><td class="mono">${x.name}</td><td>${x.dtype}</td><td class="mono">${shape(x.shape)}</td></tr>`)}</table>${more(l)}` : '';
  const meta = t.metadata;
  const metaRows = [
    ...meta.added.items.map((m) => html`<tr><td><span class="badge added">added</span></td><td class="mono">${m.key}</td><td></td><td class="mono">${json(m.value)}</td></tr>`),
    ...meta.removed.items.map((m) => html`<tr><td><span class="badge removed">removed</span></td><td class="mono">${m.key}</td><td class="mono">${json(m.value)}</td><td></td></tr>`),
    ...meta.changed.items.map((m) => html`<tr><td><span class="badge modified">changed</span></td><td class="mono">${m.key}</td><td class="mono">${json(m.a)}</td><td class="mono">${json(m.b)}</td></tr>`),
  ];
  return html`<p>${formatCount(t.tensors.a)} → ${formatCount(t.tensors.b)} tensors: <b>${formatCount(t.changed.count)} changed</b>, ${formatCount(t.added.count)} added, ${formatCount(t.removed.count)} removed, ${formatCount(t.unchanged)} unchanged${
    t.notCompared.count ? html`, <b>${formatCount(t.notCompared.count)} not compared</b>` : ''
  } <span class="muted">(read ${formatBytes(t.bytesRead.a + t.bytesRead.b)})</span></p>
${t.changed.count ? html`<table class="list tensor-changes"><tr><th>changed tensor</th><th>what</th><th class="num">bytes changed</th><th class="num">max |a−b|</th><th class="num">mean |a−b|</th><th class="num">rel. L2</th><th class="num">cosine</th><th class="num">values changed</th></tr>${changed}</table>${more(t.changed)}` : ''}
${listed('added', 'added', t.added)}${listed('removed', 'removed', t.removed)}
${t.notCompared.count ? html`<h4>not compared (chunks differ; bytes not read): ${formatCount(t.notCompared.count)}, ${formatBytes(t.notCompared.bytes)}</h4><p class="mono">${t.notCompared.items.join(', ')}</p>${more(t.notCompared)}` : ''}
${metaRows.length ? html`<h4>metadata</h4><table class="list"><tr><th></th><th>key</th><th>before</th><th>after</th></tr>${metaRows}</table>` : ''}`;
}

function more(l: { count: number; items: unknown[] }): SafeHtml | string {
  return l.count > l.items.length ? html`<p class="muted">and ${formatCount(l.count - l.items.length)} more</p>` : '';
}

function json(v: JsonValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function rowsTable(rows: TableRow[]): SafeHtml {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  return html`<table class="list data"><tr><th>row</th>${cols.map((c) => html`<th>${c}</th>`)}</tr>${rows.map((r) => html`<tr><td class="num">${r.row}</td>${cols.map((c) => html`<td>${cellText(r.values[c] ?? null)}</td>`)}</tr>`)}</table>`;
}

function tableView(t: TableDiff): SafeHtml {
  const s = t.schema;
  const schema = [
    ...s.added.map((c) => html`<li><span class="badge added">column added</span> ${c.name} <span class="muted">${c.type}</span></li>`),
    ...s.removed.map((c) => html`<li><span class="badge removed">column removed</span> ${c.name} <span class="muted">${c.type}</span></li>`),
    ...s.typeChanged.map((c) => html`<li><span class="badge modified">type changed</span> ${c.column}: ${c.a} → ${c.b}</li>`),
  ];
  const modified = t.modified?.examples.map((m) => html`<tr><td class="num">${m.rowA} → ${m.rowB}</td><td>${m.cells.map((c) => html`<div><b>${c.column}</b>: <span class="del">${cellText(c.a)}</span> → <span class="add">${cellText(c.b)}</span></div>`)}</td></tr>`);
  return html`<p>rows ${formatCount(t.rows.a)} → ${formatCount(t.rows.b)}: <b>${formatCount(t.added.count)} added</b>, <b>${formatCount(t.removed.count)} removed</b>${
    t.modified ? html`, <b>${formatCount(t.modified.count)} modified</b>` : ''
  }, ${formatCount(t.unchanged)} unchanged; columns ${s.a.length} → ${s.b.length}${s.reordered ? ' (reordered)' : ''}</p>
${schema.length ? html`<ul class="schema">${schema}</ul>` : ''}
${t.added.count ? html`<h4><span class="badge added">added rows</span> ${formatCount(t.added.count)}</h4>${rowsTable(t.added.examples)}${more({ count: t.added.count, items: t.added.examples })}` : ''}
${t.removed.count ? html`<h4><span class="badge removed">removed rows</span> ${formatCount(t.removed.count)}</h4>${rowsTable(t.removed.examples)}${more({ count: t.removed.count, items: t.removed.examples })}` : ''}
${modified?.length ? html`<h4><span class="badge modified">modified rows</span></h4><table class="list">${modified}</table>` : ''}`;
}

/** A unified diff as a table of lines, additions and removals marked. */
export function patchView(patch: string): SafeHtml {
  const lines = patch.split('\n').filter((l, i) => !(i < 2 && (l.startsWith('--- ') || l.startsWith('+++ '))));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const shown = lines.slice(0, MAX_PATCH_LINES);
  const rows = shown.map((l) => {
    const cls = l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : '';
    return html`<tr class="${cls}"><td class="src">${l}</td></tr>`;
  });
  return html`<table class="code patch">${rows}</table>${lines.length > shown.length ? html`<p class="muted">and ${formatCount(lines.length - shown.length)} more lines</p>` : ''}`;
}

function fileView(repo: OpenRepo, f: WebFileDiff, revB: string, revA: string | null): SafeHtml {
  const name = f.oldPath ? html`${f.oldPath} → ${f.path}` : f.path;
  const link = f.status === 'deleted' ? (revA ? `${repo.base}/blob/${revA}/${pathSegments(f.path)}` : undefined) : `${repo.base}/blob/${revB}/${pathSegments(f.path)}`;
  let inner: SafeHtml | string = '';
  if (f.tensors) inner = tensorsView(f.tensors);
  else if (f.table) inner = tableView(f.table);
  else if (f.text) inner = f.text.patch ? patchView(f.text.patch) : html`<p class="muted">no line changed</p>`;
  else if (f.kind === 'binary') inner = html`<p class="muted">binary file, ${sizeChange(f)}</p>`;
  else if (f.mode.a && f.mode.b && f.mode.a !== f.mode.b) inner = html`<p class="muted">mode ${f.mode.a} → ${f.mode.b}</p>`;
  return html`<div class="panel file-diff"><div class="head"><span class="badge ${f.status}">${f.status}</span> ${link ? html`<a class="mono" href="${link}">${name}</a>` : html`<span class="mono">${name}</span>`}
${f.large ? html`<span class="badge lfs">LFS</span>` : ''}<span class="muted">${sizeChange(f)}</span>${chunkLine(f)}</div>
<div class="body">${f.error ? html`<div class="err">${f.error.message}</div>` : ''}${f.note ? html`<p class="note">${f.note}</p>` : ''}${inner}</div></div>`;
}

/** The whole diff: a summary line, then each file. */
export function diffView(repo: OpenRepo, d: WebDiff): SafeHtml {
  const s = d.summary;
  const parts = [s.added && `${s.added} added`, s.modified && `${s.modified} modified`, s.deleted && `${s.deleted} deleted`, s.renamed && `${s.renamed} renamed`].filter((x) => x);
  return html`<p class="diff-summary"><b>${formatCount(s.files)} file${s.files === 1 ? '' : 's'} changed</b>${parts.length ? ` (${parts.join(', ')})` : ''}${
    d.truncated ? html` <span class="note">only the first ${formatCount(s.files)} changed paths are listed</span>` : ''
  } ${
    d.budget === 0
      ? html`<span class="note">· statistics are being computed in the background: reload in a few seconds</span>`
      : html`<span class="muted">· content read: ${formatBytes(d.bytesRead)} of a ${formatBytes(d.budget)} budget</span>`
  }</p>
${d.files.map((f) => fileView(repo, f, d.b, d.a))}`;
}
