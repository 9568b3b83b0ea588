/**
 * The history side of `hub download`: a bare cache git directory per remote (a mirror of the
 * refs it has downloaded: `refs/heads/*`, `refs/tags/*`, and HEAD as the remote's default
 * branch), into which one revision at a time is fetched shallowly (depth 1). Offline, revisions
 * are resolved from this cache alone. The http plugin is passed in (transfer layer).
 */
import fs from 'node:fs';
import { existsSync } from 'node:fs';
import git from 'isomorphic-git';
import { HubError, NotFoundError, PermissionError } from '../errors.js';
import type { HttpPlugin } from './sync.js';
import { transportError } from './transport-errors.js';
import { resolveRevision, setHeadDetached, setHeadToBranch, writeRef } from './refs.js';

/** git's "infinite" depth (what `git fetch --unshallow` sends). */
const INFINITE_DEPTH = 2147483647;

/** A revision resolved against the remote: the commit, and the ref it came from (none for a sha). */
export interface ResolvedRevision {
  commit: string;
  /** `refs/heads/X` or `refs/tags/X`; undefined when REV was a commit id. */
  ref?: string;
  /** The branch the remote's HEAD names (undefined when HEAD is detached or the repo is empty). */
  defaultBranch?: string;
}

/** Creates the bare cache git directory for `url` unless it exists. */
export async function initCacheRepo(gitdir: string, url: string): Promise<void> {
  if (!existsSync(`${gitdir}/HEAD`)) await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
  await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: url });
  // a mirror: the remote's branches are this repository's branches
  await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/heads/*' });
}

/** True when the object `oid` is in the cache. */
async function hasObject(gitdir: string, oid: string): Promise<boolean> {
  try {
    await git.readObject({ fs, gitdir, oid, format: 'deflated' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves `rev` (a branch, a tag, a full ref, a full commit id; default: the remote's HEAD)
 * against the remote's refs, fetches that commit with depth 1 unless the cache has it, and
 * records the ref in the cache. A commit id the server will not serve shallowly is looked for
 * in the remote's whole history (every branch and tag, full depth).
 */
export async function fetchRevision(opts: { gitdir: string; url: string; http: HttpPlugin; rev?: string }): Promise<ResolvedRevision> {
  const { gitdir, url, http, rev } = opts;
  const refs = await git.listServerRefs({ http, url, protocolVersion: 1, symrefs: true }).catch((err) => {
    throw transportError(err, url);
  });
  const head = refs.find((r) => r.ref === 'HEAD');
  const defaultBranch = head?.target?.startsWith('refs/heads/') ? head.target.slice('refs/heads/'.length) : undefined;
  const unknown = () => new NotFoundError(`unknown revision '${rev}' in ${url}`, { data: { revision: rev, remote: url } }, 'unknown_revision');
  let ref: string | undefined;
  let want: string | undefined;
  if (rev === undefined) {
    if (!head) throw new NotFoundError(`${url} has no commits`, { data: { remote: url } }, 'empty_repository');
    ref = head.target ?? 'HEAD';
    want = head.oid;
  } else {
    for (const name of rev.startsWith('refs/') ? [rev] : [`refs/heads/${rev}`, `refs/tags/${rev}`]) {
      const hit = refs.find((r) => r.ref === name);
      if (hit) {
        ref = name;
        want = hit.oid;
        break;
      }
    }
    if (!want && /^[0-9a-f]{40}$/.test(rev)) want = rev;
    if (!want) throw unknown();
  }
  if (!(await hasObject(gitdir, want))) {
    try {
      await git.fetch({ fs, http, gitdir, url, remote: 'origin', ref: ref ?? want, singleBranch: true, depth: 1, tags: false });
    } catch (err) {
      if (ref || err instanceof PermissionError || (err instanceof HubError && err.retriable)) throw transportError(err, url);
    }
    if (!ref && !(await hasObject(gitdir, want))) {
      // a server that serves only advertised tips: fetch all of history and look for it there
      await git.fetch({ fs, http, gitdir, url, remote: 'origin', singleBranch: false, tags: true, depth: INFINITE_DEPTH }).catch((err) => {
        throw transportError(err, url);
      });
    }
    if (!(await hasObject(gitdir, want))) throw unknown();
  }
  if (ref === 'HEAD') setHeadDetached(gitdir, want);
  else if (ref) writeRef(gitdir, ref, want);
  if (defaultBranch) setHeadToBranch(gitdir, defaultBranch);
  let commit: string;
  try {
    commit = await resolveRevision(gitdir, want);
  } catch {
    throw unknown(); // a tag of a tree or blob, or an object that is not a commit
  }
  return { commit, ref, defaultBranch };
}

/** The commit `rev` (default: HEAD, the remote's default branch when last seen) names in the cache, or undefined. */
export async function cachedRevision(gitdir: string, rev: string | undefined): Promise<string | undefined> {
  if (!existsSync(`${gitdir}/HEAD`)) return undefined;
  try {
    const commit = await resolveRevision(gitdir, rev ?? 'HEAD');
    return (await hasObject(gitdir, commit)) ? commit : undefined;
  } catch {
    return undefined;
  }
}
