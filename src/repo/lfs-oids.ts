/**
 * Which Git LFS objects a repository needs: every pointer blob reachable from its HEAD, branches,
 * tags and remote-tracking branches, through all of history. gc keeps these oids. Trees and blobs are visited once each.
 */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { looksLikePointer, parsePointer } from '../formats/lfs-pointer.js';
import { flattenTree, readCommit, readPointerBlob } from './object-store.js';

/** The LFS oids referenced anywhere in the history of the repository at `dir` (a work tree or a bare repo); `signal` stops the walk. */
export async function lfsOidsOfRepo(dir: string, signal?: AbortSignal): Promise<Set<string>> {
  const gitdir = fs.existsSync(`${dir}/.git`) ? `${dir}/.git` : dir;
  const tips: string[] = [];
  const refs = [
    'HEAD',
    ...(await git.listBranches({ fs, gitdir })).map((b) => `refs/heads/${b}`),
    ...(await git.listTags({ fs, gitdir })).map((t) => `refs/tags/${t}`),
  ];
  // remote-tracking branches too: content `hub fetch` brought for the next pull must survive gc
  for (const { remote } of await git.listRemotes({ fs, gitdir })) {
    for (const b of await git.listBranches({ fs, gitdir, remote })) if (b !== 'HEAD') refs.push(`refs/remotes/${remote}/${b}`);
  }
  for (const ref of refs) {
    try {
      tips.push(await git.resolveRef({ fs, gitdir, ref }));
    } catch {
      /* an unborn HEAD */
    }
  }
  return new Set((await lfsPointersReachable(gitdir, tips, signal)).keys());
}

/** Every LFS pointer (oid -> size) in the trees of `tips` and all their ancestors; once `signal` is aborted the walk stops with its reason. */
export async function lfsPointersReachable(gitdir: string, tips: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
  const oids = new Map<string, number>();
  const seen = new Set<string>();
  const queue = [...tips];
  const shallow = shallowCommits(gitdir);
  while (queue.length) {
    signal?.throwIfAborted();
    const oid = queue.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    const { type, object } = await git.readObject({ fs, gitdir, oid, format: 'parsed' });
    if (type === 'tag') queue.push((object as { object: string }).object);
    else if (type === 'commit') {
      const commit = object as { tree: string; parent: string[] };
      queue.push(commit.tree, ...(shallow.has(oid) ? [] : commit.parent)); // a shallow fetch has no parents here
    } else if (type === 'tree') {
      for (const entry of object as Array<{ oid: string; type: string }>) {
        if (entry.type !== 'commit') queue.push(entry.oid);
      }
    } else if (type === 'blob') {
      const bytes = object as Uint8Array;
      if (looksLikePointer(bytes)) {
        try {
          const p = parsePointer(bytes);
          oids.set(p.oid, p.size);
        } catch {
          /* a blob that merely starts like a pointer */
        }
      }
    }
  }
  return oids;
}

/** The commits a shallow fetch stopped at (`.git/shallow`): their parents are not in the repository. */
function shallowCommits(gitdir: string): Set<string> {
  try {
    return new Set(fs.readFileSync(`${gitdir}/shallow`, 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

/** The LFS pointers in the tree of one commit (not its history), in path order. */
export async function lfsPointersOfCommit(gitdir: string, commit: string): Promise<Array<{ path: string; oid: string; size: number }>> {
  const out: Array<{ path: string; oid: string; size: number }> = [];
  for (const f of await flattenTree(gitdir, (await readCommit(gitdir, commit)).tree)) {
    if (f.mode === 0o120000) continue;
    const p = await readPointerBlob(gitdir, f.oid);
    if (p) out.push({ path: f.path, ...p });
  }
  return out;
}
