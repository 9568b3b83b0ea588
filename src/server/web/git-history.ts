/**
 * What the web pages read from a bare repository besides trees and objects (git-read.ts,
 * git-objects.ts): refs, pages of history, commits parsed, the changed paths between two
 * commits, and the first bytes of a blob. All through the git CLI with argument arrays; revisions reach git only as commit ids
 * that git printed or that {@link BareRepo.resolve} accepted.
 */
import { runGit, type BareRepo } from '../git-read.js';

/** A person line of a commit. */
export interface Signature {
  name: string;
  email: string;
  /** ISO 8601, UTC. */
  date: string;
}

/** A commit as the pages show it. */
export interface CommitDetails {
  id: string;
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  /** The whole message (title = first line). */
  message: string;
  title: string;
}

/** A branch or tag and the commit it names. */
export interface RefInfo {
  name: string;
  commit: string;
}

/** One changed path of `git diff-tree --raw`: modes as octal strings, oids (zeros where absent). */
export interface RawChange {
  path: string;
  status: string;
  modeA: string;
  modeB: string;
  oidA: string;
  oidB: string;
}

/** Most branches and tags listed. */
export const MAX_REFS = 200;
const ZERO_OID = /^0+$/;
const SHA = /^[0-9a-f]{40,64}$/;

function signature(line: string): Signature {
  const m = /^(.*?) <([^>]*)> (\d+) [+-]\d{4}$/.exec(line);
  if (!m) return { name: line, email: '', date: new Date(0).toISOString() };
  return { name: m[1], email: m[2], date: new Date(Number(m[3]) * 1000).toISOString() };
}

/** Parses a raw commit object (header lines, a blank line, the message); continuation lines (signatures) are skipped. */
export function parseCommit(id: string, raw: Buffer): CommitDetails {
  const text = raw.toString('utf8');
  const end = text.indexOf('\n\n');
  const header = (end < 0 ? text : text.slice(0, end)).split('\n');
  const message = end < 0 ? '' : text.slice(end + 2);
  const out: CommitDetails = { id, tree: '', parents: [], author: signature(''), committer: signature(''), message, title: message.split('\n', 1)[0] ?? '' };
  for (const line of header) {
    if (line.startsWith(' ')) continue;
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') out.tree = value;
    else if (key === 'parent') out.parents.push(value);
    else if (key === 'author') out.author = signature(value);
    else if (key === 'committer') out.committer = signature(value);
  }
  return out;
}

/** The ids of a page of history from `commit` (newest first), optionally only commits touching `path`; `more` when older ones exist. */
export async function history(bare: BareRepo, commit: string, opts: { skip: number; count: number; path?: string }): Promise<{ ids: string[]; more: boolean }> {
  if (!SHA.test(commit)) throw new Error(`not a commit id: ${commit}`);
  const args = ['rev-list', `--skip=${opts.skip}`, `--max-count=${opts.count + 1}`, commit];
  if (opts.path) args.push('--', opts.path);
  const ids = (await runGit(bare.dir, args)).toString('utf8').split('\n').filter((l) => SHA.test(l));
  return { ids: ids.slice(0, opts.count), more: ids.length > opts.count };
}

/** Branches and tags (tags peeled to their commit), by name, at most {@link MAX_REFS} of each. */
export async function listRefs(bare: BareRepo): Promise<{ branches: RefInfo[]; tags: RefInfo[]; head?: string }> {
  const out = (await runGit(bare.dir, ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(*objectname)', 'refs/heads', 'refs/tags'])).toString('utf8');
  const branches: RefInfo[] = [];
  const tags: RefInfo[] = [];
  for (const line of out.split('\n')) {
    const [ref, oid, peeled] = line.split('\0');
    if (!ref || !oid) continue;
    if (ref.startsWith('refs/heads/') && branches.length < MAX_REFS) branches.push({ name: ref.slice('refs/heads/'.length), commit: oid });
    else if (ref.startsWith('refs/tags/') && tags.length < MAX_REFS) tags.push({ name: ref.slice('refs/tags/'.length), commit: peeled || oid });
  }
  let head: string | undefined;
  try {
    head = (await runGit(bare.dir, ['symbolic-ref', '--short', '-q', 'HEAD'])).toString('utf8').trim() || undefined;
  } catch {
    head = undefined; // a detached HEAD
  }
  return { branches, tags, head };
}

/**
 * The paths that differ between commits `a` and `b` (`a` undefined: everything in `b`, for a
 * root commit), at most `limit` (then `truncated`). No rename detection: the tree diff of
 * src/diff pairs renames by content, as `hub diff` does.
 */
export async function changedPaths(bare: BareRepo, a: string | undefined, b: string, limit: number): Promise<{ changes: RawChange[]; truncated: boolean }> {
  for (const c of [a, b]) if (c !== undefined && !SHA.test(c)) throw new Error(`not a commit id: ${c}`);
  const args = a === undefined ? ['diff-tree', '-r', '-z', '--raw', '--no-renames', '--root', b] : ['diff-tree', '-r', '-z', '--raw', '--no-renames', a, b];
  const out = (await runGit(bare.dir, args)).toString('utf8').split('\0');
  const changes: RawChange[] = [];
  let truncated = false;
  // `<commit>\0` first for the one-commit form, then `:mA mB oA oB S\0path\0` records
  for (let i = 0; i < out.length; i++) {
    const rec = out[i];
    if (!rec.startsWith(':')) continue;
    const [modeA, modeB, oidA, oidB, status] = rec.slice(1).split(' ');
    const path = out[++i];
    if (changes.length >= limit) {
      truncated = true;
      break;
    }
    changes.push({ path, status, modeA, modeB, oidA: ZERO_OID.test(oidA) ? '' : oidA, oidB: ZERO_OID.test(oidB) ? '' : oidB });
  }
  return { changes, truncated };
}

/** The best common ancestor of two commits, if they have one. */
export async function mergeBase(bare: BareRepo, a: string, b: string): Promise<string | undefined> {
  try {
    const out = (await runGit(bare.dir, ['merge-base', a, b])).toString('utf8').trim();
    return SHA.test(out) ? out : undefined;
  } catch {
    return undefined; // unrelated histories: git exits 1
  }
}

/** The first `max` bytes of blob `oid` (git stops once they are read: a large blob is never read whole). */
export async function blobPrefix(bare: BareRepo, oid: string, max: number): Promise<Buffer> {
  const child = await bare.catBlob(oid);
  child.stderr.resume();
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      parts.push(chunk);
      have += chunk.length;
      if (have >= max) break;
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
  return Buffer.concat(parts).subarray(0, max);
}

/** The ids of the commits reachable from `head` but not from `base` (newest first), at most `max`; `more` when there are others. */
export async function commitsBetween(bare: BareRepo, base: string, head: string, max: number): Promise<{ ids: string[]; more: boolean }> {
  for (const c of [base, head]) if (!SHA.test(c)) throw new Error(`not a commit id: ${c}`);
  const ids = (await runGit(bare.dir, ['rev-list', `--max-count=${max + 1}`, head, `^${base}`])).toString('utf8').split('\n').filter((l) => SHA.test(l));
  return { ids: ids.slice(0, max), more: ids.length > max };
}
