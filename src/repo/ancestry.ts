/** Commit ancestry (for `branch -d`'s "is it merged" check). */
import fs from 'node:fs';
import git from 'isomorphic-git';

/** True when `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(gitdir: string, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  return git.isDescendent({ fs, gitdir, oid: descendant, ancestor, depth: -1 });
}
