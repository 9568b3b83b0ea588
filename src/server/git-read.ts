/**
 * Reading the server's bare repositories through the `git` CLI (the server may not use
 * isomorphic-git, DESIGN.md §1, and git is installed wherever `hub serve` runs): resolving a
 * revision, looking paths up in a commit, listing trees with blob sizes, reading small blobs in
 * one batch, and streaming a blob. Every git runs with an argument array (no shell), with
 * `--git-dir` named explicitly, and only ever gets revisions that {@link checkRevision} accepted
 * or object ids that git itself printed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { serverGitEnv } from './bare-repos.js';
import { Breather } from './breather.js';
import { BACKGROUND_NICE, lowerPriority } from './background-priority.js';
import { launch, type Launched } from './launcher.js';

/** A commit as the HF API shows it: id, committer date (ISO 8601, UTC) and title. */
export interface CommitInfo {
  id: string;
  date: string;
  title: string;
}

/** What a path names in a commit. */
export interface PathObject {
  type: 'blob' | 'tree' | 'commit' | 'tag';
  oid: string;
  size: number;
}

/** One entry of `git ls-tree -l`: `path` is relative to the repository root. */
export interface TreeItem {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  /** Blob size in bytes; 0 for trees and submodules. */
  size: number;
  path: string;
}

/** Characters a revision may not contain: git's rev syntax (`~^:?*[\@{`), spaces and control characters. */
const BAD_REV_CHARS = /[\u0000-\u0020\u007f~^:?*[\\]|@\{|\.\.|\/\/|\.lock(?:\/|$)/;
const HEX_PREFIX = /^[0-9a-f]{4,64}$/;
const OBJECT_LINE = /^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)$/;

/**
 * Why `rev` cannot be a revision here (a branch, a tag, a full ref like `refs/pr/1`, a full or
 * abbreviated commit id, or `HEAD`), or undefined when it can. Option-like (`-x`) and rev
 * expressions (`main~1`, `a..b`, `@{u}`) are refused, so git only ever sees plain names.
 */
export function checkRevision(rev: string): string | undefined {
  if (rev === '' || rev.length > 255) return 'a revision is 1 to 255 characters';
  if (rev.startsWith('-')) return 'a revision may not start with "-"';
  if (rev.startsWith('/') || rev.endsWith('/') || rev.endsWith('.') || BAD_REV_CHARS.test(rev)) {
    return 'a revision is a branch, a tag, a full ref (refs/...) or a commit id';
  }
  return undefined;
}

/** Runs `git --git-dir=<dir> ...args`, feeding `input`; resolves with stdout, rejects with stderr on failure. */
export async function runGit(dir: string, args: string[], input?: string): Promise<Buffer> {
  // started off the event loop by the launcher (launcher.ts), at the background priority
  const child = await launch('git', [`--git-dir=${dir}`, ...args], { env: gitReadEnv(), nice: BACKGROUND_NICE });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => {
    if (err.length < 4096) err += b.toString('utf8');
  });
  child.stdin.on('error', () => {}); // reported through the exit status
  child.stdin.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`git ${args[0]}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`git ${args[0]} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
}

/** The environment of the git commands that read a repository. */
function gitReadEnv(): NodeJS.ProcessEnv {
  return { ...serverGitEnv(), GIT_LITERAL_PATHSPECS: '1', GIT_TERMINAL_PROMPT: '0' };
}

/** Starts `git --git-dir=<dir> ...args` (no shell) with the server's git environment, at the background priority. */
export function spawnGit(dir: string, args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn('git', [`--git-dir=${dir}`, ...args], { env: gitReadEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  lowerPriority(child.pid);
  return child;
}

/**
 * Parses `git cat-file --batch` output: one record per input line, `undefined` for a name git
 * reports as missing or ambiguous, otherwise the object's type and content.
 */
function parseBatch(out: Buffer, count: number): Array<{ type: string; oid: string; content: Buffer } | undefined> {
  const records: Array<{ type: string; oid: string; content: Buffer } | undefined> = [];
  let at = 0;
  while (records.length < count) {
    const nl = out.indexOf(0x0a, at);
    if (nl < 0) throw new Error('git cat-file --batch: truncated output');
    const header = out.subarray(at, nl).toString('utf8');
    const m = OBJECT_LINE.exec(header);
    if (!m) {
      records.push(undefined); // `<name> missing` / `<name> ambiguous`
      at = nl + 1;
      continue;
    }
    const size = Number(m[3]);
    records.push({ type: m[2], oid: m[1], content: out.subarray(nl + 1, nl + 1 + size) });
    at = nl + 1 + size + 1;
  }
  return records;
}

/** Committer date and title from a raw commit object. */
export function commitInfo(id: string, raw: Buffer): CommitInfo {
  const text = raw.toString('utf8');
  const headerEnd = text.indexOf('\n\n');
  const header = headerEnd < 0 ? text : text.slice(0, headerEnd);
  const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(header);
  const seconds = committer ? Number(committer[1]) : 0;
  const title = headerEnd < 0 ? '' : (text.slice(headerEnd + 2).split('\n', 1)[0] ?? '');
  return { id, date: new Date(seconds * 1000).toISOString(), title };
}

/** A bare repository of the server, read with the git CLI. */
export class BareRepo {
  constructor(readonly dir: string) {}

  /**
   * The commit `rev` names (checked with {@link checkRevision} first): `HEAD`, a full ref, else
   * a branch, then a tag, then a commit id (full or abbreviated, unambiguous). Undefined when
   * nothing matches, which is always the case in an empty repository.
   */
  async resolve(rev: string): Promise<CommitInfo | undefined> {
    const why = checkRevision(rev);
    if (why !== undefined) throw new Error(`invalid revision: ${why}`);
    const names = rev === 'HEAD' || rev.startsWith('refs/') ? [rev] : [`refs/heads/${rev}`, `refs/tags/${rev}`];
    if (HEX_PREFIX.test(rev)) names.push(rev);
    const out = await runGit(this.dir, ['cat-file', '--batch'], names.map((n) => `${n}^{commit}\n`).join(''));
    const found = parseBatch(out, names.length).find((r) => r?.type === 'commit');
    return found ? commitInfo(found.oid, found.content) : undefined;
  }

  /** What each of `paths` names in `commit` ('' is the root tree); undefined for paths that do not exist. */
  async lookup(commit: string, paths: string[]): Promise<Array<PathObject | undefined>> {
    const asked = paths.map((p) => !p.includes('\n'));
    const input = paths.filter((_, i) => asked[i]).map((p) => `${commit}:${p}\n`).join('');
    const lines = input === '' ? [] : (await runGit(this.dir, ['cat-file', '--batch-check'], input)).toString('utf8').split('\n');
    let next = 0;
    return paths.map((_, i) => {
      if (!asked[i]) return undefined;
      const m = OBJECT_LINE.exec(lines[next++] ?? '');
      return m ? { type: m[2] as PathObject['type'], oid: m[1], size: Number(m[3]) } : undefined;
    });
  }

  /**
   * The entries of tree `treeOid`, whose path is `prefix` ('' for the root): one level, or with
   * `recursive` every entry below it, directories included (before their contents), git's order.
   */
  async listTree(treeOid: string, prefix: string, recursive: boolean): Promise<TreeItem[]> {
    const out = await runGit(this.dir, ['ls-tree', '-l', '-z', ...(recursive ? ['-r', '-t'] : []), treeOid]);
    const items: TreeItem[] = [];
    const breather = new Breather();
    for (const record of out.toString('utf8').split('\0')) {
      await breather.breathe();
      if (record === '') continue;
      const tab = record.indexOf('\t');
      const [mode, type, oid, size] = record.slice(0, tab).split(/ +/);
      const path = record.slice(tab + 1);
      items.push({ mode, type: type as TreeItem['type'], oid, size: type === 'blob' ? Number(size) : 0, path: prefix === '' ? path : `${prefix}/${path}` });
    }
    return items;
  }

  /** The contents of blobs `oids` (meant for small ones: all are held in memory), in order. */
  async readBlobs(oids: string[]): Promise<Buffer[]> {
    if (oids.length === 0) return [];
    const out = await runGit(this.dir, ['cat-file', '--batch'], oids.map((o) => `${o}\n`).join(''));
    return parseBatch(out, oids.length).map((r, i) => {
      if (!r) throw new Error(`git cat-file --batch: blob ${oids[i]} is missing`);
      return r.content;
    });
  }

  /** The last commit up to `commit` that changed `path` (the HF `lastCommit` of an entry). */
  async lastCommit(commit: string, path: string): Promise<CommitInfo | undefined> {
    const out = (await runGit(this.dir, ['log', '-1', '--format=%H%x00%ct%x00%s', commit, '--', path])).toString('utf8').trim();
    if (out === '') return undefined;
    const [id, seconds, title] = out.split('\0');
    return { id, date: new Date(Number(seconds) * 1000).toISOString(), title: title ?? '' };
  }

  /** A running `git cat-file blob <oid>`: read its stdout; kill it when done early. */
  async catBlob(oid: string): Promise<Launched> {
    if (!/^[0-9a-f]{40,64}$/.test(oid)) throw new Error(`not an object id: ${oid}`);
    // started off the event loop by the launcher (launcher.ts), at the background priority
    const child = await launch('git', [`--git-dir=${this.dir}`, 'cat-file', 'blob', oid], { env: gitReadEnv(), nice: BACKGROUND_NICE });
    child.stdin.end();
    return child;
  }
}
