/**
 * The repository part of `hub fsck` (when run inside a repository): the index can be read, HEAD
 * resolves, no checkout or clone was interrupted, and every large file of HEAD has its content in the
 * store (a file that does not is "not fetched": a note, since partial clones are normal).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubError } from '../../errors.js';
import type { FsckProblem } from '../../store/fsck.js';
import { readIndex } from '../../repo/index-file.js';
import { findRepo } from '../../repo/repository.js';
import { readHead } from '../../repo/refs.js';
import type { Store } from '../../store/store.js';
import type { CoreContext } from '../context.js';
import { commitFiles } from './head-tree.js';
import { loadAttributes } from './repo-session.js';
import { readPointerBlob } from '../../repo/object-store.js';

/** What fsck found about the repository. */
export interface RepoCheck {
  path: string;
  branch: string | null;
  head: string | null;
  indexEntries: number;
  largeFiles: number;
  /** Large files of HEAD whose content is not in the store. */
  notFetched: Array<{ path: string; oid: string }>;
  checkoutInProgress: string | null;
}

/** Checks the repository containing ctx.cwd, or returns undefined outside one. */
export async function checkRepo(ctx: CoreContext, store: Store, problems: FsckProblem[], notes: string[]): Promise<RepoCheck | undefined> {
  let paths;
  try {
    paths = findRepo(ctx.cwd);
  } catch {
    return undefined;
  }
  const out: RepoCheck = { path: paths.workdir, branch: null, head: null, indexEntries: 0, largeFiles: 0, notFetched: [], checkoutInProgress: null };
  try {
    out.indexEntries = readIndex(paths).length;
  } catch (err) {
    problems.push({ kind: err instanceof HubError ? err.code : 'corrupt_index', object: 'index .git/index', message: (err as Error).message, affects: [] });
  }
  const marker = join(paths.hubdir, 'checkout-in-progress');
  if (existsSync(marker)) {
    out.checkoutInProgress = readFileSync(marker, 'utf8').trim();
    notes.push(`a checkout of '${out.checkoutInProgress}' was interrupted: run 'hub checkout ${out.checkoutInProgress}' again to finish it`);
  }
  if (existsSync(join(paths.hubdir, 'clone-in-progress'))) {
    notes.push(`this clone was interrupted before it finished: rerun the same 'hub clone' to start it over (content already in the store is not fetched again)`);
  }
  try {
    const head = await readHead(paths.gitdir);
    out.branch = head.detached ? null : head.branch ?? null;
    out.head = head.oid ?? null;
    const attrs = loadAttributes(paths.workdir, []);
    for (const f of (await commitFiles(paths, head.oid)).values()) {
      if (f.mode === 0o120000 || !attrs.isLfs(f.path)) continue;
      const pointer = await readPointerBlob(paths.gitdir, f.oid);
      if (!pointer) continue;
      const { oid } = pointer;
      out.largeFiles++;
      if (!store.hasObject(oid) && !existsSync(join(paths.gitdir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))) out.notFetched.push({ path: f.path, oid });
    }
  } catch (err) {
    problems.push({ kind: err instanceof HubError ? err.code : 'corrupt_repository', object: `repository ${paths.workdir}`, message: (err as Error).message, affects: [] });
  }
  if (out.notFetched.length) notes.push(`${out.notFetched.length} large file${out.notFetched.length === 1 ? ' of HEAD is' : 's of HEAD are'} not in the store (not fetched)`);
  return out;
}
