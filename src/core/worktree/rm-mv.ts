/** `hub rm PATH... [--cached] [-r]` and `hub mv SRC DST`: remove or rename tracked files. */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { normalizeRepoPath } from '../../repo/worktree-scan.js';
import type { CoreContext } from '../context.js';
import { refuseUnmerged, saveIndex, withRepo, type RepoSession } from './repo-session.js';
import { commitFiles } from './head-tree.js';
import { readHead } from '../../repo/refs.js';
import { pruneEmptyDirs, statWorktreePath } from './worktree-fs.js';
import { hashWorktreeFile } from './worktree-hash.js';

/** The `--json` shape of `hub rm`. */
export interface RmResult {
  removed: string[];
  cached: boolean;
}

function trackedUnder(s: RepoSession, path: string): string[] {
  return [...s.index.paths()].filter((p) => p === path || p.startsWith(`${path}/`));
}

/**
 * Unstages and (unless `cached`) deletes tracked files. As in git, a file whose working copy or
 * staged content is not committed is refused (exit 7) unless `force`: rm never loses work.
 */
export async function rm(ctx: CoreContext, paths: string[], opts: { cached?: boolean; recursive?: boolean; force?: boolean }): Promise<RmResult> {
  if (paths.length === 0) throw new UsageError('no paths given to rm', {}, 'no_paths');
  return withRepo(ctx, { lock: true }, async (s) => {
    const targets: string[] = [];
    for (const raw of paths) {
      const p = normalizeRepoPath(s.paths.workdir, ctx.cwd, raw);
      const under = trackedUnder(s, p);
      if (under.length === 0) throw new NotFoundError(`pathspec '${raw}' did not match any tracked files`, {}, 'pathspec_no_match');
      if ((under.length > 1 || under[0] !== p) && !opts.recursive) throw new UsageError(`not removing '${raw}' recursively without -r`, {}, 'needs_recursive');
      targets.push(...under);
    }
    if (!opts.force) await refuseUncommitted(s, targets, !!opts.cached);
    for (const p of targets) {
      s.index.delete(p);
      s.statCache.entries.delete(p);
      if (!opts.cached) rmSync(join(s.paths.workdir, p), { force: true });
    }
    if (!opts.cached) pruneEmptyDirs(s.paths.workdir, targets, ctx.cwd);
    saveIndex(s);
    return { removed: targets, cached: !!opts.cached };
  });
}

/** git's rule: without --cached, working copy and index must both equal HEAD; with it, the index must equal HEAD or the working copy. */
async function refuseUncommitted(s: RepoSession, targets: string[], cached: boolean): Promise<void> {
  const head = await commitFiles(s.paths, (await readHead(s.paths.gitdir)).oid);
  const bad: string[] = [];
  for (const p of targets) {
    const i = s.index.get(p);
    if (!i) continue; // unmerged: removing it resolves the conflict (git skips these too)
    const h = head.get(p);
    const stagedChange = !h || h.oid !== i.oid;
    const f = statWorktreePath(s.paths.workdir, p);
    const w = f ? (await hashWorktreeFile(s, f, { store: false })).blob : undefined;
    const localChange = w !== undefined && w !== i.oid;
    if (cached ? stagedChange && localChange && w !== undefined : stagedChange || localChange) bad.push(p);
  }
  if (bad.length) {
    throw new ConflictError(`${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', ...' : ''} ${bad.length === 1 ? 'has' : 'have'} changes that are not committed`, { hint: "commit them first, or use 'hub rm --cached' to keep the file, or -f to discard", data: { paths: bad } }, 'uncommitted_changes');
  }
}

/** The `--json` shape of `hub mv`. */
export interface MvResult {
  moved: Array<{ from: string; to: string }>;
}

/** Renames a tracked file or directory in the working tree and the index. */
export async function mv(ctx: CoreContext, from: string, to: string): Promise<MvResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    const src = normalizeRepoPath(s.paths.workdir, ctx.cwd, from);
    let dst = normalizeRepoPath(s.paths.workdir, ctx.cwd, to);
    const under = trackedUnder(s, src);
    if (under.length === 0 || !existsSync(join(s.paths.workdir, src))) throw new NotFoundError(`'${from}' is not a tracked file or directory`, {}, 'pathspec_no_match');
    const moving = new Set(under);
    refuseUnmerged(s.index, `move '${from}'`, (p) => moving.has(p));
    const dstFull = join(s.paths.workdir, dst);
    if (existsSync(dstFull) && statSync(dstFull).isDirectory()) dst = dst ? `${dst}/${src.split('/').pop()}` : src.split('/').pop()!;
    if (existsSync(join(s.paths.workdir, dst))) throw new ConflictError(`destination '${to}' exists`, {}, 'destination_exists');
    if (dst === src || dst.startsWith(`${src}/`)) throw new UsageError(`cannot move '${from}' into itself`, {}, 'bad_move');
    mkdirSync(dirname(join(s.paths.workdir, dst)), { recursive: true });
    renameSync(join(s.paths.workdir, src), join(s.paths.workdir, dst));
    const moved: MvResult['moved'] = [];
    for (const p of under) {
      const q = dst + p.slice(src.length);
      const e = s.index.get(p)!;
      s.index.delete(p);
      s.index.set(q, { ...e, path: q });
      const c = s.statCache.entries.get(p);
      s.statCache.entries.delete(p);
      if (c) s.statCache.entries.set(q, c);
      moved.push({ from: p, to: q });
    }
    pruneEmptyDirs(s.paths.workdir, [src], ctx.cwd);
    saveIndex(s);
    return { moved };
  });
}

