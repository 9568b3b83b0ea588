/**
 * `hub diff [REV_A [REV_B]] [-- PATHS]` and `hub diff --no-index FILE_A FILE_B`: what changed,
 * file by file and inside files (tensors, tables, text). No revision: HEAD against the working
 * tree; one: REV against the working tree; two: REV_A against REV_B. Content is read only as far
 * as each comparison needs, through the store; objects the store lacks are read from the
 * repository's remote chunk by chunk (never a full checkout). See docs/diff.md.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DiffResult, FileDiff } from '../../diff/diff-result.js';
import { diffTrees, type TreeChange } from '../../diff/tree-diff.js';
import { UsageError, fromFsError } from '../../errors.js';
import { listRemotes } from '../../repo/remotes.js';
import type { CoreContext } from '../context.js';
import { remoteAccess } from '../sync/remote-access.js';
import type { LfsTarget } from '../../transfer/lfs-auth.js';
import { fileDiff, type ContentOptions } from './diff-file.js';
import { LargeFiles } from './diff-large.js';
import { commitSide, indexSide, worktreeSide, type Side, type SideEntry } from './diff-sides.js';
import { mergeBases } from '../../repo/ancestry.js';
import { resolveRevision } from '../../repo/refs.js';
import { NotFoundError } from '../../errors.js';
import { fileSource } from './diff-sources.js';
import { isOffline } from '../sync/offline.js';
import { sha256FilePaced } from '../../hash/sha256.js';
import { pacer } from '../../abort.js';
import { withStore } from '../store/open-store.js';
import { withRepo } from '../worktree/repo-session.js';

/** What to compare and how. */
export interface DiffOptions extends Partial<ContentOptions> {
  revisions?: string[];
  paths?: string[];
  /** --no-index: two files outside any repository. */
  noIndex?: [string, string];
  /** Remote to read missing content from (default origin). */
  remote?: string;
  token?: string;
  /** --cached/--staged: REV (default HEAD) against the index. */
  cached?: boolean;
}

/** Computes the diff. Per-file content errors are in the result; anything else throws. */
export async function diff(ctx: CoreContext, opts: DiffOptions): Promise<DiffResult> {
  const content: ContentOptions = { statOnly: !!opts.statOnly, stats: !!opts.stats, key: opts.key, limit: opts.limit ?? 10, progress: ctx.progress, signal: ctx.signal };
  if (!Number.isInteger(content.limit) || content.limit < 0) throw new UsageError(`--limit must be a whole number, not '${opts.limit}'`, {}, 'bad_limit');
  if (opts.noIndex) return diffFiles(ctx, opts.noIndex, content);
  const revs = splitRange(opts.revisions ?? []);
  if (revs.length > 2) throw new UsageError('hub diff takes at most two revisions (put paths after --)', {}, 'too_many_revisions');
  if (opts.cached && revs.length > 1) throw new UsageError('--cached compares one revision with the index', {}, 'too_many_revisions');
  return withRepo(ctx, {}, async (s) =>
    withStore(ctx, async (store) => {
      const remote = (await listRemotes(s.paths.gitdir)).find((r) => r.name === (opts.remote ?? 'origin'));
      let lfs: Promise<LfsTarget> | undefined;
      const remoteLfs = () => (lfs ??= remoteAccess(ctx, { remote: remote!, token: opts.token, place: s.paths }).then((a) => a.lfs('download')));
      const large = new LargeFiles(store, remote ? { lfs: remoteLfs, offline: isOffline(ctx), signal: ctx.signal } : undefined);
      try {
        const first = revs[0] && typeof revs[0] !== 'string' ? await mergeBaseOf(s.paths.gitdir, revs[0]) : (revs[0] as string | undefined);
        const A = await commitSide(s, first ?? 'HEAD', large);
        const B = opts.cached ? indexSide(s, large) : revs[1] ? await commitSide(s, revs[1] as string, large) : await worktreeSide(s, A);
        const selected = pathSelector(s.paths.workdir, ctx.cwd, opts.paths ?? []);
        const changes = diffTrees(A.entries, B.entries, selected);
        const files: FileDiff[] = [];
        for (const c of changes) {
          ctx.signal.throwIfAborted();
          files.push(await fileDiff(c as TreeChange<SideEntry>, A, B, large, content));
        }
        return result(A, B, files, large.bytesFetched);
      } finally {
        large.close();
      }
    }),
  );
}

/** --no-index: two files compared by content (a file named for its kind by FILE_B's name). */
async function diffFiles(ctx: CoreContext, [fa, fb]: [string, string], content: ContentOptions): Promise<DiffResult> {
  const pa = resolve(ctx.cwd, fa);
  const pb = resolve(ctx.cwd, fb);
  for (const p of [pa, pb]) {
    try {
      if (!statSync(p).isFile()) throw new UsageError(`${p} is not a file`, {}, 'not_a_file');
    } catch (err) {
      throw fromFsError(err, p);
    }
  }
  const sa = fileSource(pa, fa);
  const sb = fileSource(pb, fb);
  const entry = (path: string, file: string): SideEntry => ({ path, mode: 0o100644, blob: '', file });
  const side = (label: string, source: typeof sa): Side => ({
    info: { label, commit: null },
    entries: new Map(),
    lfsOf: async () => undefined,
    sizeOf: async () => source.size,
    open: async () => source,
  });
  const A = side(fa, sa);
  const B = side(fb, sb);
  const change: TreeChange<SideEntry> = { status: 'modified', path: fb, a: entry(fa, pa), b: { ...entry(fb, pb), blob: '-' } };
  // identical bytes are no change at all; otherwise the oids are the files' SHA-256
  const checkpoint = pacer(ctx.signal);
  const [ha, hb] = [(await sha256FilePaced(pa, checkpoint)).oid, (await sha256FilePaced(pb, checkpoint)).oid];
  if (ha === hb) return result(A, B, [], 0);
  const file = await fileDiff(change, A, B, undefined, content);
  file.oid = { a: ha, b: hb };
  return result(A, B, [file], 0);
}

function result(A: Side, B: Side, files: FileDiff[], bytesFetched: number): DiffResult {
  const count = (st: FileDiff['status']) => files.filter((f) => f.status === st).length;
  return {
    version: 1,
    a: A.info,
    b: B.info,
    identical: files.length === 0,
    files,
    summary: { files: files.length, added: count('added'), deleted: count('deleted'), modified: count('modified'), renamed: count('renamed'), errors: files.filter((f) => f.error).length },
    bytesFetched,
  };
}

/** Paths given after `--`, relative to the cwd, as a predicate on repository paths. */
function pathSelector(workdir: string, cwd: string, paths: string[]): (p: string) => boolean {
  if (!paths.length) return () => true;
  const wanted = paths.map((p) => {
    const rel = resolve(cwd, p).slice(workdir.length).replace(/^\/+/, '');
    if (resolve(cwd, p) !== workdir && !resolve(cwd, p).startsWith(`${workdir}/`)) throw new UsageError(`${p} is outside the repository`, {}, 'path_outside');
    return rel;
  });
  return (p) => wanted.some((w) => w === '' || p === w || p.startsWith(`${w}/`));
}

/** A..B means A and B; A...B means the merge base of A and B, and B (git's forms; an empty side is HEAD). */
function splitRange(revs: string[]): Array<string | { base: [string, string] }> {
  if (revs.length !== 1) return revs;
  const three = /^(.*?)\.\.\.(.*)$/.exec(revs[0]);
  if (three) return [{ base: [three[1] || 'HEAD', three[2] || 'HEAD'] }, three[2] || 'HEAD'];
  const two = /^(.*?)\.\.(.*)$/.exec(revs[0]);
  if (two) return [two[1] || 'HEAD', two[2] || 'HEAD'];
  return revs;
}

/** The commit id of the (first) merge base of A...B. */
async function mergeBaseOf(gitdir: string, rev: string | { base: [string, string] }): Promise<string> {
  if (typeof rev === 'string') return rev;
  const [a, b] = rev.base;
  const [base] = await mergeBases(gitdir, await resolveRevision(gitdir, a), await resolveRevision(gitdir, b));
  if (!base) throw new NotFoundError(`${a} and ${b} have no common ancestor`, { data: { revision: `${a}...${b}` } }, 'unknown_revision');
  return base;
}
