/**
 * Git loose-object payloads hub writes itself: blobs, trees and commits (pure, no I/O). hub
 * writes objects itself rather than through isomorphic-git because isomorphic-git writes a
 * loose object straight to its final name, so a SIGKILL mid-write leaves a truncated object that
 * it then never rewrites; our writer (repo/object-store.ts) uses tmp + rename.
 */
import { createHash } from 'node:crypto';
import { FormatError } from '../errors.js';

/** A git object type hub writes. */
export type GitObjectType = 'blob' | 'tree' | 'commit';

/** The bytes that are hashed and deflated: `<type> <len>\0<payload>`. */
export function frameObject(type: GitObjectType, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${type} ${payload.length}\0`), payload]);
}

/** The SHA-1 object id of a payload of `type`. */
export function objectId(type: GitObjectType, payload: Uint8Array): string {
  return createHash('sha1').update(`${type} ${payload.length}\0`).update(payload).digest('hex');
}

/** One entry of a tree object. */
export interface TreeEntry {
  name: string;
  /** 0o100644, 0o100755, 0o120000 (symlink), 0o40000 (tree), 0o160000 (gitlink). */
  mode: number;
  oid: string;
}

/** Git's tree order: byte-wise by name, with tree names compared as if they ended in '/'. */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const an = Buffer.from(a.mode === 0o40000 ? `${a.name}/` : a.name);
  const bn = Buffer.from(b.mode === 0o40000 ? `${b.name}/` : b.name);
  return Buffer.compare(an, bn);
}

/** Encodes a tree payload (entries sorted here; names validated as single path components). */
export function encodeTree(entries: readonly TreeEntry[]): Buffer {
  const parts: Buffer[] = [];
  // sort keys made once per entry, not once per comparison (trees of a 100,000-file commit)
  const keyed = entries.map((e) => ({ e, key: Buffer.from(e.mode === 0o40000 ? `${e.name}/` : e.name) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  for (const { e } of keyed) {
    if (!e.name || e.name.includes('/') || e.name.includes('\0') || e.name === '.' || e.name === '..') {
      throw new FormatError(`invalid tree entry name '${e.name}'`, {}, 'bad_tree');
    }
    if (!/^[0-9a-f]{40}$/.test(e.oid)) throw new FormatError(`invalid object id '${e.oid}' in tree entry '${e.name}'`, {}, 'bad_tree');
    parts.push(Buffer.from(`${e.mode.toString(8)} ${e.name}\0`), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

/** An inflated loose object (`<type> <len>\0<payload>`) split into its type and payload; FormatError 'bad_object' when the header or length is wrong. */
export function unframeObject(framed: Uint8Array): { type: string; payload: Uint8Array } {
  const buf = Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength);
  const nul = buf.indexOf(0);
  const header = nul > 0 && nul < 32 ? buf.toString('latin1', 0, nul) : '';
  const m = /^(blob|tree|commit|tag) (0|[1-9][0-9]*)$/.exec(header);
  if (!m || Number(m[2]) !== buf.length - nul - 1) throw new FormatError(`bad object header ${JSON.stringify(header.slice(0, 32))}`, {}, 'bad_object');
  return { type: m[1], payload: framed.subarray(nul + 1) };
}

const TREE_MODES = new Map([['40000', 0o40000], ['040000', 0o40000], ['100644', 0o100644], ['100755', 0o100755], ['120000', 0o120000], ['160000', 0o160000]]);

/**
 * Decodes a tree payload: entries as stored (names are checked by {@link treeNameProblem}, not
 * here). FormatError 'bad_tree' when truncated or when a mode is not one git writes (the same
 * modes isomorphic-git accepts).
 */
export function decodeTree(payload: Uint8Array): TreeEntry[] {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: TreeEntry[] = [];
  let at = 0;
  while (at < buf.length) {
    const space = buf.indexOf(0x20, at);
    const nul = space < 0 ? -1 : buf.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > buf.length) throw new FormatError(`truncated tree entry at byte ${at}`, {}, 'bad_tree');
    const mode = TREE_MODES.get(buf.toString('latin1', at, space));
    if (mode === undefined) throw new FormatError(`unexpected mode ${JSON.stringify(buf.toString('latin1', at, Math.min(space, at + 12)))} in a tree entry`, {}, 'bad_tree');
    out.push({ mode, name: buf.toString('utf8', space + 1, nul), oid: buf.toString('hex', nul + 1, nul + 21) });
    at = nul + 21;
  }
  return out;
}

/**
 * Why a tree entry name must not reach a working tree, or undefined: git's verify_path rules as
 * isomorphic-git applies them while parsing trees (separators, `.`, `..`, `.git` in any case with
 * NTFS trailing dots and spaces, 8.3 aliases `git~N`, alternate data streams, HFS+ ignorable
 * characters).
 */
export function treeNameProblem(name: string): string | undefined {
  const hfsClean = name.replace(/[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/g, '');
  const normalized = hfsClean.split(':')[0].toLowerCase().replace(/[. ]+$/, '');
  if (name.includes('\\') || name.includes('/')) return 'holds a path separator';
  if (hfsClean === '.' || hfsClean === '..') return 'is a relative directory';
  if (normalized === '.git' || /^\.?git~[1-9]$/.test(normalized)) return 'names the .git directory';
  return undefined;
}

/** A person line of a commit: `Name <email> seconds ±hhmm`. */
export interface GitIdentity {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Minutes east of UTC (e.g. 60 for +0100). */
  timezoneOffset: number;
}

/** Formats an identity as git writes it in commits. */
export function formatIdentity(p: GitIdentity): string {
  if (/[<>\n]/.test(p.name) || /[<>\n]/.test(p.email)) throw new FormatError(`invalid identity '${p.name} <${p.email}>'`, {}, 'bad_identity');
  const sign = p.timezoneOffset < 0 ? '-' : '+';
  const abs = Math.abs(p.timezoneOffset);
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${p.name} <${p.email}> ${Math.floor(p.timestamp)} ${tz}`;
}

/** Parses `Name <email>` (as given to --author). */
export function parseNameEmail(text: string): { name: string; email: string } | undefined {
  const m = /^\s*([^<>\n]*?)\s*<([^<>\n]*)>\s*$/.exec(text);
  return m && m[1] ? { name: m[1], email: m[2] } : undefined;
}

/** The fields of a commit hub writes. */
export interface CommitFields {
  tree: string;
  parents: string[];
  author: GitIdentity;
  committer: GitIdentity;
  message: string;
}

/** Encodes a commit payload; the message gets exactly one trailing newline. */
export function encodeCommit(c: CommitFields): Buffer {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${formatIdentity(c.author)}`, `committer ${formatIdentity(c.committer)}`];
  return Buffer.from(`${lines.join('\n')}\n\n${c.message.replace(/\n*$/, '')}\n`);
}
