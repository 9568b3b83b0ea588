/**
 * `/OWNER/NAME/tree/REV/PATH`: one directory at a revision: folders first, then files, with
 * sizes (a large file at its real size, marked LFS) and download links (`/resolve/REV/PATH`),
 * {@link TREE_PAGE} entries at a time (a folder of 10,000 files is listed by `git ls-tree`
 * once, and only the shown entries' small blobs are read to tell pointers from files).
 */
import { repoPath } from '../hf-entries.js';
import type { TreeItem } from '../git-read.js';
import { HttpError } from '../http-util.js';
import { formatBytes, formatCount, html, pathSegments, type SafeHtml } from './html.js';
import { openRepo, sendPage, type OpenRepo, type PageContext } from './page-context.js';
import { crumbs, commitLine, repoHeader, revPicker, revSegment } from './repo-frame.js';
import type { RepoFacts } from './repo-facts.js';
import type { RepoRef } from './web-routes.js';

/** Entries per page of a directory. */
export const TREE_PAGE = 500;

function byFolderThenName(x: TreeItem, y: TreeItem): number {
  if ((x.type === 'tree') !== (y.type === 'tree')) return x.type === 'tree' ? -1 : 1;
  return x.path < y.path ? -1 : x.path > y.path ? 1 : 0;
}

/** The table of `items` (one page of a directory: at most {@link TREE_PAGE} are shown) at `rev`. */
export async function treeTable(facts: RepoFacts, repo: OpenRepo, rev: string, items: TreeItem[]): Promise<SafeHtml> {
  const entries = await facts.entries(repo.bare, items.filter((i) => i.type === 'blob' || i.type === 'tree').sort(byFolderThenName).slice(0, TREE_PAGE));
  const at = revSegment(rev);
  const rows = entries.map((e) => {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    const p = pathSegments(e.path);
    if (e.type === 'tree') return html`<tr><td>📁 <a href="${repo.base}/tree/${at}/${p}">${name}</a></td><td></td><td></td><td></td></tr>`;
    return html`<tr><td>📄 <a href="${repo.base}/blob/${at}/${p}">${name}</a></td><td>${e.lfs ? html`<span class="badge lfs" title="stored as a Git LFS object">LFS</span>` : ''}</td>
<td class="num">${formatBytes(e.lfs?.size ?? e.size)}</td><td class="num"><a href="${repo.base}/resolve/${at}/${p}" download>download</a></td></tr>`;
  });
  return html`<table class="list">${rows.length ? rows : html`<tr><td class="muted">empty directory</td></tr>`}</table>`;
}

/** `/tree/REV/PATH?page=N`. */
export async function treePage(ctx: PageContext, route: RepoRef & { rev: string; path: string }): Promise<void> {
  const repo = await openRepo(ctx, route);
  const { facts } = ctx.deps;
  const commit = await facts.commitOf(repo.bare, route.rev);
  const path = repoPath(route.path);
  let tree = commit;
  if (path === undefined) throw new HttpError(404, 'No such directory.');
  if (path !== '') {
    const found = await facts.lookup(repo.bare, commit, path);
    if (found?.type === 'blob') {
      ctx.res.writeHead(302, { Location: `${repo.base}/blob/${revSegment(route.rev)}/${pathSegments(path)}` }).end();
      return;
    }
    if (found?.type !== 'tree') throw new HttpError(404, `No directory ${path} at ${route.rev}.`);
    tree = found.oid;
  }
  const page = Math.max(1, Number(ctx.url.searchParams.get('page')) || 1);
  const [items, refs, last] = await Promise.all([facts.listTree(repo.bare, tree, path), facts.refs(repo.bare), facts.lastCommit(repo.bare, commit, path)]);
  const sorted = [...items].sort(byFolderThenName);
  const shown = sorted.slice((page - 1) * TREE_PAGE, page * TREE_PAGE);
  const here = (p: number) => `${repo.base}/tree/${revSegment(route.rev)}${path ? `/${pathSegments(path)}` : ''}?page=${p}`;
  const pager = html`<div class="pager">${page > 1 ? html`<a href="${here(page - 1)}">← previous</a>` : ''}${page * TREE_PAGE < sorted.length ? html`<a href="${here(page + 1)}">next →</a>` : ''}<span class="muted">${
    sorted.length > TREE_PAGE ? `entries ${formatCount((page - 1) * TREE_PAGE + 1)}–${formatCount(Math.min(sorted.length, page * TREE_PAGE))} of ${formatCount(sorted.length)}` : `${formatCount(sorted.length)} entries`
  }</span></div>`;
  const lastCommit = last ? await facts.commit(repo.bare, last) : undefined;
  const body = html`${repoHeader(repo, 'files', route.rev)}
${revPicker(refs, route.rev, (r) => `${repo.base}/tree/${revSegment(r)}${path ? `/${pathSegments(path)}` : ''}`)}
${crumbs(repo, route.rev, path)}
<div class="panel"><div class="head">${lastCommit ? commitLine(repo, lastCommit) : html`<span class="muted">at ${commit.slice(0, 7)}</span>`}<a href="${repo.base}/commits/${revSegment(route.rev)}${path ? `/${pathSegments(path)}` : ''}">history</a></div>
${await treeTable(facts, repo, route.rev, shown)}</div>${pager}`;
  sendPage(ctx, `${repo.fullName} at ${route.rev}${path ? ` / ${path}` : ''}`, body);
}
