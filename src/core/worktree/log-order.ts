/** The order `log --graph` shows commits in: git's graph order (see {@link graphOrder}). */

/** What ordering needs of a commit. */
export interface OrderedCommit {
  oid: string;
  parents: readonly string[];
}

/**
 * git's graph order (`--graph` implies `--topo-order`): `byDate` is the history newest first (as
 * git's limited walk leaves it); a commit comes after all its children, tips in date order, and
 * after a commit the walk goes on with its last unblocked parent first (git's LIFO queue), so a
 * merged branch is shown before the mainline it was merged into.
 */
export function graphOrder<T extends OrderedCommit>(byDate: readonly T[]): T[] {
  const byOid = new Map(byDate.map((c) => [c.oid, c]));
  const indegree = new Map<string, number>(byDate.map((c) => [c.oid, 1]));
  for (const c of byDate) for (const p of c.parents) if (indegree.has(p)) indegree.set(p, indegree.get(p)! + 1);
  const stack = byDate.filter((c) => indegree.get(c.oid) === 1).reverse();
  const out: T[] = [];
  for (let c = stack.pop(); c; c = stack.pop()) {
    for (const p of c.parents) {
      const n = indegree.get(p);
      if (!n) continue;
      indegree.set(p, n - 1);
      if (n - 1 === 1) stack.push(byOid.get(p)!);
    }
    indegree.set(c.oid, 0);
    out.push(c);
  }
  return out;
}
