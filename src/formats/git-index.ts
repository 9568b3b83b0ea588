/**
 * git's index file (`.git/index`, git's Documentation/gitformat-index.txt), read in versions 2, 3
 * and 4 and written in version 2 (3 when an entry needs extended flags). hub writes the index
 * itself because isomorphic-git cannot write many entries with our own stat data; the rules,
 * and how they follow git's read-cache.c, are in docs/formats.md §5.
 */
import { createHash } from 'node:crypto';
import { FormatError } from '../errors.js';
import { compareIndexPaths, pathProblem } from './git-index-path.js';
import {
  bad, checkIndexHeader, compareRanges, EXT_INTENT_TO_ADD, EXT_SKIP_WORKTREE, FIXED_BYTES, FLAG_ASSUME_VALID, FLAG_EXTENDED, HEADER_BYTES, indexLayout,
  layoutOid, layoutPath, NAME_MASK, quote, SIGNATURE, TRAILER_BYTES, type GitIndexExtension, type GitIndexLayout,
} from './git-index-layout.js';

export type { GitIndexExtension };
export { compareIndexPaths };

/** One index entry: a path at a merge stage, its blob and the stat data git compares with the working tree. */
export interface GitIndexEntry {
  /** '/'-separated, relative to the top of the working tree. */
  path: string;
  /** 40 lowercase hex digits: the SHA-1 of the blob (or the commit, for a gitlink). */
  oid: string;
  /** 0o100644, 0o100755, 0o120000 (symlink) or 0o160000 (gitlink). */
  mode: number;
  size: number;
  ctimeSeconds: number;
  ctimeNanoseconds: number;
  mtimeSeconds: number;
  mtimeNanoseconds: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  /** 0 for a merged path; 1 (base), 2 (ours), 3 (theirs) during a conflict. */
  stage: number;
  assumeValid: boolean;
  skipWorktree: boolean;
  intentToAdd: boolean;
}

/** A parsed index: entries in git's order (path bytes, then stage) and the optional extensions found. */
export interface GitIndex {
  version: 2 | 3 | 4;
  entries: GitIndexEntry[];
  extensions: GitIndexExtension[];
}

/** Options of {@link serializeGitIndex}. */
export interface SerializeGitIndexOptions {
  /** Optional extensions (signature starting A-Z) to write after the entries; none by default. */
  extensions?: GitIndexExtension[];
}

const MODES = new Set([0o100644, 0o100755, 0o120000, 0o160000]);
const OID_RE = /^[0-9a-f]{40}$/;
// Their contents are byte offsets into the file, which a rewrite of the entries invalidates.
const OFFSET_EXTENSIONS = new Set(['EOIE', 'IEOT']);
const utf8Encoder = new TextEncoder();

function refuse(reason: string): FormatError {
  return new FormatError(`cannot write git index: ${reason}`, {}, 'bad_git_index');
}

function hexNibble(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57; // '0'-'9', 'a'-'f' (the oid was checked with OID_RE)
}

function hexToBytes(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 20; i++) out[at + i] = (hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1));
}

function sha1(bytes: Uint8Array): Uint8Array {
  return createHash('sha1').update(bytes).digest();
}

function verifyChecksum(bytes: Uint8Array): void {
  const end = bytes.length - TRAILER_BYTES;
  const trailer = bytes.subarray(end);
  // git 2.40+ writes an all-zero trailer when index.skipHash is set (feature.manyFiles), and skips the check.
  if (trailer.every((b) => b === 0)) return;
  const actual = sha1(bytes.subarray(0, end));
  if (!actual.every((b, i) => b === trailer[i])) throw bad('index checksum mismatch');
}

/** Entry `i` of a layout as an object. */
export function layoutEntry(l: GitIndexLayout, i: number): GitIndexEntry {
  const { view } = l;
  const off = l.offsets[i];
  const flags = view.getUint16(off + 60);
  const ext = flags & FLAG_EXTENDED ? view.getUint16(off + FIXED_BYTES) : 0;
  return {
    path: layoutPath(l, i),
    oid: layoutOid(l, i),
    mode: view.getUint32(off + 24),
    size: view.getUint32(off + 36),
    ctimeSeconds: view.getUint32(off),
    ctimeNanoseconds: view.getUint32(off + 4),
    mtimeSeconds: view.getUint32(off + 8),
    mtimeNanoseconds: view.getUint32(off + 12),
    dev: view.getUint32(off + 16),
    ino: view.getUint32(off + 20),
    uid: view.getUint32(off + 28),
    gid: view.getUint32(off + 32),
    stage: (flags >> 12) & 3,
    assumeValid: (flags & FLAG_ASSUME_VALID) !== 0,
    skipWorktree: (ext & EXT_SKIP_WORKTREE) !== 0,
    intentToAdd: (ext & EXT_INTENT_TO_ADD) !== 0,
  };
}

/** Parses an index file strictly, its SHA-1 trailer checked; throws FormatError `bad_git_index` naming the first problem (entries numbered from 1). */
export function parseGitIndex(bytes: Uint8Array): GitIndex {
  checkIndexHeader(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  verifyChecksum(bytes);
  const l = indexLayout(bytes);
  const entries: GitIndexEntry[] = new Array(l.count);
  for (let i = 0; i < l.count; i++) entries[i] = layoutEntry(l, i);
  return { version: l.version, entries, extensions: l.extensions };
}

function u32(value: number, what: string, path: string): number {
  if (!Number.isInteger(value)) throw refuse(`entry ${quote(path)}: ${what} ${value} is not an integer`);
  return value >>> 0; // git stores the low 32 bits (C's unsigned int cast)
}

interface Prepared {
  entry: GitIndexEntry;
  name: Uint8Array;
  extended: boolean;
}

function encodePath(path: string): Uint8Array {
  const bytes = new Uint8Array(path.length);
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0x80) return utf8Encoder.encode(path);
    bytes[i] = c;
  }
  return bytes; // ASCII, the common case: a loop beats TextEncoder's per-call cost
}

function prepare(entry: GitIndexEntry): Prepared {
  const { path } = entry;
  if (typeof path !== 'string') throw refuse('an entry has no path');
  const problem = pathProblem(path);
  if (problem !== undefined) throw refuse(problem);
  if (typeof entry.oid !== 'string' || !OID_RE.test(entry.oid)) {
    throw refuse(`entry ${quote(path)}: oid ${quote(String(entry.oid))} is not 40 lowercase hex digits`);
  }
  if (!MODES.has(entry.mode)) {
    throw refuse(`entry ${quote(path)}: mode ${Number(entry.mode).toString(8)} is not 100644, 100755, 120000 or 160000`);
  }
  if (!Number.isInteger(entry.stage) || entry.stage < 0 || entry.stage > 3) {
    throw refuse(`entry ${quote(path)}: stage ${entry.stage} is not 0, 1, 2 or 3`);
  }
  return { entry, name: encodePath(path), extended: entry.skipWorktree || entry.intentToAdd };
}

function checkExtension(ext: GitIndexExtension): void {
  const sig = ext.signature;
  if (typeof sig !== 'string' || sig.length !== 4 || /[^\x00-\xff]/.test(sig)) {
    throw refuse(`extension signature ${quote(String(sig))} is not 4 Latin-1 characters`);
  }
  if (sig[0] < 'A' || sig[0] > 'Z') throw refuse(`extension ${quote(sig)} is a required extension; hub writes only optional ones (A-Z)`);
  if (OFFSET_EXTENSIONS.has(sig)) throw refuse(`extension ${quote(sig)} records file offsets that a rewrite invalidates`);
  if (!(ext.data instanceof Uint8Array) || ext.data.length > 0xffffffff) {
    throw refuse(`extension ${quote(sig)}: data is not a Uint8Array under 4 GiB`);
  }
}

/** Writes an index as git would: version 2 (3 if an entry needs extended flags), entries in git's order, 32-bit stat values, SHA-1 trailer. */
export function serializeGitIndex(entries: readonly GitIndexEntry[], opts: SerializeGitIndexOptions = {}): Uint8Array {
  const prepared = entries.map(prepare);
  const order = (a: Prepared, b: Prepared) => compareRanges(a.name, 0, a.name.length, b.name, 0, b.name.length) || a.entry.stage - b.entry.stage;
  // entries usually arrive in order already (a parsed index, a few changes): check before sorting
  let sorted = true;
  for (let i = 1; i < prepared.length && sorted; i++) sorted = order(prepared[i - 1], prepared[i]) <= 0;
  if (!sorted) prepared.sort(order);
  // In byte order, every path that starts with P lies right after P, so a stack of the earlier
  // paths that are prefixes of the current one finds a file that is also a directory.
  const prefixes: string[] = [];
  for (let i = 0; i < prepared.length; i++) {
    const { entry } = prepared[i];
    const path = entry.path;
    if (i > 0 && prepared[i - 1].entry.path === path) {
      const prev = prepared[i - 1].entry;
      if (prev.stage === entry.stage) throw refuse(`two entries for ${quote(path)} at stage ${entry.stage}`);
      if (prev.stage === 0) throw refuse(`${quote(path)} has both a merged (stage 0) entry and conflict stages`);
      continue;
    }
    while (prefixes.length > 0 && !path.startsWith(prefixes[prefixes.length - 1])) prefixes.pop();
    for (const file of prefixes) {
      if (path.charCodeAt(file.length) === 0x2f) throw refuse(`${quote(file)} is both a file and the directory of ${quote(path)}`);
    }
    prefixes.push(path);
  }
  const extensions = opts.extensions ?? [];
  extensions.forEach(checkExtension);

  const version = prepared.some((p) => p.extended) ? 3 : 2;
  let total = HEADER_BYTES + TRAILER_BYTES;
  for (const p of prepared) total += (FIXED_BYTES + (p.extended ? 2 : 0) + p.name.length + 8) & ~7;
  for (const ext of extensions) total += 8 + ext.data.length;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, SIGNATURE);
  view.setUint32(4, version);
  view.setUint32(8, prepared.length);
  let off = HEADER_BYTES;
  for (const { entry: e, name, extended } of prepared) {
    view.setUint32(off, u32(e.ctimeSeconds, 'ctimeSeconds', e.path));
    view.setUint32(off + 4, u32(e.ctimeNanoseconds, 'ctimeNanoseconds', e.path));
    view.setUint32(off + 8, u32(e.mtimeSeconds, 'mtimeSeconds', e.path));
    view.setUint32(off + 12, u32(e.mtimeNanoseconds, 'mtimeNanoseconds', e.path));
    view.setUint32(off + 16, u32(e.dev, 'dev', e.path));
    view.setUint32(off + 20, u32(e.ino, 'ino', e.path));
    view.setUint32(off + 24, e.mode);
    view.setUint32(off + 28, u32(e.uid, 'uid', e.path));
    view.setUint32(off + 32, u32(e.gid, 'gid', e.path));
    view.setUint32(off + 36, u32(e.size, 'size', e.path));
    hexToBytes(e.oid, out, off + 40);
    const flags =
      (e.assumeValid ? FLAG_ASSUME_VALID : 0) | (extended ? FLAG_EXTENDED : 0) | (e.stage << 12) | Math.min(name.length, NAME_MASK);
    view.setUint16(off + 60, flags);
    let nameStart = off + FIXED_BYTES;
    if (extended) {
      view.setUint16(nameStart, (e.skipWorktree ? EXT_SKIP_WORKTREE : 0) | (e.intentToAdd ? EXT_INTENT_TO_ADD : 0));
      nameStart += 2;
    }
    out.set(name, nameStart);
    off += (nameStart - off + name.length + 8) & ~7; // the padding NULs are already zero
  }
  for (const ext of extensions) {
    for (let k = 0; k < 4; k++) out[off + k] = ext.signature.charCodeAt(k);
    view.setUint32(off + 4, ext.data.length);
    out.set(ext.data, off + 8);
    off += 8 + ext.data.length;
  }
  out.set(sha1(out.subarray(0, off)), off);
  return out;
}

/** Throws the FormatError an entry for `path` with blob `oid` would get when written. */
export function checkEntryIdentity(path: string, oid: string): void {
  const problem = pathProblem(path);
  if (problem !== undefined) throw refuse(problem);
  if (!OID_RE.test(oid)) throw refuse(`entry ${quote(path)}: oid ${quote(oid)} is not 40 lowercase hex digits`);
}
