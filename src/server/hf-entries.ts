/**
 * The entries of the Hugging Face tree and paths-info APIs, built from git trees: a file is
 * `{type: "file", oid (git blob id), size, path}` plus `lfs: {oid, size, pointerSize}` when its
 * blob is a Git LFS pointer (then `size` is the real file's size, as on the HF Hub); a directory
 * is `{type: "directory", oid (tree id), size: 0, path}`; with `expand`, each carries the
 * `lastCommit: {id, title, date}` that last changed it. Also the small parsers the read
 * routes share: revisions, repository paths, booleans, page cursors.
 */
import { looksLikePointer, parsePointer } from '../formats/lfs-pointer.js';
import { checkRevision, type BareRepo, type CommitInfo } from './git-read.js';
import { hfError } from './hf-access.js';

/** An entry of the HF tree / paths-info answers. */
export interface HfEntry {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  lastCommit?: { id: string; title: string; date: string };
}

/** What an entry is built from (a tree listing or a path lookup). */
export interface EntrySource {
  type: string;
  oid: string;
  size: number;
  path: string;
}

/** How many `git log` look-ups for `lastCommit` run at once. */
const LOG_CONCURRENCY = 4;

/**
 * The HF entries of `items` (submodules and other non-blob, non-tree objects are left out).
 * Blobs under 1024 bytes are read in one batch to tell LFS pointers from ordinary files.
 */
export async function toEntries(repo: BareRepo, items: EntrySource[], opts: { expand?: boolean; commit?: string } = {}): Promise<HfEntry[]> {
  const kept = items.filter((i) => i.type === 'blob' || i.type === 'tree');
  const small = kept.filter((i) => i.type === 'blob' && i.size < 1024);
  const blobs = await repo.readBlobs(small.map((i) => i.oid));
  const pointers = new Map<string, { oid: string; size: number; pointerSize: number }>();
  small.forEach((item, i) => {
    const bytes = blobs[i];
    if (!looksLikePointer(bytes)) return;
    try {
      const p = parsePointer(bytes);
      pointers.set(item.oid, { oid: p.oid, size: p.size, pointerSize: bytes.length });
    } catch {
      // an ordinary small file that starts like a pointer
    }
  });
  const entries: HfEntry[] = kept.map((item) => {
    if (item.type === 'tree') return { type: 'directory', oid: item.oid, size: 0, path: item.path };
    const lfs = pointers.get(item.oid);
    return lfs ? { type: 'file', oid: item.oid, size: lfs.size, path: item.path, lfs } : { type: 'file', oid: item.oid, size: item.size, path: item.path };
  });
  if (opts.expand && opts.commit) await addLastCommits(repo, opts.commit, entries);
  return entries;
}

async function addLastCommits(repo: BareRepo, commit: string, entries: HfEntry[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++];
      const last: CommitInfo | undefined = await repo.lastCommit(commit, entry.path);
      if (last) entry.lastCommit = { id: last.id, title: last.title, date: last.date };
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOG_CONCURRENCY, entries.length) }, worker));
}

/** The commit `rev` names, or 400 for a malformed revision and 404 RevisionNotFound for an unknown one. */
export async function commitOf(repo: BareRepo, rev: string): Promise<CommitInfo> {
  const why = checkRevision(rev);
  if (why !== undefined) throw hfError(400, 'BadRequest', `invalid revision ${JSON.stringify(rev.slice(0, 100))}: ${why}`);
  const commit = await repo.resolve(rev);
  if (!commit) throw hfError(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
  return commit;
}

/**
 * A path inside a repository, normalised (no leading, trailing or doubled `/`), or undefined
 * when it cannot name anything in a git tree (`.` or `..` segments, NUL, newline).
 */
export function repoPath(path: string): string | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..' || p.includes('\0') || p.includes('\n'))) return undefined;
  return parts.join('/');
}

/** `true|1` and `false|0` in any case (the JS client sends `true`, the Python one `True`); absent is `fallback`. */
export function parseBool(value: string | null | undefined, name: string, fallback = false): boolean {
  if (value === null || value === undefined || value === '') return fallback;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw hfError(400, 'BadRequest', `${name} must be true or false, not ${JSON.stringify(value.slice(0, 50))}`);
}

/** A position in a tree listing: the commit listed (so later pages see the same tree) and an offset. */
export interface Cursor {
  commit: string;
  offset: number;
}

/** The opaque `cursor` query value of a position. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.commit}:${c.offset}`, 'utf8').toString('base64url');
}

/** Parses a `cursor` query value; 400 when it is not one this server wrote. */
export function decodeCursor(value: string): Cursor {
  const m = /^([0-9a-f]{40}|[0-9a-f]{64}):(\d{1,15})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!m) throw hfError(400, 'BadRequest', 'invalid cursor');
  return { commit: m[1], offset: Number(m[2]) };
}
