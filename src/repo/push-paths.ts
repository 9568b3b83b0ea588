/**
 * The paths a push changes: every file that a commit reachable from the tips and not from the
 * commits the remote already has adds, modifies or deletes, compared with that commit's parents
 * (the same walk as lfs-push-set.ts: the cost follows the change, not the history). A push's lock
 * verification refuses changes to paths others have locked; git-lfs looks at added and modified
 * files, hub also at deleted ones (deleting a locked file is changing it).
 */
import { readCommit } from './object-store.js';
import { walkTreeChanges } from './tree-changes.js';
import { newCommits, shallowCommits } from './lfs-push-set.js';

const GITLINK = 0o160000;

/** Every path the commits reachable from `tips` and not from `known` change; `signal` stops the walk. */
export async function pathsChangedByPush(gitdir: string, tips: readonly string[], known: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const shallow = shallowCommits(gitdir);
  const out = new Set<string>();
  const cache = {};
  for (const c of await newCommits(gitdir, tips, known, shallow, signal)) {
    signal?.throwIfAborted();
    const commit = await readCommit(gitdir, c);
    const parents = shallow.has(c) ? [] : commit.parents;
    if (parents.length === 0) await changed(gitdir, undefined, commit.tree, cache, out);
    for (const p of parents) await changed(gitdir, (await readCommit(gitdir, p)).tree, commit.tree, cache, out);
  }
  return out;
}

/** Adds to `out` every path, gitlinks aside, that differs between trees `a` and `b` (either may be absent). */
function changed(gitdir: string, a: string | undefined, b: string | undefined, cache: object, out: Set<string>): Promise<void> {
  return walkTreeChanges(gitdir, a, b, (path, x, y) => {
    if ((x && x.mode !== GITLINK) || (y && y.mode !== GITLINK)) out.add(path);
  }, cache);
}
