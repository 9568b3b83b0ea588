/**
 * `hub checkout --ours|--theirs PATH...`: during a merge with conflicts, the working file of each
 * conflicted PATH becomes that side's version (stage 2 or 3), as git's does. The index keeps the
 * conflict stages: `hub add PATH` then marks the choice resolved. A large file comes from the
 * store (a pull brought "theirs" before merging), verified as every checkout is.
 */
import { NotFoundError, UsageError } from '../../errors.js';
import { saveStatCache } from '../../repo/stat-cache-file.js';
import { normalizeRepoPath } from '../../repo/worktree-scan.js';
import type { CoreContext } from '../context.js';
import { materialize } from './materialize.js';
import { withRepo } from './repo-session.js';

/** The `--json` shape of `hub checkout --ours/--theirs`. */
export interface CheckoutSideResult {
  side: 'ours' | 'theirs';
  written: string[];
}

/** Writes `side`'s version of each conflicted path under `paths` into the working tree. */
export async function checkoutSide(ctx: CoreContext, side: 'ours' | 'theirs', paths: string[]): Promise<CheckoutSideResult> {
  if (paths.length === 0) throw new UsageError(`--${side} needs the paths to check out`, {}, 'no_paths');
  return withRepo(ctx, { lock: true }, async (s) => {
    const stage = side === 'ours' ? 2 : 3;
    const unmerged = s.index.unmerged();
    const written: string[] = [];
    for (const arg of paths) {
      const w = normalizeRepoPath(s.paths.workdir, ctx.cwd, arg);
      const hits = unmerged.filter((u) => w === '' || u.path === w || u.path.startsWith(`${w}/`));
      if (!hits.length) {
        if (s.index.has(w)) continue; // a merged path: its working file already is the only version
        throw new NotFoundError(`pathspec '${w}' matches no conflicted file`, {}, 'pathspec_no_match');
      }
      for (const u of hits) {
        const e = u.stages.find((x) => x.stage === stage);
        if (!e) throw new NotFoundError(`'${u.path}' does not have ${side === 'ours' ? 'our' : 'their'} version (it was deleted on that side)`, { hint: `'hub rm ${u.path}' accepts the deletion`, data: { path: u.path } }, 'path_not_found');
        await materialize(s, { path: u.path, mode: e.mode, oid: e.oid });
        written.push(u.path);
      }
    }
    if (s.statCacheLoaded()) saveStatCache(s.paths, s.statCache);
    return { side, written };
  });
}
