/**
 * What the pages of a repository's new commits need, computed when a push (or an API commit)
 * ends, so that their first views find it cached: for each branch head, its diff against its
 * first parent without content and the previews of the files it added or changed (tensor lists,
 * tables' first rows), then its diff with content (the commit page's statistics); for the
 * default branch, the model card and the repository's size (home and repository pages). Content work goes to the pool's background
 * worker, which yields to every page; the request thread only reads refs and one commit.
 */
import { repoDir } from '../bare-repos.js';
import { BareRepo } from '../git-read.js';
import type { RepoRecord } from '../metadata.js';
import type { WebDeps } from './page-context.js';
import { previewTask } from './preview-files.js';
import { readRefFiles } from './ref-files.js';
import { cardTask, MAX_README_BYTES } from './repo-page.js';
import { repoBase } from './page-context.js';

/** Heads whose pages a write computes ahead (a push of many branches computes the first ones). */
export const HEADS_AHEAD = 16;

/** Queues the work of the pages of `repo`'s branch heads (best effort: nothing waits for it). */
export async function computeAhead(deps: WebDeps, repo: RepoRecord): Promise<void> {
  const bareDir = repoDir(deps.root, repo.type, repo.owner, repo.name);
  const bare = new BareRepo(bareDir);
  const refs = await readRefFiles(bareDir);
  const heads = [...new Set([...refs.refs].filter(([name]) => name.startsWith('refs/heads/')).map(([, oid]) => oid))].slice(0, HEADS_AHEAD);
  if (heads.length === 0) return;
  deps.pool.warm();
  const held = (oids: string[]) => oids.map((o) => deps.meta.objectSize(repo.id, o) !== undefined);
  const commits = await deps.facts.commitsById(bare, heads);
  // first what reads no content: each head's diff without it (the commit page's first view when
  // the full one is not done yet), the default branch's card and size (home and repository
  // pages), the previews of the files each head changed; then the diffs with content
  for (const c of commits) void deps.pool.background({ type: 'diff', bareDir, a: c.parents[0], b: c.id, budget: 0 }, held);
  const head = refs.headOid ?? (refs.headRef ? refs.refs.get(refs.headRef) : undefined);
  if (head) {
    const readme = await deps.facts.lookup(bare, head, 'README.md');
    if (readme?.type === 'blob' && readme.size <= MAX_README_BYTES) void deps.pool.background(cardTask(bareDir, repoBase(repo), refs.headRef?.slice(11) ?? head, readme.oid), held);
    deps.facts.size(bare, head).catch(() => {}); // on the request thread: one git ls-tree, read in slices
  }
  for (const c of commits) {
    const files = await deps.pool.background({ type: 'previewable', bareDir, a: c.parents[0], b: c.id }, held);
    for (const f of files ?? []) {
      const task = previewTask(bareDir, f.path, f.ref);
      if (task && (f.ref.kind === 'git' || held([f.ref.oid])[0])) void deps.pool.background(task, held);
    }
  }
  for (const c of commits) void deps.pool.background({ type: 'diff', bareDir, a: c.parents[0], b: c.id }, held);
}
