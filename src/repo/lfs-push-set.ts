/**
 * The LFS pointers a push must make sure the remote has: those in the trees of commits reachable
 * from the tips but not from the commits the remote already has (its tracking refs), found the
 * way `git rev-list TIPS --not KNOWN` and a tree diff would: the commit walk stops where the two
 * sides meet, and each new commit's tree is compared with its parents', descending only into
 * subtrees that differ. So the cost grows with what changed since the last push, not with the
 * length of history. The answer may hold a few pointers the remote has (a clock-skewed commit
 * date, a file moved back): the batch API then says so, and nothing more is sent.
 */
import { readFileSync } from 'node:fs';
import { readCommit, readPointerBlob, readTreeEntries } from './object-store.js';

/** Commit dates decide the walk order (newest first), as git's paint-down walk does. */
interface Pending {
  oid: string;
  time: number;
  known: boolean;
}

/** oid -> size of every LFS pointer that commits reachable from `tips` and not from `known` add; `signal` stops the walk. */
export async function lfsPointersToPush(gitdir: string, tips: readonly string[], known: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
  const shallow = shallowCommits(gitdir);
  const fresh = await newCommits(gitdir, tips, known, shallow, signal);
  const out = new Map<string, number>();
  const cache = {};
  for (const c of fresh) {
    signal?.throwIfAborted();
    const commit = await readCommit(gitdir, c);
    const parents = await Promise.all((shallow.has(c) ? [] : commit.parents).map(async (p) => (await readCommit(gitdir, p)).tree));
    await addedBlobs(gitdir, commit.tree, parents, '', cache, async (blob) => {
      const p = await readPointerBlob(gitdir, blob);
      if (p) out.set(p.oid, p.size);
    });
  }
  return out;
}

/** The commits reachable from `tips` and not from `known`, walked newest first until no unknown one is left to walk. */
export async function newCommits(gitdir: string, tips: readonly string[], known: readonly string[], shallow: ReadonlySet<string>, signal?: AbortSignal): Promise<string[]> {
  const mark = new Map<string, boolean>(); // oid -> known
  const pending: Pending[] = []; // oldest first
  let unknownPending = 0;
  const push = async (oid: string, isKnown: boolean): Promise<void> => {
    const was = mark.get(oid);
    if (was === true || was === isKnown) return;
    mark.set(oid, isKnown);
    const entry = { oid, time: (await readCommit(gitdir, oid)).committer.timestamp, known: isKnown };
    let lo = 0;
    let hi = pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pending[mid].time <= entry.time) lo = mid + 1;
      else hi = mid;
    }
    pending.splice(lo, 0, entry);
    if (!isKnown) unknownPending++;
  };
  for (const k of known) await push(k, true);
  for (const t of tips) await push(t, false);
  while (unknownPending > 0) {
    signal?.throwIfAborted();
    const next = pending.pop()!;
    if (!next.known) unknownPending--;
    if (next.known !== mark.get(next.oid)) continue; // reached from the known side since: its walk goes on there
    for (const p of shallow.has(next.oid) ? [] : (await readCommit(gitdir, next.oid)).parents) await push(p, next.known);
  }
  return [...mark].filter(([, k]) => !k).map(([oid]) => oid);
}

/**
 * Calls `found` for every blob below `tree` that no parent tree has at the same path, skipping
 * subtrees equal to a parent's. Gitlinks (submodules) are not blobs of this repository.
 */
async function addedBlobs(gitdir: string, tree: string, parents: readonly string[], prefix: string, cache: object, found: (blob: string) => Promise<void>): Promise<void> {
  if (parents.includes(tree)) return;
  const entries = await readTreeEntries(gitdir, tree, prefix, cache);
  const parentEntries = await Promise.all(parents.map(async (p) => new Map((await readTreeEntries(gitdir, p, prefix, cache)).map((e) => [e.name, e]))));
  for (const e of entries) {
    const same = parentEntries.map((m) => m.get(e.name)).filter((pe) => pe !== undefined && pe.mode === e.mode);
    if (same.some((pe) => pe!.oid === e.oid)) continue;
    if (e.mode === 0o40000) await addedBlobs(gitdir, e.oid, same.map((pe) => pe!.oid), prefix ? `${prefix}/${e.name}` : e.name, cache, found);
    else if (e.mode !== 0o160000 && e.mode !== 0o120000) await found(e.oid);
  }
}

/** The commits a shallow fetch stopped at (`.git/shallow`): their parents are not in the repository. */
export function shallowCommits(gitdir: string): Set<string> {
  try {
    return new Set(readFileSync(`${gitdir}/shallow`, 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}
