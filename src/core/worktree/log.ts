/** `hub log [REV] [--oneline] [-n N] [--stat]` and `hub show [REV]`. */
import { readCommit, readPointerBlob, type CommitInfo } from '../../repo/object-store.js';
import { readHead, resolveRevision } from '../../repo/refs.js';
import type { RepoPaths } from '../../repo/repository.js';
import { NotFoundError } from '../../errors.js';
import type { CoreContext } from '../context.js';
import { commitFiles } from './head-tree.js';
import { withRepo } from './repo-session.js';

/** A file changed by a commit. */
export interface FileChange {
  path: string;
  change: 'added' | 'modified' | 'deleted';
  /** Set for large files: their LFS oids and sizes (before, after). */
  lfs?: { before?: { oid: string; size: number }; after?: { oid: string; size: number } };
}

/** One commit as log and show report it. */
export interface LogEntry {
  commit: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
  files?: FileChange[];
}

function isoDate(p: { timestamp: number; timezoneOffset: number }): string {
  const local = new Date((p.timestamp + p.timezoneOffset * 60) * 1000).toISOString().slice(0, 19);
  const sign = p.timezoneOffset < 0 ? '-' : '+';
  const abs = Math.abs(p.timezoneOffset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function entryOf(c: CommitInfo): LogEntry {
  return {
    commit: c.oid,
    parents: c.parents,
    author: { name: c.author.name, email: c.author.email, date: isoDate(c.author) },
    committer: { name: c.committer.name, email: c.committer.email, date: isoDate(c.committer) },
    message: c.message.trimEnd(),
  };
}

/** Files that differ between a commit and its first parent. */
export async function changesOf(paths: RepoPaths, c: CommitInfo): Promise<FileChange[]> {
  const after = await commitFiles(paths, c.oid);
  const before = await commitFiles(paths, c.parents[0]);
  const changes: FileChange[] = [];
  const lfsOf = async (oid: string | undefined) => (oid ? readPointerBlob(paths.gitdir, oid) : undefined);
  for (const [path, f] of after) {
    const b = before.get(path);
    if (b && b.oid === f.oid && b.mode === f.mode) continue;
    const change: FileChange = { path, change: b ? 'modified' : 'added' };
    const lfsAfter = await lfsOf(f.oid);
    const lfsBefore = await lfsOf(b?.oid);
    if (lfsAfter || lfsBefore) change.lfs = { ...(lfsBefore ? { before: lfsBefore } : {}), ...(lfsAfter ? { after: lfsAfter } : {}) };
    changes.push(change);
  }
  for (const [path, b] of before) {
    if (after.has(path)) continue;
    const lfsBefore = await lfsOf(b.oid);
    changes.push({ path, change: 'deleted', ...(lfsBefore ? { lfs: { before: lfsBefore } } : {}) });
  }
  return changes.sort((x, y) => (x.path < y.path ? -1 : 1));
}

/** The history from `rev` (default HEAD), newest first, following all parents by date. */
export async function log(ctx: CoreContext, opts: { rev?: string; max?: number; stat?: boolean }): Promise<{ commits: LogEntry[] }> {
  return withRepo(ctx, {}, async (s) => {
    const start = opts.rev ? await resolveRevision(s.paths.gitdir, opts.rev) : (await readHead(s.paths.gitdir)).oid;
    if (!start) throw new NotFoundError('no commits yet on this branch', { hint: "make one with 'hub commit'" }, 'no_commits');
    const seen = new Set<string>();
    const queue: CommitInfo[] = [await readCommit(s.paths.gitdir, start)];
    const out: LogEntry[] = [];
    const max = opts.max ?? Infinity;
    while (queue.length && out.length < max) {
      queue.sort((a, b) => b.committer.timestamp - a.committer.timestamp);
      const c = queue.shift()!;
      if (seen.has(c.oid)) continue;
      seen.add(c.oid);
      const e = entryOf(c);
      if (opts.stat) e.files = await changesOf(s.paths, c);
      out.push(e);
      for (const p of c.parents) if (!seen.has(p)) queue.push(await readCommit(s.paths.gitdir, p));
    }
    return { commits: out };
  });
}

/** One commit with the files it changed. */
export async function show(ctx: CoreContext, rev = 'HEAD'): Promise<LogEntry> {
  return withRepo(ctx, {}, async (s) => {
    const oid = await resolveRevision(s.paths.gitdir, rev);
    const c = await readCommit(s.paths.gitdir, oid);
    return { ...entryOf(c), files: await changesOf(s.paths, c) };
  });
}
