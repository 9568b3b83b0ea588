/**
 * What every repository command works with: the repository's paths, its attributes, index and
 * stat cache, the large-file threshold, the user's store, and the repository lock for commands
 * that change anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pacer } from '../abort.js';
import { AttributeMatcher, parseGitattributes } from '../formats/gitattributes.js';
import type { GitIndexEntry } from '../formats/git-index.js';
import type { StatCache } from '../formats/stat-cache.js';
import { readIndex, writeIndex } from '../repo/index-file.js';
import { findRepo, largeFileThreshold, type RepoPaths } from '../repo/repository.js';
import { loadStatCache, saveStatCache } from '../repo/stat-cache-file.js';
import { lockFileExclusive, pidAlive } from '../store/store-lock.js';
import { removeStaleTmpFiles } from '../fs/atomic-file.js';
import type { Store } from '../store/store.js';
import type { CoreContext } from './context.js';
import { withStore } from './open-store.js';

/** An open repository. */
export interface RepoSession {
  ctx: CoreContext;
  paths: RepoPaths;
  store: Store;
  threshold: number;
  attributes: AttributeMatcher;
  statCache: StatCache;
  /** Index entries by path (stage 0 only; conflicts are refused). */
  index: Map<string, GitIndexEntry>;
  /**
   * Verified, fsynced files of large-file content that a download of this command wrote into
   * `.git/hub/tmp` (oid -> path): materialize renames one into place instead of reassembling it.
   */
  staged?: Map<string, string>;
  /** Await at each file of a long loop: throws once ctx.signal is aborted, and lets Ctrl-C be seen. */
  checkpoint: () => Promise<void>;
}

/** Options of withRepo. */
export interface RepoOptions {
  /** Take `.git/hub/lock` (every command that changes the repository). */
  lock?: boolean;
}

/** Runs `fn` with the repository containing ctx.cwd open (and locked when asked). */
export async function withRepo<T>(ctx: CoreContext, opts: RepoOptions, fn: (s: RepoSession) => Promise<T>): Promise<T> {
  const paths = findRepo(ctx.cwd);
  const lock = opts.lock ? lockFileExclusive(join(paths.hubdir, 'lock'), `the repository ${paths.workdir}`) : undefined;
  // leftovers of a killed command: never in the working tree, always here
  if (lock) removeStaleTmpFiles(join(paths.hubdir, 'tmp'), pidAlive);
  try {
    return await withStore(ctx, async (store) => {
      const index = new Map<string, GitIndexEntry>();
      for (const e of readIndex(paths)) index.set(e.path, e);
      const session: RepoSession = {
        ctx,
        paths,
        store,
        threshold: await largeFileThreshold(paths),
        attributes: loadAttributes(paths.workdir, []),
        statCache: loadStatCache(paths),
        index,
        checkpoint: pacer(ctx.signal),
      };
      return fn(session);
    });
  } finally {
    lock?.release();
  }
}

/** The attribute rules of the root `.gitattributes` and of the nested ones named. */
export function loadAttributes(workdir: string, nested: readonly string[]): AttributeMatcher {
  const files = [{ base: '', path: '.gitattributes' }, ...nested.filter((p) => p !== '.gitattributes').map((p) => ({ base: p.slice(0, -'/.gitattributes'.length), path: p }))];
  const sources = [];
  for (const f of files) {
    const full = join(workdir, f.path);
    if (existsSync(full)) sources.push({ base: f.base, rules: parseGitattributes(readFileSync(full, 'utf8')) });
  }
  return new AttributeMatcher(sources);
}

/**
 * Writes the session's index and stat cache back. Like git, hub writes real stat data; an entry
 * modified in the same second as the index write is "racily clean" to git (this build of git
 * compares whole seconds), so the next `git status` re-reads that file once: through git-lfs's
 * clean filter for a large file, which is why git-lfs must be installed for git to agree.
 */
export function saveIndex(s: RepoSession): void {
  writeIndex(s.paths, [...s.index.values()]);
  saveStatCache(s.paths, s.statCache);
}
