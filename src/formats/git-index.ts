/**
 * git's index file (`.git/index`, git's Documentation/gitformat-index.txt), read in versions 2, 3
 * and 4 and written in version 2 (3 when an entry needs extended flags). hub writes the index
 * itself because isomorphic-git cannot write many entries with our own stat data; the rules,
 * and how they follow git's read-cache.c, are in docs/formats.md §5.
 */
import { createHash } from 'node:crypto';
import { FormatError } from '../errors.js';
import { compareIndexPaths, pathProblem } from './git-index-path.js';

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

/** An index extension, kept as raw bytes; `signature` is its 4 bytes read as Latin-1. */
export interface GitIndexExtension {
  signature: string;
  data: Uint8Array;
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


const SIGNATURE = 0x44495243; // "DIRC"
const HEADER_BYTES = 12;
const TRAILER_BYTES = 20;
const FIXED_BYTES = 62; // ten 32-bit stat fields, the 20-byte oid, 16-bit flags
const MIN_ENTRY_BYTES = 64; // v2/v3: 62 + 1 name byte + NUL; v4: 62 + 1-byte varint + NUL (a conflict stage repeating a name)
const NAME_MASK = 0xfff;
const FLAG_ASSUME_VALID = 0x8000;
const FLAG_EXTENDED = 0x4000;
const EXT_SKIP_WORKTREE = 0x4000;
const EXT_INTENT_TO_ADD = 0x2000;
const MODES = new Set([0o100644, 0o100755, 0o120000, 0o160000]);
const OID_RE = /^[0-9a-f]{40}$/;
const REQUIRED_EXTENSION_HINTS = new Map([
  ['link', 'it is a split index; run `git update-index --no-split-index`'],
  ['sdir', 'it is a sparse index; run `git sparse-checkout set --no-sparse-index`'],
]);
// Their contents are byte offsets into the file, which a rewrite of the entries invalidates.
const OFFSET_EXTENSIONS = new Set(['EOIE', 'IEOT']);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

function bad(reason: string, hint?: string): FormatError {
  return new FormatError(`bad git index: ${reason}`, { hint }, 'bad_git_index');
}

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

/** git's varint (varint.c): big-endian 7-bit groups, each continuation adding one before the shift. */
function readVarint(bytes: Uint8Array, at: number, end: number, n: number): { value: number; next: number } {
  let pos = at;
  if (pos >= end) throw bad(`entry ${n}: path runs past the end`);
  let c = bytes[pos++];
  let value = c & 0x7f;
  while (c & 0x80) {
    value += 1;
    if (value > 0x1ffffff) throw bad(`entry ${n}: path prefix length overflows`);
    if (pos >= end) throw bad(`entry ${n}: path runs past the end`);
    c = bytes[pos++];
    value = value * 128 + (c & 0x7f);
  }
  return { value, next: pos };
}

function isShortAscii(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start > 1024) return false;
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return false;
  return true;
}

/** The path in `buf[start, end)`; no copy of the bytes for an ASCII path, the common case. */
function decodePath(buf: Buffer, start: number, end: number, n: number): string {
  let path: string;
  if (isShortAscii(buf, start, end)) {
    // ASCII: Latin-1 decoding is exact and native (per entry, far cheaper than TextDecoder)
    path = buf.toString('latin1', start, end);
  } else {
    try {
      path = utf8Decoder.decode(buf.subarray(start, end));
    } catch {
      throw bad(`entry ${n}: path is not valid UTF-8`);
    }
  }
  const problem = pathProblem(path);
  if (problem !== undefined) throw bad(`entry ${n}: ${problem}`);
  return path;
}

function compareRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) if (a[aStart + i] !== b[bStart + i]) return a[aStart + i] - b[bStart + i];
  return aEnd - aStart - (bEnd - bStart);
}

/** Parses an index file strictly; throws FormatError `bad_git_index` naming the first problem (entries numbered from 1). */
export function parseGitIndex(bytes: Uint8Array): GitIndex {
  if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
    throw bad(`too short: ${bytes.length} bytes (an index has at least ${HEADER_BYTES + TRAILER_BYTES})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view, for its native hex and Latin-1 decoders
  if (view.getUint32(0) !== SIGNATURE) throw bad("bad signature (expected 'DIRC')");
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3 && version !== 4) throw bad(`unsupported version ${version} (hub reads 2, 3 and 4)`);
  verifyChecksum(bytes);
  const end = bytes.length - TRAILER_BYTES;
  const count = view.getUint32(8);
  if (count > (end - HEADER_BYTES) / MIN_ENTRY_BYTES) {
    throw bad(`header claims ${count} entries, more than ${bytes.length} bytes can hold`);
  }

  const entries: GitIndexEntry[] = [];
  let off = HEADER_BYTES;
  // the previous entry's name: bytes[prevStart, prevEnd) of prevBuf (the file itself, or a
  // version 4 name rebuilt from its predecessor); no per-entry views of the file are made
  let prevBuf: Uint8Array = bytes;
  let prevStart = 0;
  let prevEnd = 0;
  for (let i = 0; i < count; i++) {
    const n = i + 1;
    if (off + FIXED_BYTES > end) throw bad(`entry ${n}: runs past the end`);
    const flags = view.getUint16(off + 60);
    let nameStart = off + FIXED_BYTES;
    let ext = 0;
    if (flags & FLAG_EXTENDED) {
      if (version === 2) throw bad(`entry ${n}: extended flags in a version 2 index`);
      if (nameStart + 2 > end) throw bad(`entry ${n}: runs past the end`);
      ext = view.getUint16(nameStart);
      if (ext & ~(EXT_SKIP_WORKTREE | EXT_INTENT_TO_ADD)) {
        throw bad(`entry ${n}: unknown extended flags 0x${ext.toString(16).padStart(4, '0')}`);
      }
      nameStart += 2;
    }
    let nameBuf: Buffer;
    let start: number;
    let stop: number;
    let next: number;
    if (version === 4) {
      const strip = readVarint(bytes, nameStart, end, n);
      if (strip.value > prevEnd - prevStart) {
        throw bad(`entry ${n}: removes ${strip.value} bytes from a ${prevEnd - prevStart}-byte previous path`);
      }
      const nul = bytes.indexOf(0, strip.next);
      if (nul < 0 || nul >= end) throw bad(`entry ${n}: path runs past the end`);
      const keep = prevEnd - prevStart - strip.value;
      nameBuf = Buffer.allocUnsafe(keep + nul - strip.next);
      nameBuf.set(prevBuf.subarray(prevStart, prevStart + keep));
      nameBuf.set(bytes.subarray(strip.next, nul), keep);
      start = 0;
      stop = nameBuf.length;
      next = nul + 1;
    } else {
      const nul = bytes.indexOf(0, nameStart);
      if (nul < 0 || nul >= end) throw bad(`entry ${n}: path runs past the end`);
      nameBuf = buf;
      start = nameStart;
      stop = nul;
      // 1-8 NULs (the terminator included) pad the entry to a multiple of 8 bytes.
      next = off + ((nameStart - off + (stop - start) + 8) & ~7);
      if (next > end) throw bad(`entry ${n}: padding runs past the end`);
    }
    const nameBytes = stop - start;
    const nameLength = flags & NAME_MASK;
    if (nameLength < NAME_MASK ? nameBytes !== nameLength : nameBytes < NAME_MASK) {
      throw bad(`entry ${n}: path is ${nameBytes} bytes but its flags say ${nameLength}`);
    }
    const stage = (flags >> 12) & 3;
    const path = decodePath(nameBuf, start, stop, n);
    if (i > 0) {
      const order = compareRanges(prevBuf, prevStart, prevEnd, nameBuf, start, stop);
      const prev = entries[i - 1];
      if (order > 0) throw bad(`entry ${n}: ${quote(path)} is out of order (after ${quote(prev.path)})`);
      if (order === 0) {
        if (prev.stage === stage) throw bad(`entry ${n}: ${quote(path)} appears twice at stage ${stage}`);
        if (prev.stage === 0 || stage === 0) throw bad(`entry ${n}: ${quote(path)} has both a merged (stage 0) entry and conflict stages`);
        if (prev.stage > stage) throw bad(`entry ${n}: ${quote(path)} has its stages out of order`);
      }
    }
    entries.push({
      path,
      oid: buf.toString('hex', off + 40, off + 60),
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
      stage,
      assumeValid: (flags & FLAG_ASSUME_VALID) !== 0,
      skipWorktree: (ext & EXT_SKIP_WORKTREE) !== 0,
      intentToAdd: (ext & EXT_INTENT_TO_ADD) !== 0,
    });
    prevBuf = nameBuf;
    prevStart = start;
    prevEnd = stop;
    off = next;
  }

  const extensions: GitIndexExtension[] = [];
  while (off < end) {
    if (end - off < 8) throw bad(`${end - off} stray bytes after the entries`);
    const signature = String.fromCharCode(bytes[off], bytes[off + 1], bytes[off + 2], bytes[off + 3]);
    const size = view.getUint32(off + 4);
    if (size > end - off - 8) throw bad(`extension ${quote(signature)}: ${size} bytes run past the end`);
    if (bytes[off] < 0x41 || bytes[off] > 0x5a) {
      const why = REQUIRED_EXTENSION_HINTS.get(signature);
      throw bad(`uses the required extension ${quote(signature)}, which hub does not understand`, why);
    }
    extensions.push({ signature, data: bytes.slice(off + 8, off + 8 + size) });
    off += 8 + size;
  }
  return { version, entries, extensions };
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
