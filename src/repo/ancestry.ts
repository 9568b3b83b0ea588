/** Commit ancestry: `branch -d`'s "is it merged" check, merge bases, ahead/behind counts. */
import fs from 'node:fs';
import git from 'isomorphic-git';

/** True when `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(gitdir: string, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  return git.isDescendent({ fs, gitdir, oid: descendant, ancestor, depth: -1 });
}

/** The best common ancestors of two commits (git merge-base --all); empty for unrelated histories. */
export async function mergeBases(gitdir: string, a: string, b: string): Promise<string[]> {
  return git.findMergeBase({ fs, gitdir, oids: [a, b] });
}
