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

/** Counts the file changes from `before` to `after` (git's rename-blind view: a move is a deletion and an addition). */
export async function countTreeChanges(gitdir: string, before: string | undefined, after: string | undefined): Promise<TreeChangeCounts> {
  const counts: TreeChangeCounts = { added: 0, modified: 0, deleted: 0 };
  const cache = {};
  const walk = async (a: string | undefined, b: string | undefined, prefix: string): Promise<void> => {
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
      if (xTree || yTree) await walk(xTree ? x!.oid : undefined, yTree ? y.oid : undefined, sub(y.name));
      if (!yTree && x && !xTree) counts.modified++;
      else {
        if (!yTree) counts.added++;
        if (x && !xTree) counts.deleted++;
      }
    }
    for (const x of left.values()) {
      if (x.mode === TREE) await walk(x.oid, undefined, sub(x.name));
      else counts.deleted++;
    }
  };
  await walk(before, after, '');
  return counts;
}
