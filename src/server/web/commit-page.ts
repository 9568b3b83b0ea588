/**
 * `/OWNER/NAME/commit/SHA` and `/OWNER/NAME/compare/BASE...HEAD`. A commit: author, committer,
 * date, the whole message, parents, and the diff against its first parent (a root commit:
 * against nothing). A comparison, as on GitHub: the commits HEAD has that BASE lacks, and the
 * diff from their merge base (BASE itself when the histories are unrelated) to HEAD. The diff
 * is what `hub diff --stats` computes (commit-diff.ts), in the content worker, bounded.
 */
import type { WebDiff } from './commit-diff.js';
import { diffView } from './diff-view.js';
import { formatDate, html, type SafeHtml } from './html.js';
import { heldBy, openRepo, sendPage, type OpenRepo, type PageContext } from './page-context.js';
import { commitLine, repoHeader, revSegment } from './repo-frame.js';
import type { RepoRef } from './web-routes.js';

/** Most commits a comparison lists. */
export const COMPARE_COMMITS = 100;

/**
 * The diff a page shows: the full one (content compared within the read budget) when it has
 * been computed (ahead, when the push arrived: {@link precomputeDiffs}), else at once the one
 * that reads no large content (headers and chunk hashes), while the full one is computed in the
 * background for the next view. No page view waits for tensor bytes to be read.
 */
async function pageDiff(ctx: PageContext, repo: OpenRepo, a: string | undefined, b: string): Promise<WebDiff> {
  const held = heldBy(ctx.deps.meta, repo.record.id);
  const full = { type: 'diff' as const, bareDir: repo.bare.dir, a, b };
  const done = ctx.deps.pool.cached(full);
  if (done) return done;
  ctx.deps.pool.background(full, held);
  return ctx.deps.pool.run({ ...full, budget: 0 }, held);
}

/** `/commit/SHA` (any revision is accepted; the page names the commit it resolved to). */
export async function commitPage(ctx: PageContext, route: RepoRef & { rev: string }): Promise<void> {
  const repo = await openRepo(ctx, route);
  const c = await ctx.deps.facts.commit(repo.bare, await ctx.deps.facts.commitOf(repo.bare, route.rev));
  const diff = await pageDiff(ctx, repo, c.parents[0], c.id);
  const rest = c.message.slice(c.title.length).replace(/^\n+/, '').trimEnd();
  const parents: SafeHtml[] = c.parents.map((p) => html`<a class="sha" href="${repo.base}/commit/${p}">${p.slice(0, 7)}</a> `);
  const body = html`${repoHeader(repo, 'commits', c.id)}
<div class="panel"><div class="head"><span class="commit-title">${c.title || '(no message)'}</span></div><div class="body">
${rest ? html`<pre class="message">${rest}</pre>` : ''}
<dl class="facts"><dt>commit</dt><dd class="mono">${c.id}</dd>
<dt>author</dt><dd>${c.author.name} &lt;${c.author.email}&gt; · ${formatDate(c.author.date)}</dd>
${c.committer.name !== c.author.name || c.committer.date !== c.author.date ? html`<dt>committer</dt><dd>${c.committer.name} &lt;${c.committer.email}&gt; · ${formatDate(c.committer.date)}</dd>` : ''}
<dt>parents</dt><dd>${parents.length ? parents : html`<span class="muted">none (the first commit)</span>`}${c.parents.length > 1 ? html` <span class="muted">(diff against the first)</span>` : ''}</dd>
<dt>files</dt><dd><a href="${repo.base}/tree/${c.id}">browse the tree at this commit</a></dd></dl></div></div>
${diffView(repo, diff)}`;
  sendPage(ctx, `${c.title} · ${repo.fullName}@${c.id.slice(0, 7)}`, body);
}

/** `/compare/BASE...HEAD`. */
export async function comparePage(ctx: PageContext, route: RepoRef & { base: string; head: string }): Promise<void> {
  const repo = await openRepo(ctx, route);
  const { facts } = ctx.deps;
  const [base, head] = [await facts.commitOf(repo.bare, route.base), await facts.commitOf(repo.bare, route.head)];
  const from = (await facts.mergeBase(repo.bare, base, head)) ?? base;
  const [between, diff] = await Promise.all([facts.between(repo.bare, from, head, COMPARE_COMMITS), pageDiff(ctx, repo, from, head)]);
  const body = html`${repoHeader(repo, 'none')}
<h2>Comparing <span class="mono">${route.base}</span> … <span class="mono">${route.head}</span></h2>
<p class="muted">from <a class="sha" href="${repo.base}/commit/${from}">${from.slice(0, 7)}</a>${from === base ? '' : ' (the merge base)'} to <a class="sha" href="${repo.base}/commit/${head}">${head.slice(0, 7)}</a> · <a href="${repo.base}/compare/${revSegment(route.head)}...${revSegment(route.base)}">swap</a></p>
<div class="panel"><div class="head"><b>${between.commits.length}${between.more ? '+' : ''} commit${between.commits.length === 1 && !between.more ? '' : 's'}</b></div><table class="list">${
    between.commits.length ? between.commits.map((c) => html`<tr><td>${commitLine(repo, c)}</td></tr>`) : html`<tr><td class="muted">none: ${route.head} has nothing ${route.base} lacks</td></tr>`
  }</table></div>
${diffView(repo, diff)}`;
  sendPage(ctx, `Compare ${route.base}...${route.head} · ${repo.fullName}`, body);
}
