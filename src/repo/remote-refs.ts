/**
 * What a remote offers once its history is fetched: remote-tracking branches
 * (`refs/remotes/REMOTE/*`), tags, and commits. Used by `hub fetch`, and by `--revision` on
 * clone and pull to turn what a user typed into a commit of the remote.
 */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { NotFoundError } from '../errors.js';
import { refExists, resolveRevision } from './refs.js';

/** A revision of a remote: one of its branches, a tag, or a commit id. */
export interface RemoteRevision {
  kind: 'branch' | 'tag' | 'commit';
  /** The branch or tag name (without refs/...), or the commit id as typed. */
  name: string;
  /** The local ref it was read from (refs/remotes/REMOTE/NAME, refs/tags/NAME); none for a commit id. */
  ref?: string;
  commit: string;
}

/**
 * Resolves `rev` against what was fetched from `remote`: a branch of the remote (`main`,
 * `refs/heads/main`), then a tag (`v1`, `refs/tags/v1`), then a full or abbreviated commit id.
 * Anything else is a NotFoundError (exit 3).
 */
export async function resolveRemoteRevision(gitdir: string, remote: string, rev: string): Promise<RemoteRevision> {
  if (!rev.startsWith('refs/tags/')) {
    const branch = rev.replace(/^refs\/heads\//, '');
    const ref = `refs/remotes/${remote}/${branch}`;
    if (branch && branch !== 'HEAD' && (await refExists(gitdir, ref))) return { kind: 'branch', name: branch, ref, commit: await resolveRevision(gitdir, ref) };
  }
  if (!rev.startsWith('refs/heads/')) {
    const tag = rev.replace(/^refs\/tags\//, '');
    const ref = `refs/tags/${tag}`;
    if (tag && (await refExists(gitdir, ref))) return { kind: 'tag', name: tag, ref, commit: await resolveRevision(gitdir, ref) };
  }
  if (/^[0-9a-fA-F]{4,40}$/.test(rev)) {
    try {
      const oid = await git.expandOid({ fs, gitdir, oid: rev.toLowerCase() });
      return { kind: 'commit', name: rev, commit: await resolveRevision(gitdir, oid) };
    } catch {
      /* not an object here (or not a commit) */
    }
  }
  throw new NotFoundError(`${remote} has no branch, tag or commit '${rev}'`, { data: { revision: rev, remote } }, 'unknown_revision');
}

/** Every remote-tracking branch of `remote` and every tag, ref -> the oid it names. */
export async function remoteRefSnapshot(gitdir: string, remote: string): Promise<Map<string, string>> {
  const refs = [
    ...(await git.listBranches({ fs, gitdir, remote })).filter((b) => b !== 'HEAD').map((b) => `refs/remotes/${remote}/${b}`),
    ...(await git.listTags({ fs, gitdir })).map((t) => `refs/tags/${t}`),
  ];
  const out = new Map<string, string>();
  for (const ref of refs.sort()) {
    try {
      out.set(ref, await git.resolveRef({ fs, gitdir, ref }));
    } catch {
      /* a dangling symbolic ref */
    }
  }
  return out;
}

/** Sets (or, with no remote, removes) `branch`'s upstream in .git/config, as `git clone -b` writes it. */
export async function setBranchUpstream(gitdir: string, branch: string, remote: string | undefined): Promise<void> {
  await git.setConfig({ fs, gitdir, path: `branch.${branch}.remote`, value: remote });
  await git.setConfig({ fs, gitdir, path: `branch.${branch}.merge`, value: remote ? `refs/heads/${branch}` : undefined });
}

/** `branch`'s upstream from .git/config (`branch.B.remote`, `branch.B.merge`), or undefined when it has none. */
export async function readBranchUpstream(gitdir: string, branch: string): Promise<{ remote: string; branch: string } | undefined> {
  const remote = (await git.getConfig({ fs, gitdir, path: `branch.${branch}.remote` })) as string | undefined;
  const merge = (await git.getConfig({ fs, gitdir, path: `branch.${branch}.merge` })) as string | undefined;
  if (!remote || !merge) return undefined;
  return { remote, branch: merge.replace(/^refs\/heads\//, '') };
}
