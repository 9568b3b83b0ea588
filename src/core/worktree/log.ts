/** `hub log [REV] [--oneline] [-n N] [--stat]` and `hub show [REV]`. */
import { readCommit, readPointerBlob, type CommitInfo } from '../../repo/object-store.js';
import { readHead, resolveRevision } from '../../repo/refs.js';
import { listAllRefs, type NamedRef } from '../../repo/ref-list.js';
import type { RepoPaths } from '../../repo/repository.js';
import { NotFoundError } from '../../errors.js';
import type { CoreContext } from '../context.js';
import { commitFiles } from './head-tree.js';
import { graphOrder } from './log-order.js';
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
  /** `date`: ISO 8601 with the commit's offset; `gitDate`: git's default format (`Fri Dec 4 17:05:01 2026 +0000`). */
  author: { name: string; email: string; date: string; gitDate: string };
  committer: { name: string; email: string; date: string; gitDate: string };
  message: string;
  /** Ref decorations as git prints them: `HEAD -> main`, `origin/main`, `tag: v1` (log only). */
  refs?: string[];
  files?: FileChange[];
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** git's default date format: the commit's own time zone, `%a %b %-d %H:%M:%S %Y %z`. */
export function gitDate(p: { timestamp: number; timezoneOffset: number }): string {
  // isomorphic-git's timezoneOffset has the sign of JavaScript's getTimezoneOffset (minutes west)
  const offset = -p.timezoneOffset;
  const d = new Date((p.timestamp + offset * 60) * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const abs = Math.abs(offset);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()} ${offset < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

/** ISO 8601 in the commit's own time zone, as git's %aI (isomorphic-git's timezoneOffset is minutes west, like JavaScript's). */
function isoDate(p: { timestamp: number; timezoneOffset: number }): string {
  const offset = -p.timezoneOffset;
  const local = new Date((p.timestamp + offset * 60) * 1000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function entryOf(c: CommitInfo): LogEntry {
  return {
    commit: c.oid,
    parents: c.parents,
    author: { name: c.author.name, email: c.author.email, date: isoDate(c.author), gitDate: gitDate(c.author) },
    committer: { name: c.committer.name, email: c.committer.email, date: isoDate(c.committer), gitDate: gitDate(c.committer) },
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

/** The history from `rev` (default HEAD; with `all`, every branch, remote-tracking branch and tag too), newest first, following all parents by date; with `graph`, in git's graph order. */
export async function log(ctx: CoreContext, opts: { rev?: string; max?: number; stat?: boolean; all?: boolean; graph?: boolean }): Promise<{ commits: LogEntry[] }> {
  return withRepo(ctx, {}, async (s) => {
    const { gitdir } = s.paths;
    const head = await readHead(gitdir);
    const start = opts.rev ? await resolveRevision(gitdir, opts.rev) : head.oid;
    const refs = await listAllRefs(gitdir);
    const starts = new Set<string>(start ? [start] : []);
    if (opts.all) for (const r of refs) starts.add(r.commit);
    if (!starts.size) throw new NotFoundError('no commits yet on this branch', { hint: "make one with 'hub commit'" }, 'no_commits');
    const decorations = decorate(refs, head);
    const seen = new Set<string>();
    const queue: CommitInfo[] = [];
    for (const oid of starts) queue.push(await readCommit(gitdir, oid));
    let walked: CommitInfo[] = [];
    const max = opts.max ?? Infinity;
    // the graph's order needs the whole history first (git's --graph implies --topo-order)
    while (queue.length && (opts.graph || walked.length < max)) {
      queue.sort((a, b) => b.committer.timestamp - a.committer.timestamp);
      const c = queue.shift()!;
      if (seen.has(c.oid)) continue;
      seen.add(c.oid);
      walked.push(c);
      for (const p of c.parents) if (!seen.has(p)) queue.push(await readCommit(gitdir, p));
    }
    if (opts.graph) walked = graphOrder(walked).slice(0, max);
    const out: LogEntry[] = [];
    for (const c of walked) {
      const e = entryOf(c);
      const names = decorations.get(c.oid);
      if (names) e.refs = names;
      if (opts.stat) e.files = await changesOf(s.paths, c);
      out.push(e);
    }
    return { commits: out };
  });
}

/**
 * git's decorations by commit: each ref by its short name (`tag: ` before tags), in the reverse
 * of git's ref order (git prepends as it reads them), HEAD first: `HEAD -> BRANCH` when HEAD is
 * on a branch, `HEAD` when detached.
 */
function decorate(refs: NamedRef[], head: { branch?: string; oid?: string; detached: boolean }): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const headRef = head.branch ? `refs/heads/${head.branch}` : undefined;
  for (const r of refs) {
    if (r.ref === headRef) continue;
    const name = r.ref.startsWith('refs/tags/') ? `tag: ${r.ref.slice(10)}` : r.ref.replace(/^refs\/(heads|remotes)\//, '');
    const list = out.get(r.commit) ?? [];
    list.unshift(name);
    out.set(r.commit, list);
  }
  if (head.oid) {
    const list = out.get(head.oid) ?? [];
    list.unshift(head.detached || !head.branch ? 'HEAD' : `HEAD -> ${head.branch}`);
    out.set(head.oid, list);
  }
  return out;
}

/** One commit with the files it changed. */
export async function show(ctx: CoreContext, rev = 'HEAD'): Promise<LogEntry> {
  return withRepo(ctx, {}, async (s) => {
    const oid = await resolveRevision(s.paths.gitdir, rev);
    const c = await readCommit(s.paths.gitdir, oid);
    return { ...entryOf(c), files: await changesOf(s.paths, c) };
  });
}
