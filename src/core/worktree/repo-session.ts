/**
 * What every repository command works with: the repository's paths, its attributes, index and
 * stat cache, the large-file threshold, the user's store, and the repository lock for commands
 * that change anything.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pacer } from '../../abort.js';
import { AttributeMatcher, parseGitattributes } from '../../formats/gitattributes.js';
import type { StatCache } from '../../formats/stat-cache.js';
import { ConflictError } from '../../errors.js';
import { IndexEntries } from '../../repo/index-entries.js';
import { indexLayoutOf, parseIndexBytes, readIndexBytes, writeIndex } from '../../repo/index-file.js';
import type { GitIndexLayout } from '../../formats/git-index-layout.js';
import { findRepo, largeFileThreshold, type RepoPaths } from '../../repo/repository.js';
import { loadStatCache, saveStatCache } from '../../repo/stat-cache-file.js';
import { pidAlive } from '../../fs/pid-alive.js';
import { lockFileExclusive } from '../../store/store-lock.js';
import { removeStaleTmpFiles } from '../../fs/atomic-file.js';
import { removeInBackground } from '../../fs/release-old.js';
import type { Store } from '../../store/store.js';
import type { CoreContext } from '../context.js';

/** An open repository. */
export interface RepoSession {
  ctx: CoreContext;
  paths: RepoPaths;
  store: Store;
  /** `hub.largeFileThreshold` in bytes (read from the config on first use). */
  largeFileThreshold(): Promise<number>;
  attributes: AttributeMatcher;
  statCache: StatCache;
  /** The index: merged entries by path, and the conflict stages of unmerged paths. */
  index: IndexEntries;
  /**
   * The layout of `.git/index` as read when the session opened (undefined when there is none):
   * every entry's stat data and path in place, no object per entry (see git-index-layout.ts).
   */
  indexLayout(): GitIndexLayout | undefined;
  /** Modification time of `.git/index` when it was read (undefined: there was none): entries modified since are racily clean. */
  indexMtimeNs?: bigint;
  /** True once the stat cache has been read (so there is something to save). */
  statCacheLoaded(): boolean;
  /** Working-tree directories this command has checked (or made) as real directories: materialize checks each once. */
  verifiedDirs: Set<string>;
  /**
   * Verified (not fsynced: working-tree files) files of large-file content that a download of this command wrote into
   * `.git/hub/tmp` (oid -> path): materialize renames one into place instead of reassembling it.
   */
  staged?: Map<string, string>;
  /** Await at each file of a long loop: throws once ctx.signal is aborted, and lets Ctrl-C be seen. */
  checkpoint: () => Promise<void>;
  /**
   * The attributes of the tree a checkout writes (its `.gitattributes` blobs), when they may
   * differ from the working ones: they decide which files it writes read-only (`lockable`).
   */
  checkoutAttributes?: AttributeMatcher;
  /** The paths this clone holds Git LFS locks on (core/locks/own-locks.ts), read on first use. */
  ownLocks?: Set<string>;
  /**
   * Takes a large old working file that a new one replaced, moved aside into `.git/hub/tmp`
   * (fs/release-old.ts): it is removed in the background once the command's last write is done,
   * so the refs and index it writes after its files never wait for the file system to free it.
   */
  releaseOld: (aside: string) => void;
}

/** Options of withRepo. */
export interface RepoOptions {
  /** Take `.git/hub/lock` (every command that changes the repository). */
  lock?: boolean;
  /**
   * false: the command never reads or writes large-file content (status), so the store is not
   * opened (nor its modules loaded); `s.store` then throws.
   */
  store?: boolean;
  /**
   * Parse `.git/index` into {@link RepoSession.index} on first use, not on opening (status, which
   * mostly reads {@link RepoSession.indexLayout} only); a damaged index is then reported there.
   */
  lazyIndex?: boolean;
}

/** Runs `fn` with the repository containing ctx.cwd open (and locked when asked). */
export async function withRepo<T>(ctx: CoreContext, opts: RepoOptions, fn: (s: RepoSession) => Promise<T>): Promise<T> {
  const paths = findRepo(ctx.cwd);
  if (opts.lock) mkdirSync(paths.hubdir, { recursive: true }); // a repository made by git has none yet
  const lock = opts.lock ? lockFileExclusive(join(paths.hubdir, 'lock'), `the repository ${paths.workdir}`) : undefined;
  // leftovers of a killed command: never in the working tree, always here
  if (lock) removeStaleTmpFiles(join(paths.hubdir, 'tmp'), pidAlive);
  const released: string[] = [];
  try {
    const open = async (store: Store | undefined): Promise<T> => {
      const { bytes, mtimeNs } = readIndexBytes(paths);
      let index = opts.lazyIndex ? undefined : new IndexEntries(bytes ? parseIndexBytes(bytes) : []);
      let layout: GitIndexLayout | undefined;
      let statCache: StatCache | undefined;
      let threshold: number | undefined;
      const session: RepoSession = {
        ctx,
        paths,
        get store(): Store {
          if (!store) throw new Error('this command opened the repository without the store');
          return store;
        },
        largeFileThreshold: async () => (threshold ??= await largeFileThreshold(paths)),
        attributes: loadAttributes(paths.workdir, []),
        // loaded on first use: commands that find every file unchanged by the index never parse it
        get statCache(): StatCache {
          return (statCache ??= loadStatCache(paths));
        },
        set statCache(value: StatCache) {
          statCache = value;
        },
        statCacheLoaded: () => statCache !== undefined,
        get index(): IndexEntries {
          return (index ??= new IndexEntries(bytes ? parseIndexBytes(bytes) : []));
        },
        set index(value: IndexEntries) {
          index = value;
        },
        indexLayout: () => (bytes ? (layout ??= indexLayoutOf(bytes)) : undefined),
        indexMtimeNs: mtimeNs,
        verifiedDirs: new Set(),
        checkpoint: pacer(ctx.signal),
        releaseOld: (aside) => void released.push(aside),
      };
      return fn(session);
    };
    if (opts.store === false) return await open(undefined);
    const { withStore } = await import('../store/open-store.js'); // not loaded at all by commands without the store
    return await withStore(ctx, open);
  } finally {
    lock?.release();
    if (released.length) removeInBackground(released); // after every write of the command, fsyncs included
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
  writeIndex(s.paths, s.index.all());
  if (s.statCacheLoaded()) saveStatCache(s.paths, s.statCache);
}

/** git's rule: an index with conflict stages must be resolved first (exit 7, the paths named); `only` limits the check to some paths. */
export function refuseUnmerged(index: IndexEntries, what: string, only?: (path: string) => boolean): void {
  const paths = index.unmerged().map((u) => u.path).filter((p) => !only || only(p));
  if (paths.length === 0) return;
  throw new ConflictError(
    `cannot ${what}: ${paths.length} path(s) unmerged: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', ...' : ''}`,
    { hint: "fix the conflicts, then mark them resolved with 'hub add PATH' (or 'hub rm PATH')", data: { paths } },
    'unmerged',
  );
}
