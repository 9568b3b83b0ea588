/**
 * `/OWNER/NAME` (and `/datasets/OWNER/NAME`): the model or dataset card (README.md rendered, its
 * front matter as tags) at the default branch, beside the latest commit, the size, branches and
 * tags and the clone instructions. An empty repository shows only how to push to it.
 */
import type { ContentTask } from './content-tasks.js';
import { formatBytes, formatCount, formatDate, html, trusted, type SafeHtml } from './html.js';
import type { CardTag } from './markdown.js';
import { openRepo, sendPage, type PageContext } from './page-context.js';
import { cloneInstructions, commitLine, repoHeader, revSegment } from './repo-frame.js';
import { noObjects, sizeTask } from './repo-size.js';
import { treeTable } from './tree-page.js';
import type { RepoRef } from './web-routes.js';

/** Largest README rendered (bigger ones are linked instead). */
export const MAX_README_BYTES = 512 * 1024;

/** The task rendering README blob `oid` of the repository at `base` as its card at `rev` (relative links point there). */
export function cardTask(bareDir: string, base: string, rev: string, oid: string): ContentTask & { type: 'card' } {
  const at = `${base}/%s/${revSegment(rev)}`;
  return { type: 'card', bareDir, oid, max: MAX_README_BYTES, links: { blobBase: at.replace('%s', 'blob'), resolveBase: at.replace('%s', 'resolve') } };
}


/** The origin visitors reached the server at (for clone URLs). */
export function origin(ctx: PageContext): string {
  const host = String(ctx.req.headers.host ?? '127.0.0.1');
  return `http://${/^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : '127.0.0.1'}`;
}

/** `/OWNER/NAME`. */
export async function repoPage(ctx: PageContext, ref: RepoRef): Promise<void> {
  const repo = await openRepo(ctx, ref);
  const { facts } = ctx.deps;
  const head = await facts.headCommit(repo.bare);
  const clone = cloneInstructions(repo, origin(ctx));
  if (!head) {
    const body = html`${repoHeader(repo, 'card')}<div class="cols"><div><p>This repository is empty. Push to it:</p>
<pre class="clone">hub remote add origin ${origin(ctx)}${repo.base}
hub push</pre></div><aside class="side">${clone}</aside></div>`;
    return sendPage(ctx, repo.fullName, body);
  }
  const [commit, refs, size, readme] = await Promise.all([facts.commit(repo.bare, head), facts.refs(repo.bare), ctx.deps.pool.run(sizeTask(repo.bare.dir, head), noObjects), facts.lookup(repo.bare, head, 'README.md')]);
  const rev = refs.head ?? head;
  let card: SafeHtml | undefined;
  let tags: CardTag[] = [];
  let cardNote: SafeHtml | undefined;
  const found = readme;
  if (found?.type === 'blob') {
    if (found.size > MAX_README_BYTES) cardNote = html`<p class="note">README.md is ${formatBytes(found.size)}, more than a page renders: <a href="${repo.base}/blob/${revSegment(rev)}/README.md">read it as a file</a>.</p>`;
    else {
      // rendered in the content worker (a long README is O(its size) of parsing), cached by blob id
      const rendered = await ctx.deps.pool.run(cardTask(repo.bare.dir, repo.base, rev, found.oid), noObjects);
      card = rendered.pointer ? html`<p class="note">README.md is stored as a large file.</p>` : trusted(rendered.html);
      tags = rendered.tags;
      if (rendered.frontMatterError) cardNote = html`<p class="note">The YAML front matter does not parse: ${rendered.frontMatterError}</p>`;
    }
  }
  const main = card
    ? html`${cardNote ?? ''}<article class="card">${card}</article>`
    : html`${cardNote ?? html`<p class="muted">No model card (README.md) yet.</p>`}<div class="panel">${await treeTable(facts, repo, rev, await facts.listTree(repo.bare, head, ''))}</div>`;
  const refList = (title: string, list: { name: string; commit: string }[]) =>
    list.length ? html`<h3>${title} (${list.length})</h3><ul>${list.slice(0, 20).map((b) => html`<li><a href="${repo.base}/tree/${revSegment(b.name)}">${b.name}</a> <span class="sha muted">${b.commit.slice(0, 7)}</span></li>`)}</ul>` : '';
  const body = html`${repoHeader(repo, 'card', rev)}
${tags.length ? html`<div class="tags">${tags.map((t) => html`<span class="tag"><b>${t.key}:</b> ${t.value}</span>`)}</div>` : ''}
<div class="cols"><div>${main}</div>
<aside class="side">
<h3>Latest commit</h3><div>${commitLine(repo, commit)}</div>
<h3>Size</h3><div>${formatBytes(size.bytes)} in ${formatCount(size.files)} files${size.largeFiles ? `, ${formatCount(size.largeFiles)} large (LFS)` : ''}</div>
<h3>Files</h3><div><a href="${repo.base}/tree/${revSegment(rev)}">Browse files at ${rev}</a> · <a href="${repo.base}/commits/${revSegment(rev)}">history</a></div>
${refList('Branches', refs.branches)}${refList('Tags', refs.tags)}
${clone}
<p class="muted">Created ${formatDate(new Date(repo.record.createdAt).toISOString())}</p>
</aside></div>`;
  sendPage(ctx, repo.fullName, body);
}
