/**
 * `/` (models and datasets), `/datasets` (datasets only) and `/OWNER` (one owner's): the
 * repositories the visitor may read, newest first (by creation), with their size and last
 * commit, {@link PAGE} at a time. Hidden repositories are not counted either.
 */
import { HttpError } from '../http-util.js';
import type { RepoRecord, RepoType } from '../metadata.js';
import { formatBytes, formatCount, formatDate, html, type SafeHtml } from './html.js';
import { mayRead, repoBase, sendPage, type PageContext } from './page-context.js';
import { BareRepo } from '../git-read.js';
import { repoDir } from '../bare-repos.js';
import { noObjects, sizeTask } from './repo-size.js';

/** Repositories per page. */
export const PAGE = 50;

/** The page number of `?page=` (1 when absent or not a positive integer). */
export function pageNumber(url: URL): number {
  const n = Number(url.searchParams.get('page') ?? '1');
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

async function row(ctx: PageContext, r: RepoRecord): Promise<SafeHtml> {
  const bare = new BareRepo(repoDir(ctx.deps.root, r.type, r.owner, r.name));
  const head = await ctx.deps.facts.headCommit(bare);
  const [commit, size] = head ? await Promise.all([ctx.deps.facts.commit(bare, head), ctx.deps.pool.run(sizeTask(bare.dir, head), noObjects)]) : [undefined, undefined];
  const base = repoBase(r);
  return html`<tr><td><span class="badge">${r.type}</span> <a href="${base}"><b>${r.owner}/${r.name}</b></a>${r.private ? html` <span class="badge private">private</span>` : ''}</td>
<td class="num">${size ? formatBytes(size.bytes) : '—'}</td><td class="num">${size ? `${formatCount(size.files)} files` : 'empty'}</td>
<td>${commit ? html`<a class="sha" href="${base}/commit/${commit.id}">${commit.id.slice(0, 7)}</a> ${commit.title} <span class="muted">${formatDate(commit.committer.date)}</span>` : html`<span class="muted">no commits</span>`}</td></tr>`;
}

/** The listing of `repos` (already filtered and ordered), one page of it. */
async function listing(ctx: PageContext, title: string, heading: SafeHtml, repos: RepoRecord[], empty: string): Promise<void> {
  const page = pageNumber(ctx.url);
  const shown = repos.slice((page - 1) * PAGE, page * PAGE);
  const rows = await Promise.all(shown.map((r) => row(ctx, r)));
  const pager = html`<div class="pager">${page > 1 ? html`<a href="?page=${page - 1}">← newer</a>` : ''}${page * PAGE < repos.length ? html`<a href="?page=${page + 1}">older →</a>` : ''}</div>`;
  const body = html`${heading}<p class="muted">${formatCount(repos.length)} repositories</p>
${rows.length ? html`<div class="panel"><table class="list"><tr><th>repository</th><th class="num">size</th><th class="num">files</th><th>last commit</th></tr>${rows}</table></div>` : html`<p>${empty}</p>`}${pager}`;
  sendPage(ctx, title, body);
}

async function visible(ctx: PageContext, filter: (r: RepoRecord) => boolean): Promise<RepoRecord[]> {
  const repos: RepoRecord[] = [];
  for (const r of await ctx.deps.meta.listRepos()) if (filter(r) && (await mayRead(ctx.deps.meta, ctx.id, r))) repos.push(r);
  return repos.sort((x, y) => y.createdAt - x.createdAt || y.id - x.id);
}

/** `/` and `/datasets`. */
export async function homePage(ctx: PageContext, type?: RepoType): Promise<void> {
  const repos = await visible(ctx, (r) => type === undefined || r.type === type);
  const heading = html`<h1>${type === 'dataset' ? 'Datasets' : 'Models and datasets'}</h1>`;
  await listing(ctx, type === 'dataset' ? 'Datasets' : 'Repositories', heading, repos, 'No repositories yet. Create one with hub repo create OWNER/NAME, then hub push.');
}

/** `/OWNER`: 404 for a user that does not exist. */
export async function ownerPage(ctx: PageContext, owner: string): Promise<void> {
  const user = await ctx.deps.meta.getUser(owner);
  if (!user) throw new HttpError(404, 'No such user.');
  const repos = await visible(ctx, (r) => r.owner.toLowerCase() === user.name.toLowerCase());
  await listing(ctx, user.name, html`<h1>${user.name}</h1>`, repos, 'No repositories you may see.');
}
