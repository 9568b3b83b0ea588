/**
 * The paths a push changes: every file that a commit reachable from the tips and not from the
 * commits the remote already has adds, modifies or deletes, compared with that commit's parents
 * (the same walk as lfs-push-set.ts: the cost follows the change, not the history). A push's lock
 * verification refuses changes to paths others have locked; git-lfs looks at added and modified
 * files, hub also at deleted ones (deleting a locked file is changing it).
 */
import { readCommit, readTreeEntries } from './object-store.js';
import { newCommits, shallowCommits } from './lfs-push-set.js';

const TREE = 0o40000;
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
    if (parents.length === 0) await changed(gitdir, undefined, commit.tree, '', cache, out);
    for (const p of parents) await changed(gitdir, (await readCommit(gitdir, p)).tree, commit.tree, '', cache, out);
  }
  return out;
}

/** Adds to `out` every file path that differs between trees `a` and `b` (either may be absent), skipping equal subtrees. */
async function changed(gitdir: string, a: string | undefined, b: string | undefined, prefix: string, cache: object, out: Set<string>): Promise<void> {
  if (a === b) return;
  const left = new Map((a ? await readTreeEntries(gitdir, a, prefix, cache) : []).map((e) => [e.name, e]));
  const right = b ? await readTreeEntries(gitdir, b, prefix, cache) : [];
  const sub = (name: string) => (prefix ? `${prefix}/${name}` : name);
  for (const y of right) {
    const x = left.get(y.name);
    left.delete(y.name);
    if (x && x.oid === y.oid && x.mode === y.mode) continue;
    const xTree = x?.mode === TREE ? x.oid : undefined;
    const yTree = y.mode === TREE ? y.oid : undefined;
    if (xTree || yTree) await changed(gitdir, xTree, yTree, sub(y.name), cache, out);
    if ((x && !xTree && x.mode !== GITLINK) || (!yTree && y.mode !== GITLINK)) out.add(sub(y.name));
  }
  for (const x of left.values()) {
    if (x.mode === TREE) await changed(gitdir, x.oid, undefined, sub(x.name), cache, out);
    else if (x.mode !== GITLINK) out.add(sub(x.name));
  }
}
