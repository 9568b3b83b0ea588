/**
 * `hub ls-files`: the paths of the index, as `git ls-files` lists them, and for each large file
 * its size and whether its content is here (in the store, or importable from .git/lfs/objects)
 * or only its pointer. `-s` adds git's staged columns (mode, blob, stage), conflict stages too.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPointerBlob } from '../../repo/object-store.js';
import type { CoreContext } from '../context.js';
import { withRepo } from './repo-session.js';

/** One entry of the index. */
export interface LsFilesEntry {
  path: string;
  mode: string;
  blob: string;
  /** 0, or 1-3 for the stages of an unmerged path. */
  stage: number;
  /** Set for large files: the LFS oid, content size, and whether the content is available locally. */
  large?: { oid: string; size: number; present: boolean };
}

/** The `--json` shape of `hub ls-files`. */
export interface LsFilesResult {
  files: LsFilesEntry[];
}

/** Lists the index, every stage, in git's order (paths repository-relative). */
export async function lsFiles(ctx: CoreContext): Promise<LsFilesResult> {
  return withRepo(ctx, {}, async (s) => {
    const files: LsFilesEntry[] = [];
    const entries = s.index.all().sort((a, b) => (a.path === b.path ? a.stage - b.stage : Buffer.compare(Buffer.from(a.path), Buffer.from(b.path))));
    for (const e of entries) {
      const entry: LsFilesEntry = { path: e.path, mode: e.mode.toString(8).padStart(6, '0'), blob: e.oid, stage: e.stage };
      // a path the attributes call large (hub add gives large-by-size files a line too) is a
      // pointer blob; reading those small blobs is what git lfs ls-files does too
      const lfs = s.attributes.isLfs(e.path) && (e.mode === 0o100644 || e.mode === 0o100755) ? await readPointerBlob(s.paths.gitdir, e.oid) : undefined;
      if (lfs) {
        const present = s.store.hasObject(lfs.oid) || existsSync(join(s.paths.gitdir, 'lfs', 'objects', lfs.oid.slice(0, 2), lfs.oid.slice(2, 4), lfs.oid));
        entry.large = { ...lfs, present };
      }
      files.push(entry);
    }
    return { files };
  });
}
