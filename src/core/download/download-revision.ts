/**
 * The revision `hub download` works on: its commit and file tree, from a shallow fetch into a
 * cache git directory (any git server), or, when the server answers no git route, from its
 * Hugging Face API (revision info, tree listing, `resolve` URLs). Small files from the API are
 * checked against the git blob id the listing gives, so every byte is still verified.
 */
import { join } from 'node:path';
import { IntegrityError, NetworkError, NotFoundError } from '../../errors.js';
import { objectId } from '../../formats/git-object.js';
import { flattenTree, readCommit, type TreeFile } from '../../repo/object-store.js';
import { readHead } from '../../repo/refs.js';
import { cachedRevision, fetchRevision, initCacheRepo } from '../../repo/snapshot.js';
import { createGitHttp } from '../../transfer/git-http-plugin.js';
import { hfRepoOf, hfResolve, hfResolveUrl, hfRevision, hfTree, type HfRepo } from '../../transfer/hf-api.js';
import { gitFiles, type RevisionFiles } from './download-files.js';

/** A revision ready to download from. */
export interface DownloadRevision {
  commit: string;
  /** REV as given, else the default branch's name (or `main` from the HF API). */
  revision: string;
  tree: TreeFile[];
  files: RevisionFiles;
  via: 'git' | 'hf-api';
  /** The cache git directory (git only): a gc root. */
  gitdir?: string;
  /** HF API only: where a large file's bytes are, when the server has no LFS batch API either. */
  resolveUrl?: (path: string) => string;
}

/** The exit-6 error of a download that would need the network while HUB_OFFLINE is set. */
export function offlineError(message: string, data: Record<string, unknown>): NetworkError {
  return new NetworkError(`${message}, and HUB_OFFLINE is set`, { retriable: false, hint: 'unset HUB_OFFLINE, or download it once while online', data }, 'offline');
}

/** Resolves `rev` of the repository at `url` (see the module comment); `gitdir` is its cache; `signal` cancels its requests. */
export async function downloadRevision(url: string, gitdir: string, rev: string | undefined, token: string | undefined, offline: boolean, signal?: AbortSignal): Promise<DownloadRevision> {
  if (offline) {
    const cached = await cachedRevision(gitdir, rev);
    if (!cached) throw offlineError(`${rev ? `revision '${rev}'` : 'the default branch'} of ${url} was never downloaded`, { remote: url, revision: rev ?? null });
    return fromGit(gitdir, cached, rev ?? (await readHead(gitdir)).branch ?? 'HEAD');
  }
  try {
    await initCacheRepo(gitdir, url);
    const r = await fetchRevision({ gitdir, url, http: createGitHttp({ token, signal }), rev });
    return fromGit(gitdir, r.commit, rev ?? r.defaultBranch ?? 'HEAD');
  } catch (err) {
    // no git route here (not a missing revision): perhaps a server with only the Hugging Face API
    if (!(err instanceof NotFoundError) || err.code === 'unknown_revision' || err.code === 'empty_repository' || signal?.aborted) throw err;
    const repo = hfRepoOf(url);
    let commit: string;
    try {
      commit = await hfRevision(repo, rev, token, signal);
    } catch {
      signal?.throwIfAborted();
      throw err; // neither answers: report what git said
    }
    return fromApi(repo, commit, rev ?? 'main', token, signal);
  }
}

async function fromGit(gitdir: string, commit: string, revision: string): Promise<DownloadRevision> {
  return { commit, revision, tree: await flattenTree(gitdir, (await readCommit(gitdir, commit)).tree), files: gitFiles(gitdir), via: 'git', gitdir };
}

async function fromApi(repo: HfRepo, commit: string, revision: string, token: string | undefined, signal: AbortSignal | undefined): Promise<DownloadRevision> {
  const listing = await hfTree(repo, commit, token, signal);
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const files: RevisionFiles = {
    listed: (file) => {
      const f = byPath.get(file.path)!;
      return { ...(f.lfs ? { lfs: { oid: f.lfs.oid, size: f.lfs.size } } : {}), size: f.lfs ? f.lfs.size : f.size };
    },
    async blob(file) {
      const bytes = await hfResolve(repo, commit, file.path, token, signal);
      const id = objectId('blob', bytes);
      if (id !== file.oid) throw new IntegrityError(`${file.path}: the server sent content with blob id ${id}, its tree says ${file.oid}`, { data: { path: file.path } }, 'hash_mismatch');
      return bytes;
    },
  };
  const tree = listing.map((f) => ({ path: f.path, mode: 0o100644, oid: f.oid }));
  return { commit, revision, tree, files, via: 'hf-api', resolveUrl: (path) => hfResolveUrl(repo, commit, path) };
}

/** The cache git directory of a remote under `home`. */
export function cacheGitdir(home: string, key: { host: string; repo: string }): string {
  return join(home, 'repos', key.host, `${key.repo}.git`);
}
