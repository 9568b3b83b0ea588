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

/**
 * Commits reachable from `a` but not `b` (ahead) and from `b` but not `a` (behind): git's
 * `rev-list --left-right --count a...b`. Walks newest first (by committer time) from both tips,
 * painting each commit with the sides that reach it, and stops once every commit still queued is
 * reached by both (git's paint-down): the work follows the commits since the merge base.
 */
export async function aheadBehind(gitdir: string, a: string, b: string): Promise<{ ahead: number; behind: number }> {
  if (a === b) return { ahead: 0, behind: 0 };
  const LEFT = 1;
  const RIGHT = 2;
  const flags = new Map<string, number>([[a, LEFT], [b, RIGHT]]);
  const info = new Map<string, { time: number; parents: string[] }>();
  const read = async (oid: string) => {
    let c = info.get(oid);
    if (!c) {
      const { commit } = await git.readCommit({ fs, gitdir, oid });
      c = { time: commit.committer.timestamp, parents: commit.parent };
      info.set(oid, c);
    }
    return c;
  };
  let queue = [a, b];
  while (queue.some((o) => flags.get(o) !== (LEFT | RIGHT))) {
    // newest first; a small queue (one entry per line of history being walked)
    const times = await Promise.all(queue.map(async (o) => (await read(o)).time));
    let best = 0;
    for (let i = 1; i < queue.length; i++) if (times[i] > times[best]) best = i;
    const oid = queue[best];
    queue = queue.filter((_, i) => i !== best);
    const f = flags.get(oid)!;
    for (const p of (await read(oid)).parents) {
      const before = flags.get(p) ?? 0;
      if ((before | f) === before) continue;
      flags.set(p, before | f);
      if (!queue.includes(p)) queue.push(p);
    }
  }
  let ahead = 0;
  let behind = 0;
  for (const f of flags.values()) {
    if (f === LEFT) ahead++;
    else if (f === RIGHT) behind++;
  }
  return { ahead, behind };
}
