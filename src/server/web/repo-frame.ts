/**
 * The parts every repository page shares: the title with its kind and visibility, the tabs
 * (card, files, commits), breadcrumbs of a path at a revision, a revision picker made of links
 * (no script), and the clone instructions for hub, git and the Hugging Face client.
 */
import { formatDate, html, pathSegments, type SafeHtml } from './html.js';
import type { CommitDetails, RefInfo } from './git-history.js';
import type { OpenRepo } from './page-context.js';

/** A revision as one URL segment (`/` encoded, as the HF Hub's pages do). */
export function revSegment(rev: string): string {
  return encodeURIComponent(rev);
}

/** The title and tabs of a repository page. */
export function repoHeader(repo: OpenRepo, tab: 'card' | 'files' | 'commits' | 'none', rev?: string): SafeHtml {
  const r = repo.record;
  const at = rev === undefined ? '' : `/${revSegment(rev)}`;
  const on = (t: string) => (t === tab ? 'on' : '');
  return html`<h1><span class="type">${r.type}</span> <a href="/${encodeURIComponent(r.owner)}">${r.owner}</a> / <a href="${repo.base}">${r.name}</a>${
    r.private ? html` <span class="badge private">private</span>` : ''
  }</h1>
<nav class="tabs"><a class="${on('card')}" href="${repo.base}">${r.type === 'dataset' ? 'Dataset card' : 'Model card'}</a><a class="${on('files')}" href="${repo.base}/tree${at || '/HEAD'}">Files</a><a class="${on('commits')}" href="${repo.base}/commits${at}">Commits</a></nav>`;
}

/** Breadcrumbs `name / dir / file` of `path` at `rev`, each a link to its tree. */
export function crumbs(repo: OpenRepo, rev: string, path: string): SafeHtml {
  const parts = path.split('/').filter((p) => p !== '');
  const links = parts.map((p, i) => {
    const sub = parts.slice(0, i + 1).join('/');
    return i === parts.length - 1 ? html`<span>/</span><b>${p}</b>` : html`<span>/</span><a href="${repo.base}/tree/${revSegment(rev)}/${pathSegments(sub)}">${p}</a>`;
  });
  return html`<div class="crumbs"><a href="${repo.base}/tree/${revSegment(rev)}">${repo.record.name}</a>${links}</div>`;
}

/** The branches and tags as links to the same view at each of them. */
export function revPicker(refs: { branches: RefInfo[]; tags: RefInfo[] }, current: string, link: (rev: string) => string): SafeHtml {
  const item = (r: RefInfo) => html`<li>${r.name === current ? html`<b>${r.name}</b>` : html`<a href="${link(r.name)}">${r.name}</a>`}</li>`;
  return html`<details class="panel"><summary class="head">revision: <b class="mono">${current}</b> <span class="muted">(${refs.branches.length} branches, ${refs.tags.length} tags)</span></summary>
<div class="body side"><h3>Branches</h3><ul>${refs.branches.map(item)}</ul>${refs.tags.length ? html`<h3>Tags</h3><ul>${refs.tags.map(item)}</ul>` : ''}</div></details>`;
}

/** One line about a commit: short id (linked), title, author, date. */
export function commitLine(repo: OpenRepo, c: CommitDetails): SafeHtml {
  return html`<a class="sha" href="${repo.base}/commit/${c.id}">${c.id.slice(0, 7)}</a> ${c.title} <span class="muted">· ${c.author.name} · ${formatDate(c.author.date)}</span>`;
}

/** How to get the repository with hub, with git (and git-lfs), and with the Hugging Face client. */
export function cloneInstructions(repo: OpenRepo, origin: string): SafeHtml {
  const r = repo.record;
  const url = `${origin}${repo.base}`;
  const typeFlag = r.type === 'dataset' ? ' --repo-type dataset' : '';
  const pyType = r.type === 'dataset' ? ', repo_type="dataset"' : '';
  return html`<h3>Clone</h3>
<div class="muted">hub</div><pre class="clone">hub clone ${url}</pre>
<div class="muted">git (with git-lfs)</div><pre class="clone">git lfs install
git clone ${url}</pre>
<div class="muted">Hugging Face client</div><pre class="clone">HF_ENDPOINT=${origin} hf download ${repo.fullName}${typeFlag}</pre><pre class="clone">from huggingface_hub import snapshot_download
snapshot_download("${repo.fullName}"${pyType}, endpoint="${origin}")</pre>${
    r.private ? html`<p class="muted">Private: pass a token (<span class="mono">HUB_TOKEN</span>, <span class="mono">HF_TOKEN</span>, or git's password).</p>` : ''
  }`;
}
