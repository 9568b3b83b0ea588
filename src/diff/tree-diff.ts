/**
 * File-level diff of two trees (each a map from path to mode and blob id): which paths were
 * added, deleted, modified (content or mode) or renamed. A deleted path and an added path with
 * the same blob (for a large file: the same pointer, so the same LFS oid) are a rename; the
 * pairing is by sorted path, so it is deterministic.
 */

/** One file of a tree, as the tree diff needs it. */
export interface TreeEntry {
  path: string;
  mode: number;
  /** The git blob id (for a large file, of its LFS pointer). */
  blob: string;
}

/** A changed path. */
export interface TreeChange<E extends TreeEntry = TreeEntry> {
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  /** The path in b (in a for a deletion). */
  path: string;
  /** The path in a, for a rename. */
  oldPath?: string;
  a?: E;
  b?: E;
}

/** The changes from `a` to `b`, sorted by path; `selected` limits the paths looked at. */
export function diffTrees<E extends TreeEntry>(a: ReadonlyMap<string, E>, b: ReadonlyMap<string, E>, selected: (path: string) => boolean = () => true): TreeChange<E>[] {
  const changes: TreeChange<E>[] = [];
  const deleted: E[] = [];
  const added: E[] = [];
  for (const [path, ea] of a) {
    if (!selected(path)) continue;
    const eb = b.get(path);
    if (!eb) deleted.push(ea);
    else if (ea.blob !== eb.blob || ea.mode !== eb.mode) changes.push({ status: 'modified', path, a: ea, b: eb });
  }
  for (const [path, eb] of b) if (selected(path) && !a.has(path)) added.push(eb);
  // renames: the same content under a new name (first unpaired match in path order)
  const byBlob = new Map<string, E[]>();
  for (const d of deleted.sort(byPath)) byBlob.set(d.blob, [...(byBlob.get(d.blob) ?? []), d]);
  const renamedFrom = new Set<string>();
  for (const n of added.sort(byPath)) {
    const from = byBlob.get(n.blob)?.shift();
    if (from) {
      renamedFrom.add(from.path);
      changes.push({ status: 'renamed', path: n.path, oldPath: from.path, a: from, b: n });
    } else changes.push({ status: 'added', path: n.path, b: n });
  }
  for (const d of deleted) if (!renamedFrom.has(d.path)) changes.push({ status: 'deleted', path: d.path, a: d });
  return changes.sort((x, y) => byPath(x, y));
}

function byPath(x: { path: string }, y: { path: string }): number {
  return x.path < y.path ? -1 : x.path > y.path ? 1 : 0;
}
