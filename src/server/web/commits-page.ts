/**
 * `/OWNER/NAME/commits/REV[/PATH]`: the history of a revision (of one path, when given), newest
 * first, {@link COMMITS_PAGE} commits at a time: id, title, author, date, and links to each
 * commit and to the tree at it.
 */
import { repoPath } from '../hf-entries.js';
import { HttpError } from '../http-util.js';
import { formatDate, html, pathSegments } from './html.js';
import { openRepo, sendPage, type PageContext } from './page-context.js';
import { crumbs, repoHeader, revPicker, revSegment } from './repo-frame.js';
import type { RepoRef } from './web-routes.js';

/** Commits per page. */
export const COMMITS_PAGE = 50;

/** `/commits/REV[/PATH]?page=N`. */
export async function commitsPage(ctx: PageContext, route: RepoRef & { rev?: string; path: string }): Promise<void> {
  const repo = await openRepo(ctx, route);
  const { facts } = ctx.deps;
  const refs = await facts.refs(repo.bare);
  const rev = route.rev ?? refs.head ?? 'HEAD';
  const commit = await facts.commitOf(repo.bare, rev);
  const path = repoPath(route.path);
  if (path === undefined) throw new HttpError(404, 'No such path.');
  const page = Math.max(1, Number(ctx.url.searchParams.get('page')) || 1);
  const { commits, more } = await facts.history(repo.bare, commit, { skip: (page - 1) * COMMITS_PAGE, count: COMMITS_PAGE, path: path || undefined });
  const at = revSegment(rev);
  const suffix = path ? `/${pathSegments(path)}` : '';
  const rows = commits.map(
    (c) => html`<tr><td><a class="sha" href="${repo.base}/commit/${c.id}">${c.id.slice(0, 7)}</a></td><td><a href="${repo.base}/commit/${c.id}">${c.title || '(no message)'}</a></td>
<td>${c.author.name}</td><td class="num">${formatDate(c.author.date)}</td><td class="num"><a href="${repo.base}/tree/${c.id}${suffix}">browse</a></td></tr>`,
  );
  const here = (p: number) => `${repo.base}/commits/${at}${suffix}?page=${p}`;
  const body = html`${repoHeader(repo, 'commits', rev)}
${revPicker(refs, rev, (r) => `${repo.base}/commits/${revSegment(r)}${suffix}`)}
${path ? html`<p>History of ${crumbs(repo, rev, path)}</p>` : ''}
<div class="panel"><table class="list commits">${rows.length ? rows : html`<tr><td class="muted">no commits</td></tr>`}</table></div>
<div class="pager">${page > 1 ? html`<a href="${here(page - 1)}">← newer</a>` : ''}${more ? html`<a href="${here(page + 1)}">older →</a>` : ''}</div>`;
  sendPage(ctx, `History of ${repo.fullName}${path ? ` / ${path}` : ''}`, body);
}
