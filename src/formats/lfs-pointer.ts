/**
 * Git LFS v1 pointers (git-lfs docs/spec.md), parsed strictly and written canonically.
 * The rules hub enforces, and why each one exists, are in docs/formats.md §2.
 */
import { Buffer } from 'node:buffer';
import { FormatError } from '../errors.js';
import { isOid } from './oid.js';
import { quoteValue } from './quote-value.js';

/** The version URL hub writes. */
export const POINTER_VERSION = 'https://git-lfs.github.com/spec/v1';
/** The pre-release version URL, still accepted on read (git-lfs reads it too). */
export const LEGACY_POINTER_VERSION = 'https://hawser.github.com/spec/v1';
/** A pointer is strictly smaller than this many bytes (git-lfs's blob size cutoff). */
export const POINTER_MAX_BYTES = 1024;

/** A parsed pointer; `extra` holds the keys hub does not interpret, sorted by key, preserved on write. */
export interface LfsPointer {
  oid: string;
  size: number;
  extra: Array<[string, string]>;
}

const KEY_RE = /^[a-z0-9.-]+$/;
const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;
const CONTROL_RE = /[\u0000-\u0009\u000b-\u001f\u007f]/;
const LONE_SURROGATE_RE = /\p{Cs}/u;
const RESERVED_KEYS = new Set(['version', 'oid', 'size']);
const PREFIXES = [POINTER_VERSION, LEGACY_POINTER_VERSION].map((v) => Buffer.from(`version ${v}`, 'latin1'));
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function byKey(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function bad(reason: string): FormatError {
  return new FormatError(`not a Git LFS pointer: ${reason}`, {}, 'bad_pointer');
}

/** Decodes the input to text, enforcing the size limit and UTF-8 validity. */
function pointerText(input: string | Uint8Array): string {
  if (typeof input === 'string') {
    // A UTF-16 code unit is at least one UTF-8 byte, so long strings are rejected without encoding them.
    if (input.length >= POINTER_MAX_BYTES) {
      throw bad(`too long: ${input.length} bytes or more (a pointer is under ${POINTER_MAX_BYTES})`);
    }
    const bytes = Buffer.byteLength(input, 'utf8');
    if (bytes >= POINTER_MAX_BYTES) throw bad(`too long: ${bytes} bytes (a pointer is under ${POINTER_MAX_BYTES})`);
    if (LONE_SURROGATE_RE.test(input)) throw bad('not valid UTF-8 (lone surrogate)');
    return input;
  }
  if (input.length >= POINTER_MAX_BYTES) {
    throw bad(`too long: ${input.length} bytes (a pointer is under ${POINTER_MAX_BYTES})`);
  }
  try {
    return utf8.decode(input);
  } catch {
    throw bad('not valid UTF-8');
  }
}

function parseOidValue(value: string, line: number): string {
  const colon = value.indexOf(':');
  if (colon < 0) throw bad(`line ${line}: oid ${quoteValue(value)} is not 'sha256:<64 hex digits>'`);
  const method = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (method !== 'sha256') throw bad(`line ${line}: unsupported oid hash method ${quoteValue(method)} (only sha256)`);
  if (isOid(hex)) return hex;
  if (isOid(hex.toLowerCase())) throw bad(`line ${line}: oid hex digits must be lowercase`);
  throw bad(`line ${line}: oid ${quoteValue(hex)} is not 64 lowercase hex digits`);
}

function parseSizeValue(value: string, line: number): number {
  if (/^0[0-9]+$/.test(value)) throw bad(`line ${line}: size ${quoteValue(value)} has leading zeros`);
  if (!SIZE_RE.test(value)) throw bad(`line ${line}: size ${quoteValue(value)} is not a non-negative decimal integer`);
  const size = Number(value);
  if (!Number.isSafeInteger(size)) throw bad(`line ${line}: size ${quoteValue(value)} is larger than 2^53-1`);
  return size;
}

/** Parses a pointer strictly; throws FormatError `bad_pointer` naming the first problem found. */
export function parsePointer(input: string | Uint8Array): LfsPointer {
  const text = pointerText(input);
  if (text.length === 0) throw bad('empty');
  if (!text.startsWith('version ')) throw bad("does not start with 'version '");
  if (text.includes('\r')) throw bad('contains a carriage return (CRLF line endings are not allowed)');
  if (!text.endsWith('\n')) throw bad('last line does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const seen = new Set<string>();
  const extra: Array<[string, string]> = [];
  let oid: string | undefined;
  let size: number | undefined;
  lines.forEach((content, i) => {
    const line = i + 1;
    if (content.length === 0) throw bad(`line ${line} is empty`);
    const control = CONTROL_RE.exec(content);
    if (control !== null) {
      const hex = control[0].charCodeAt(0).toString(16).padStart(2, '0');
      throw bad(`line ${line} contains control character 0x${hex}`);
    }
    const space = content.indexOf(' ');
    if (space < 0) throw bad(`line ${line} (${quoteValue(content)}) is not 'key value'`);
    const key = content.slice(0, space);
    const value = content.slice(space + 1);
    if (!KEY_RE.test(key)) throw bad(`line ${line}: key ${quoteValue(key)} may only use a-z, 0-9, '.' and '-'`);
    if (seen.has(key)) throw bad(`line ${line}: duplicate key ${quoteValue(key)}`);
    if (value.length === 0) throw bad(`line ${line}: key ${quoteValue(key)} has an empty value`);
    if (value.startsWith(' ')) throw bad(`line ${line}: more than one space after key ${quoteValue(key)}`);
    seen.add(key);
    if (key === 'version') {
      // Line 1 is always the version line (the input starts with 'version '); a later one is a duplicate.
      if (value !== POINTER_VERSION && value !== LEGACY_POINTER_VERSION) {
        throw bad(`unsupported version ${quoteValue(value)} (expected ${POINTER_VERSION})`);
      }
    } else if (key === 'oid') {
      oid = parseOidValue(value, line);
    } else if (key === 'size') {
      size = parseSizeValue(value, line);
    } else {
      extra.push([key, value]);
    }
  });
  if (oid === undefined) throw bad("missing 'oid' line");
  if (size === undefined) throw bad("missing 'size' line");
  extra.sort(byKey);
  return { oid, size, extra };
}

/** Serializes a pointer in canonical form: the version line, then every other key sorted, each `key value\n`. */
export function serializePointer(p: LfsPointer): string {
  if (!isOid(p.oid)) throw bad(`oid ${quoteValue(p.oid)} is not 64 lowercase hex digits`);
  if (!Number.isSafeInteger(p.size) || p.size < 0) throw bad(`size ${p.size} is not a non-negative safe integer`);
  const entries: Array<[string, string]> = [['oid', `sha256:${p.oid}`], ['size', String(p.size)]];
  const keys = new Set<string>();
  for (const [key, value] of p.extra) {
    if (!KEY_RE.test(key)) throw bad(`key ${quoteValue(key)} may only use a-z, 0-9, '.' and '-'`);
    if (RESERVED_KEYS.has(key)) throw bad(`extra key ${quoteValue(key)} is reserved`);
    if (keys.has(key)) throw bad(`duplicate key ${quoteValue(key)}`);
    if (value.length === 0 || value.startsWith(' ') || CONTROL_RE.test(value) || value.includes('\n') || value.includes('\r')) {
      throw bad(`value ${quoteValue(value)} of key ${quoteValue(key)} cannot be written on one line`);
    }
    keys.add(key);
    entries.push([key, value]);
  }
  entries.sort(byKey);
  const text = `version ${POINTER_VERSION}\n${entries.map(([k, v]) => `${k} ${v}\n`).join('')}`;
  if (Buffer.byteLength(text, 'utf8') >= POINTER_MAX_BYTES) {
    throw bad(`serialized pointer would be ${POINTER_MAX_BYTES} bytes or more`);
  }
  return text;
}

/** The canonical pointer text for a file with SHA-256 `oid` (64 lowercase hex) and `size` bytes. */
export function pointerFor(oid: string, size: number): string {
  return serializePointer({ oid, size, extra: [] });
}

/** True when `input` is a valid pointer whose bytes are exactly its canonical serialization. */
export function isCanonicalPointer(input: string | Uint8Array): boolean {
  let pointer: LfsPointer;
  try {
    pointer = parsePointer(input);
  } catch (err) {
    if (err instanceof FormatError) return false;
    throw err;
  }
  const text = typeof input === 'string' ? input : utf8.decode(input);
  return serializePointer(pointer) === text;
}

/** Cheap pre-check, never throws: under 1024 bytes and starting with a known `version` line. */
export function looksLikePointer(input: Uint8Array): boolean {
  if (input.length >= POINTER_MAX_BYTES) return false;
  return PREFIXES.some((prefix) => input.length >= prefix.length && prefix.every((b, i) => input[i] === b));
}

/** The LFS object (oid, size) a small blob points at, or undefined for an ordinary file (one that only starts like a pointer included). */
export function pointerOf(bytes: Uint8Array): { oid: string; size: number } | undefined {
  if (!looksLikePointer(bytes)) return undefined;
  try {
    const p = parsePointer(bytes);
    return { oid: p.oid, size: p.size };
  } catch {
    return undefined;
  }
}
