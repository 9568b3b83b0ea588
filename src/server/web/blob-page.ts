/**
 * `/OWNER/NAME/blob/REV/PATH`: one file at a revision. Its facts (size, LFS oid or blob id, last
 * commit, download link) and, by kind: a safetensors or GGUF file as its tensor list and
 * metadata read from the header only; a CSV, TSV, JSON Lines or Parquet file as a table of its
 * first rows with column names and types; an image as itself; a text file (a git blob) with
 * line numbers, up to {@link MAX_TEXT_BYTES}. Any other large file is shown as metadata: a page
 * never reads a whole large file. The content work runs in the content worker; the previews of
 * the files a push changed were computed when it ended (compute-ahead.ts).
 */
import { looksLikeText } from '../../diff/file-kind.js';
import { HubError } from '../../errors.js';
import type { JsonValue } from '../../formats/tabular/column-type.js';
import { repoPath } from '../hf-entries.js';
import { HttpError } from '../http-util.js';
import type { TablePreview, TensorPreview } from './file-preview.js';
import { formatBytes, formatCount, html, pathSegments, type SafeHtml } from './html.js';
import { heldBy, openRepo, sendPage, type OpenRepo, type PageContext } from './page-context.js';
import { previewTask } from './preview-files.js';
import { commitLine, crumbs, repoHeader, revSegment } from './repo-frame.js';
import type { FileRef } from './web-sources.js';
import type { RepoRef } from './web-routes.js';

/** Most bytes of a text file shown. */
export const MAX_TEXT_BYTES = 1 << 20;
/** Most lines of a text file shown. */
export const MAX_TEXT_LINES = 5000;
const IMAGE = /\.(png|jpe?g|gif|webp)$/i;

/** `/blob/REV/PATH`. */
export async function blobPage(ctx: PageContext, route: RepoRef & { rev: string; path: string }): Promise<void> {
  const repo = await openRepo(ctx, route);
  const { facts } = ctx.deps;
  const commit = await facts.commitOf(repo.bare, route.rev);
  const path = repoPath(route.path);
  const found = path ? await facts.lookup(repo.bare, commit, path) : undefined;
  if (found?.type === 'tree') {
    ctx.res.writeHead(302, { Location: `${repo.base}/tree/${revSegment(route.rev)}/${pathSegments(path!)}` }).end();
    return;
  }
  if (!path || found?.type !== 'blob') throw new HttpError(404, `No file ${route.path} at ${route.rev}.`);
  const [{ lfs: pointer }] = await facts.entries(repo.bare, [{ mode: '100644', type: 'blob', oid: found.oid, size: found.size, path }]);
  const held = heldBy(ctx.deps.meta, repo.record.id);
  const available = !pointer || (await held([pointer.oid]))[0];
  const ref: FileRef = pointer ? { kind: 'lfs', oid: pointer.oid, size: pointer.size } : { kind: 'git', oid: found.oid, size: found.size };
  const at = revSegment(route.rev);
  const p = pathSegments(path);
  const last = await facts.lastCommit(repo.bare, commit, path);
  const lastCommit = last ? await facts.commit(repo.bare, last) : undefined;
  const about = html`<dl class="facts"><dt>size</dt><dd>${formatBytes(ref.size)} (${formatCount(ref.size)} bytes)</dd>
${pointer ? html`<dt>stored as</dt><dd><span class="badge lfs">LFS</span> sha256 <span class="mono">${pointer.oid}</span></dd>` : html`<dt>git blob</dt><dd class="mono">${found.oid}</dd>`}
<dt>revision</dt><dd class="mono">${commit}</dd></dl>`;
  let content: SafeHtml;
  try {
    content = await fileContent(ctx, repo, { path, ref, pointer, available, held, at, p });
  } catch (err) {
    if (!(err instanceof HubError)) throw err;
    content = html`<div class="err">${err.message.split('\n')[0]}</div>`;
  }
  const body = html`${repoHeader(repo, 'files', route.rev)}${crumbs(repo, route.rev, path)}
<div class="panel"><div class="head">${lastCommit ? commitLine(repo, lastCommit) : ''}<a href="${repo.base}/commits/${at}/${p}">history</a>${
    available ? html`<a href="${repo.base}/resolve/${at}/${p}" download>download</a>` : ''
  }<a href="${repo.base}/raw/${at}/${p}">raw${pointer ? ' pointer' : ''}</a></div><div class="body">${about}</div></div>
${content}`;
  sendPage(ctx, `${repo.fullName} / ${path}`, body);
}

interface FileView {
  path: string;
  ref: FileRef;
  pointer?: { oid: string; size: number };
  available: boolean;
  held: (oids: string[]) => Promise<boolean[]>;
  at: string;
  p: string;
}

async function fileContent(ctx: PageContext, repo: OpenRepo, f: FileView): Promise<SafeHtml> {
  if (!f.available) return html`<p class="note">The content of this large file is not on this server.</p>`;
  const task = previewTask(repo.bare.dir, f.path, f.ref);
  if (task?.type === 'tensors') return tensorView(await ctx.deps.pool.run(task, f.held));
  if (task?.type === 'table') return tableView(await ctx.deps.pool.run(task, f.held));
  if (IMAGE.test(f.path)) return html`<div class="panel"><div class="body"><img src="${repo.base}/resolve/${f.at}/${f.p}" alt="${f.path}"></div></div>`;
  if (f.pointer) return html`<p class="note">A large file (${formatBytes(f.ref.size)}): its content is not shown on a page. <a href="${repo.base}/resolve/${f.at}/${f.p}" download>Download it</a>.</p>`;
  const bytes = await ctx.deps.facts.blobHead(repo.bare, f.ref.oid, MAX_TEXT_BYTES);
  if (!looksLikeText(bytes)) return html`<p class="note">A binary file (${formatBytes(f.ref.size)}).</p>`;
  return textView(bytes.toString('utf8'), f.ref.size > bytes.length);
}

/** Lines with numbers (each an anchor `#L12`), at most {@link MAX_TEXT_LINES}. */
export function textView(text: string, cut: boolean): SafeHtml {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const shown = lines.slice(0, MAX_TEXT_LINES);
  const rows = shown.map((line, i) => html`<tr id="L${i + 1}"><td class="ln"><a href="#L${i + 1}">${i + 1}</a></td><td class="src">${line}</td></tr>`);
  const note = cut || lines.length > shown.length ? html`<p class="note">Showing the first ${formatCount(shown.length)} lines; download the file for the rest.</p>` : '';
  return html`${note}<div class="panel"><div class="body"><table class="code">${rows}</table></div></div>`;
}

function tensorView(t: TensorPreview): SafeHtml {
  const rows = t.tensors.map((x) => html`<tr><td class="mono">${x.name}</td><td>${x.dtype}</td><td class="mono">[${x.shape.join(', ')}]</td><td class="num">${formatBytes(x.bytes)}</td></tr>`);
  const meta = t.metadata.length
    ? html`<details class="panel"><summary class="head">metadata (${t.metadata.length} keys)</summary><table class="list">${t.metadata.map((m) => html`<tr><td class="mono">${m.key}</td><td class="mono">${m.value}</td></tr>`)}</table></details>`
    : '';
  return html`<div class="panel tensors"><div class="head"><b>${formatCount(t.count)} tensors</b><span class="muted">${t.format}, ${formatBytes(t.totalBytes)} of tensor data; read from the header only</span></div>
<table class="list"><tr><th>tensor</th><th>dtype</th><th>shape</th><th class="num">bytes</th></tr>${rows}</table>${
    t.count > t.tensors.length ? html`<p class="note">Showing the first ${formatCount(t.tensors.length)}.</p>` : ''
  }</div>${meta}`;
}

/** A table cell as text: strings as they are, other values as JSON. */
export function cellText(v: JsonValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function tableView(t: TablePreview): SafeHtml {
  const head = t.columns.map((c) => html`<th>${c.name}<small>${c.type}</small></th>`);
  const rows = t.rows.map((r) => html`<tr>${r.map((v) => html`<td title="${cellText(v)}">${cellText(v)}</td>`)}</tr>`);
  const total = t.totalRows === undefined ? '' : `${formatCount(t.totalRows)} rows, `;
  return html`<div class="panel table-preview"><div class="head"><b>${t.columns.length} columns</b><span class="muted">${total}showing the first ${formatCount(t.rows.length)}; types ${t.typesFrom === 'schema' ? 'from the schema' : 'inferred from the rows read'}</span></div>
${t.note ? html`<p class="note">${t.note}</p>` : ''}<div class="body"><table class="list data"><tr>${head}</tr>${rows}</table></div></div>`;
}
