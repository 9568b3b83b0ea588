/**
 * The layout of a git index file (`.git/index`, versions 2, 3 and 4): where each entry and its
 * path lie in the bytes, checked as strictly as {@link parseGitIndex} checks them, but without an
 * object or a string per entry. `hub status` compares 100,000 entries with the working tree
 * straight from these offsets; {@link parseGitIndex} builds its entries from them.
 * The file's SHA-1 trailer is not checked here (git does not check it on read either: only
 * `git fsck` does); parseGitIndex checks it.
 */
import { FormatError } from '../errors.js';
import { compareIndexPaths, pathProblem } from './git-index-path.js';

/** One index extension as raw bytes; `signature` is its 4 bytes read as Latin-1. */
export interface GitIndexExtension {
  signature: string;
  data: Uint8Array;
}

/** Where every entry of an index lies. Entry i's fixed fields start at `offsets[i]` in `bytes`; its path is `names[nameStart[i], nameEnd[i])`. */
export interface GitIndexLayout {
  version: 2 | 3 | 4;
  count: number;
  /** The whole file. */
  bytes: Uint8Array;
  view: DataView;
  offsets: Uint32Array;
  /** The paths' bytes: the file itself (versions 2 and 3), or the prefix-compressed paths of version 4 spelled out. */
  names: Uint8Array;
  nameStart: Uint32Array;
  nameEnd: Uint32Array;
  /** 1 where the path is ASCII (its Latin-1 reading is exact), else 0. */
  asciiName: Uint8Array;
  /** True when some entry has a conflict stage (1-3). */
  hasConflicts: boolean;
  extensions: GitIndexExtension[];
}

export const SIGNATURE = 0x44495243; // "DIRC"
export const HEADER_BYTES = 12;
export const TRAILER_BYTES = 20;
export const FIXED_BYTES = 62; // ten 32-bit stat fields, the 20-byte oid, 16-bit flags
const MIN_ENTRY_BYTES = 64; // v2/v3: 62 + 1 name byte + NUL; v4: 62 + 1-byte varint + NUL (a conflict stage repeating a name)
export const NAME_MASK = 0xfff;
export const FLAG_ASSUME_VALID = 0x8000;
export const FLAG_EXTENDED = 0x4000;
export const EXT_SKIP_WORKTREE = 0x4000;
export const EXT_INTENT_TO_ADD = 0x2000;
const REQUIRED_EXTENSION_HINTS = new Map([
  ['link', 'it is a split index; run `git update-index --no-split-index`'],
  ['sdir', 'it is a sparse index; run `git sparse-checkout set --no-sparse-index`'],
]);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A JSON-quoted value, cut at `max` characters. */
export function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** The FormatError `bad_git_index` for a file that is not a valid index. */
export function bad(reason: string, hint?: string): FormatError {
  return new FormatError(`bad git index: ${reason}`, { hint }, 'bad_git_index');
}

/** Byte-wise comparison of a[aStart, aEnd) and b[bStart, bEnd): negative, zero or positive. */
export function compareRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) if (a[aStart + i] !== b[bStart + i]) return a[aStart + i] - b[bStart + i];
  return aEnd - aStart - (bEnd - bStart);
}

/** Checks the header (size, signature, version); returns the version. */
export function checkIndexHeader(bytes: Uint8Array, view: DataView): 2 | 3 | 4 {
  if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
    throw bad(`too short: ${bytes.length} bytes (an index has at least ${HEADER_BYTES + TRAILER_BYTES})`);
  }
  if (view.getUint32(0) !== SIGNATURE) throw bad("bad signature (expected 'DIRC')");
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3 && version !== 4) throw bad(`unsupported version ${version} (hub reads 2, 3 and 4)`);
  return version;
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

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return false;
  return true;
}

/**
 * True when the ASCII path in bytes[start, end) is one git accepts (verify_path, as pathProblem
 * checks it on the string): not empty, no empty, `.`, `..` or `.git` component (any case).
 */
function asciiPathOk(b: Uint8Array, start: number, end: number): boolean {
  if (end === start) return false;
  let from = start;
  for (let i = start; i <= end; i++) {
    if (i < end && b[i] !== 0x2f) continue;
    const len = i - from;
    if (len === 0) return false;
    if (b[from] === 0x2e && len <= 4) {
      if (len === 1 || (len === 2 && b[from + 1] === 0x2e)) return false;
      if (len === 4 && (b[from + 1] | 0x20) === 0x67 && (b[from + 2] | 0x20) === 0x69 && (b[from + 3] | 0x20) === 0x74) return false; // .git
    }
    from = i + 1;
  }
  return true;
}

/** The path in names[start, end): Latin-1 when ASCII (exact, native, no copy), else strict UTF-8. */
export function decodeName(names: Uint8Array, start: number, end: number, ascii: boolean, n: number): string {
  if (ascii) return Buffer.from(names.buffer, names.byteOffset, names.byteLength).toString('latin1', start, end);
  try {
    return utf8Decoder.decode(names.subarray(start, end));
  } catch {
    throw bad(`entry ${n}: path is not valid UTF-8`);
  }
}

/** Reads and checks every entry's position (see module comment); throws FormatError `bad_git_index` naming the first problem (entries numbered from 1). */
export function indexLayout(bytes: Uint8Array): GitIndexLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = checkIndexHeader(bytes, view);
  const end = bytes.length - TRAILER_BYTES;
  const count = view.getUint32(8);
  if (count > (end - HEADER_BYTES) / MIN_ENTRY_BYTES) {
    throw bad(`header claims ${count} entries, more than ${bytes.length} bytes can hold`);
  }
  const offsets = new Uint32Array(count);
  const nameStart = new Uint32Array(count);
  const nameEnd = new Uint32Array(count);
  const asciiName = new Uint8Array(count);
  // version 4 paths are spelled out here, each after the previous one
  let names: Uint8Array = version === 4 ? new Uint8Array(Math.max(1024, end)) : bytes;
  let namesUsed = 0;
  let hasConflicts = false;
  let prevStage = 0;
  let off = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const n = i + 1;
    if (off + FIXED_BYTES > end) throw bad(`entry ${n}: runs past the end`);
    const flags = view.getUint16(off + 60);
    let nameAt = off + FIXED_BYTES;
    if (flags & FLAG_EXTENDED) {
      if (version === 2) throw bad(`entry ${n}: extended flags in a version 2 index`);
      if (nameAt + 2 > end) throw bad(`entry ${n}: runs past the end`);
      const ext = view.getUint16(nameAt);
      if (ext & ~(EXT_SKIP_WORKTREE | EXT_INTENT_TO_ADD)) {
        throw bad(`entry ${n}: unknown extended flags 0x${ext.toString(16).padStart(4, '0')}`);
      }
      nameAt += 2;
    }
    let start: number;
    let stop: number;
    let next: number;
    if (version === 4) {
      const prevLength = i > 0 ? nameEnd[i - 1] - nameStart[i - 1] : 0;
      const strip = readVarint(bytes, nameAt, end, n);
      if (strip.value > prevLength) throw bad(`entry ${n}: removes ${strip.value} bytes from a ${prevLength}-byte previous path`);
      const nul = bytes.indexOf(0, strip.next);
      if (nul < 0 || nul >= end) throw bad(`entry ${n}: path runs past the end`);
      const keep = prevLength - strip.value;
      const length = keep + nul - strip.next;
      if (namesUsed + length > names.length) {
        const grown = new Uint8Array(Math.max(names.length * 2, namesUsed + length));
        grown.set(names.subarray(0, namesUsed));
        names = grown;
      }
      if (i > 0) names.copyWithin(namesUsed, nameStart[i - 1], nameStart[i - 1] + keep);
      names.set(bytes.subarray(strip.next, nul), namesUsed + keep);
      start = namesUsed;
      stop = namesUsed + length;
      namesUsed = stop;
      next = nul + 1;
    } else {
      const nul = bytes.indexOf(0, nameAt);
      if (nul < 0 || nul >= end) throw bad(`entry ${n}: path runs past the end`);
      start = nameAt;
      stop = nul;
      // 1-8 NULs (the terminator included) pad the entry to a multiple of 8 bytes.
      next = off + ((nameAt - off + (stop - start) + 8) & ~7);
      if (next > end) throw bad(`entry ${n}: padding runs past the end`);
    }
    const nameBytes = stop - start;
    const nameLength = flags & NAME_MASK;
    if (nameLength < NAME_MASK ? nameBytes !== nameLength : nameBytes < NAME_MASK) {
      throw bad(`entry ${n}: path is ${nameBytes} bytes but its flags say ${nameLength}`);
    }
    const stage = (flags >> 12) & 3;
    const ascii = isAscii(names, start, stop);
    if (!ascii || !asciiPathOk(names, start, stop)) {
      const problem = pathProblem(decodeName(names, start, stop, ascii, n));
      if (problem !== undefined) throw bad(`entry ${n}: ${problem}`);
    }
    if (i > 0) {
      const order = compareRanges(names, nameStart[i - 1], nameEnd[i - 1], names, start, stop);
      if (order >= 0) {
        const path = quote(decodeName(names, start, stop, ascii, n));
        if (order > 0) throw bad(`entry ${n}: ${path} is out of order (after ${quote(decodeName(names, nameStart[i - 1], nameEnd[i - 1], asciiName[i - 1] === 1, i))})`);
        if (prevStage === stage) throw bad(`entry ${n}: ${path} appears twice at stage ${stage}`);
        if (prevStage === 0 || stage === 0) throw bad(`entry ${n}: ${path} has both a merged (stage 0) entry and conflict stages`);
        if (prevStage > stage) throw bad(`entry ${n}: ${path} has its stages out of order`);
      }
    }
    if (stage !== 0) hasConflicts = true;
    offsets[i] = off;
    nameStart[i] = start;
    nameEnd[i] = stop;
    asciiName[i] = ascii ? 1 : 0;
    prevStage = stage;
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
  return { version, count, bytes, view, offsets, names, nameStart, nameEnd, asciiName, hasConflicts, extensions };
}

/** The path of entry `i`. */
export function layoutPath(l: GitIndexLayout, i: number): string {
  return decodeName(l.names, l.nameStart[i], l.nameEnd[i], l.asciiName[i] === 1, i + 1);
}

/** The conflict stage of entry `i` (0 for a merged path). */
export function layoutStage(l: GitIndexLayout, i: number): number {
  return (l.view.getUint16(l.offsets[i] + 60) >> 12) & 3;
}

/** The mode of entry `i` (0o100644, 0o100755, 0o120000 or 0o160000). */
export function layoutMode(l: GitIndexLayout, i: number): number {
  return l.view.getUint32(l.offsets[i] + 24);
}

/** The blob id of entry `i`, 40 lowercase hex digits. */
export function layoutOid(l: GitIndexLayout, i: number): string {
  const at = l.offsets[i] + 40;
  return Buffer.from(l.bytes.buffer, l.bytes.byteOffset, l.bytes.byteLength).toString('hex', at, at + 20);
}

/**
 * Compares the path of entry `i` with `path` in git's order (UTF-8 bytes) without making a
 * string of the entry's path when both are ASCII where they differ.
 */
export function comparePathTo(l: GitIndexLayout, i: number, path: string): number {
  const names = l.names;
  const start = l.nameStart[i];
  const length = l.nameEnd[i] - start;
  const n = Math.min(length, path.length);
  for (let k = 0; k < n; k++) {
    const b = names[start + k];
    const c = path.charCodeAt(k);
    if (b < 0x80 && c < 0x80) {
      if (b === c) continue;
      return b - c;
    }
    return compareIndexPaths(layoutPath(l, i), path); // a byte of a multi-byte character, or a character above ASCII
  }
  // an ASCII common prefix: the shorter one (in bytes and in characters alike) comes first
  return length - path.length;
}

/** The first entry whose path is not before `path` in git's order (`l.count` when there is none): where `path`, or the paths under `path/`, start. */
export function layoutFind(l: GitIndexLayout, path: string): number {
  let lo = 0;
  let hi = l.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePathTo(l, mid, path) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when the path of entry `i` ends with `suffix`, an ASCII string. */
export function layoutPathEndsWith(l: GitIndexLayout, i: number, suffix: string): boolean {
  const end = l.nameEnd[i];
  const n = suffix.length;
  if (end - l.nameStart[i] < n) return false;
  for (let k = 0; k < n; k++) if (l.names[end - n + k] !== suffix.charCodeAt(k)) return false;
  return true;
}
