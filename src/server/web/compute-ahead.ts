/**
 * What the pages of a repository's new commits need, computed when a push (or an API commit)
 * ends, so that their first views find it cached: for each branch head, the previews of the files
 * it added or changed (tensor lists, tables' first rows), its diff against its first parent
 * without content, then with content (the commit page's statistics); for the default branch, the
 * model card and the repository's size (home and repository pages). Content work goes to the
 * pool's background worker, which yields to every request; the request thread reads the refs, the
 * heads' commits and where the README is.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { repoDir } from '../bare-repos.js';
import { BareRepo } from '../git-read.js';
import type { RepoRecord } from '../metadata.js';
import { heldBy, repoBase, type WebDeps } from './page-context.js';
import { previewTask } from './preview-files.js';
import { readRefFiles } from './ref-files.js';
import { cardTask, MAX_README_BYTES } from './repo-page.js';
import { sizeTask } from './repo-size.js';

/** Heads whose pages a write computes ahead (a push of many branches computes the first ones). */
export const HEADS_AHEAD = 16;
/** Repositories a starting server computes ahead for: the ones pushed to last. */
export const REPOS_AHEAD_AT_START = 8;

/** When a repository was last written: its branch refs' folder or packed refs changed (git writes a ref by renaming a lock file). */
async function lastWrite(bareDir: string): Promise<number> {
  const times = await Promise.all(['refs/heads', 'packed-refs'].map((f) => stat(join(bareDir, f)).then((s) => s.mtimeMs, () => 0)));
  return Math.max(...times);
}

/**
 * What a starting server computes ahead: the pages of the {@link REPOS_AHEAD_AT_START}
 * repositories written last, as if each had just been pushed to (one after another).
 */
export async function computeAheadAtStart(deps: WebDeps, repos: RepoRecord[]): Promise<void> {
  const written = await Promise.all(repos.map(async (r) => ({ r, at: await lastWrite(repoDir(deps.root, r.type, r.owner, r.name)) })));
  for (const { r } of written.sort((x, y) => y.at - x.at).slice(0, REPOS_AHEAD_AT_START)) await computeAhead(deps, r).catch(() => {});
}

/** Queues the work of the pages of `repo`'s branch heads (best effort: nothing waits for it). */
export async function computeAhead(deps: WebDeps, repo: RepoRecord): Promise<void> {
  const bareDir = repoDir(deps.root, repo.type, repo.owner, repo.name);
  const bare = new BareRepo(bareDir);
  const refs = await readRefFiles(bareDir);
  const heads = [...new Set([...refs.refs].filter(([name]) => name.startsWith('refs/heads/')).map(([, oid]) => oid))].slice(0, HEADS_AHEAD);
  if (heads.length === 0) return;
  deps.pool.warmWhenQuiet(); // a page's first visitor after a push finds them started, but not at a clone's expense
  const held = heldBy(deps.meta, repo.id);
  const commits = await deps.facts.commitsById(bare, heads);
  // queued at once (a page asking meanwhile queues after them), run by rank (content-pool.ts): the
  // previews of the files each head changed and the default branch's card first, then each
  // head's diff without content (the commit page's first view while the full one is not done),
  // then the diffs with content
  for (const c of commits) {
    void deps.pool.background({ type: 'previewable', bareDir, a: c.parents[0], b: c.id }, held).then(async (files) => {
      for (const f of files ?? []) {
        const task = previewTask(bareDir, f.path, f.ref);
        if (task && (f.ref.kind === 'git' || (await held([f.ref.oid]))[0])) void deps.pool.background(task, held);
      }
    });
    void deps.pool.background({ type: 'diff', bareDir, a: c.parents[0], b: c.id, budget: 0 }, held);
    void deps.pool.background({ type: 'diff', bareDir, a: c.parents[0], b: c.id }, held);
  }
  const head = refs.headOid ?? (refs.headRef ? refs.refs.get(refs.headRef) : undefined);
  if (!head) return;
  void deps.pool.background(sizeTask(bareDir, head), held);
  const readme = await deps.facts.lookup(bare, head, 'README.md');
  if (readme?.type === 'blob' && readme.size <= MAX_README_BYTES) void deps.pool.background(cardTask(bareDir, repoBase(repo), refs.headRef?.slice(11) ?? head, readme.oid), held);
}
