/**
 * How many files differ between two trees, found by walking both and skipping every subtree whose
 * id is the same on both sides: the work follows the changes, not the size of the tree, so
 * committing one file in a 100,000-file tree reads a handful of trees.
 */
import { readTreeEntries } from './object-store.js';

/** Files added, modified (content or mode) and deleted from tree `before` (none: empty) to tree `after`. */
export interface TreeChangeCounts {
  added: number;
  modified: number;
  deleted: number;
}

const TREE = 0o40000;

/** One entry of a tree, as readTreeEntries gives it. */
export type TreeEntryOf = Awaited<ReturnType<typeof readTreeEntries>>[number];

/**
 * Walks trees `a` and `b` (either absent: empty) and calls `visit` for every non-tree path that
 * differs: `x` its entry in `a`, `y` in `b` (one may be absent); equal subtrees are skipped.
 * `cache` is readTreeEntries' cache, shared by the walks of one command.
 */
export async function walkTreeChanges(gitdir: string, a: string | undefined, b: string | undefined, visit: (path: string, x: TreeEntryOf | undefined, y: TreeEntryOf | undefined) => void, cache: object = {}, prefix = ''): Promise<void> {
  if (a === b) return;
  const left = new Map((a ? await readTreeEntries(gitdir, a, prefix, cache) : []).map((e) => [e.name, e]));
  const right = b ? await readTreeEntries(gitdir, b, prefix, cache) : [];
  const sub = (name: string) => (prefix ? `${prefix}/${name}` : name);
  for (const y of right) {
    const x = left.get(y.name);
    left.delete(y.name);
    if (x && x.oid === y.oid && x.mode === y.mode) continue;
    const xTree = x?.mode === TREE;
    const yTree = y.mode === TREE;
    if (xTree || yTree) await walkTreeChanges(gitdir, xTree ? x!.oid : undefined, yTree ? y.oid : undefined, visit, cache, sub(y.name));
    const xFile = x && !xTree ? x : undefined;
    const yFile = yTree ? undefined : y;
    if (xFile || yFile) visit(sub(y.name), xFile, yFile);
  }
  for (const x of left.values()) {
    if (x.mode === TREE) await walkTreeChanges(gitdir, x.oid, undefined, visit, cache, sub(x.name));
    else visit(sub(x.name), x, undefined);
  }
}

/** Counts the file changes from `before` to `after` (git's rename-blind view: a move is a deletion and an addition). */
export async function countTreeChanges(gitdir: string, before: string | undefined, after: string | undefined): Promise<TreeChangeCounts> {
  const counts: TreeChangeCounts = { added: 0, modified: 0, deleted: 0 };
  await walkTreeChanges(gitdir, before, after, (_path, x, y) => {
    if (x && y) counts.modified++;
    else if (y) counts.added++;
    else counts.deleted++;
  });
  return counts;
}
