/**
 * File manifests (reconstructions): how to rebuild a file with LFS oid `oid` from ranges of
 * chunks in xorbs. Canonical JSON, fixed key order, compact, one trailing newline
 * (docs/formats.md §4, schema in docs/schemas/manifest.schema.json).
 */
import { FormatError } from '../errors.js';
import { quoteValue } from './quote-value.js';
import { MAX_CHUNK_BYTES, XORB_MAX_CHUNKS } from './xorb.js';

/** A run of consecutive chunks `[chunkStart, chunkEnd)` of one xorb, holding `bytes` bytes of the file. */
export interface ManifestTerm {
  /** Xorb hash, 64 lowercase hex in Xet's form (each 8-byte group reversed). */
  xorb: string;
  chunkStart: number;
  /** Exclusive. */
  chunkEnd: number;
  bytes: number;
}

/** The reconstruction of one file: its terms, in file order, concatenate to `size` bytes hashing to `oid`. */
export interface FileManifest {
  version: 1;
  /** SHA-256 of the file, 64 lowercase hex (the LFS oid). */
  oid: string;
  size: number;
  /** Xet file hash, 64 lowercase hex in Xet's form. */
  xetHash: string;
  terms: ManifestTerm[];
}

/** The only manifest version defined. */
export const MANIFEST_VERSION = 1;

const HEX64_RE = /^[0-9a-f]{64}$/;
const MANIFEST_KEYS = ['version', 'oid', 'size', 'xetHash', 'terms'] as const;
const TERM_KEYS = ['xorb', 'chunkStart', 'chunkEnd', 'bytes'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bad(reason: string): FormatError {
  return new FormatError(`invalid manifest: ${reason}`, {}, 'bad_manifest');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return quoteValue(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function checkKeys(obj: object, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw bad(`unknown key ${quoteValue(key)} in ${where}`);
  }
  for (const key of allowed) {
    if (!Object.hasOwn(obj, key)) throw bad(`missing key ${quoteValue(key)} in ${where}`);
  }
}

function checkHex(value: unknown, where: string): string {
  if (typeof value !== 'string') throw bad(`${where} must be a string, got ${describe(value)}`);
  if (HEX64_RE.test(value)) return value;
  if (HEX64_RE.test(value.toLowerCase())) throw bad(`${where} hex digits must be lowercase`);
  throw bad(`${where} ${quoteValue(value)} is not 64 lowercase hex digits`);
}

function checkCount(value: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw bad(`${where} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw bad(`${where} is ${value}, must be between ${min} and ${max}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTerm(value: unknown, where: string): ManifestTerm {
  if (!isObject(value)) throw bad(`${where} must be an object, got ${describe(value)}`);
  checkKeys(value, TERM_KEYS, where);
  const xorb = checkHex(value.xorb, `${where}.xorb`);
  const chunkStart = checkCount(value.chunkStart, `${where}.chunkStart`, 0, XORB_MAX_CHUNKS - 1);
  const chunkEnd = checkCount(value.chunkEnd, `${where}.chunkEnd`, 1, XORB_MAX_CHUNKS);
  if (chunkEnd <= chunkStart) {
    throw bad(`${where}.chunkEnd (${chunkEnd}) must be greater than chunkStart (${chunkStart})`);
  }
  const chunks = chunkEnd - chunkStart;
  // Every chunk holds 1 to MAX_CHUNK_BYTES bytes, which bounds the bytes of a run of them.
  const bytes = checkCount(value.bytes, `${where}.bytes`, chunks, chunks * MAX_CHUNK_BYTES);
  return { xorb, chunkStart, chunkEnd, bytes };
}

/** Validates a manifest-shaped value and returns a fresh FileManifest holding only the known keys. */
function checkManifest(value: unknown): FileManifest {
  if (!isObject(value)) throw bad(`expected a JSON object, got ${describe(value)}`);
  checkKeys(value, MANIFEST_KEYS, 'manifest');
  if (value.version !== MANIFEST_VERSION) throw bad(`unsupported version ${describe(value.version)} (expected 1)`);
  const oid = checkHex(value.oid, 'oid');
  const size = checkCount(value.size, 'size');
  const xetHash = checkHex(value.xetHash, 'xetHash');
  if (!Array.isArray(value.terms)) throw bad(`terms must be an array, got ${describe(value.terms)}`);
  const terms = value.terms.map((term, i) => checkTerm(term, `terms[${i}]`));
  if (size === 0 && terms.length > 0) throw bad('size is 0 but terms is not empty');
  if (size > 0 && terms.length === 0) throw bad(`size is ${size} but terms is empty`);
  const sum = terms.reduce((total, term) => total + term.bytes, 0);
  if (sum !== size) throw bad(`terms hold ${sum} bytes but size is ${size}`);
  return { version: MANIFEST_VERSION, oid, size, xetHash, terms };
}

/** Serializes a manifest canonically: fixed key order, no spaces, one trailing newline. Validates first. */
export function serializeManifest(m: FileManifest): string {
  const v = checkManifest(m);
  const terms = v.terms.map(
    (t) => `{"xorb":"${t.xorb}","chunkStart":${t.chunkStart},"chunkEnd":${t.chunkEnd},"bytes":${t.bytes}}`,
  );
  return `{"version":${v.version},"oid":"${v.oid}","size":${v.size},"xetHash":"${v.xetHash}","terms":[${terms.join(',')}]}\n`;
}

/** Parses and validates manifest JSON (any whitespace); throws FormatError `bad_manifest` naming the problem. */
export function parseManifest(text: string | Uint8Array): FileManifest {
  let source: string;
  if (typeof text === 'string') {
    source = text;
  } else {
    try {
      source = utf8.decode(text);
    } catch {
      throw bad('not valid UTF-8');
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const detail = (err as Error).message.replace(/\s+/g, ' ').slice(0, 120);
    throw bad(`not valid JSON (${detail})`);
  }
  return checkManifest(value);
}

/** True when `text` is a valid manifest whose bytes are exactly its canonical serialization. */
export function isCanonicalManifest(text: string | Uint8Array): boolean {
  let manifest: FileManifest;
  try {
    manifest = parseManifest(text);
  } catch (err) {
    if (err instanceof FormatError) return false;
    throw err;
  }
  const source = typeof text === 'string' ? text : utf8.decode(text);
  return serializeManifest(manifest) === source;
}

/**
 * Appends `term` to `terms` (mutating it) and returns `terms`; when the last term is the same xorb
 * and ends where `term` starts, the two become one term, so a reader makes fewer range reads.
 */
export function mergeTerm(terms: ManifestTerm[], term: ManifestTerm): ManifestTerm[] {
  const prev = terms.at(-1);
  if (prev !== undefined && prev.xorb === term.xorb && prev.chunkEnd === term.chunkStart) {
    terms[terms.length - 1] = { ...prev, chunkEnd: term.chunkEnd, bytes: prev.bytes + term.bytes };
  } else {
    terms.push({ ...term });
  }
  return terms;
}

/**
 * The terms of `terms` (a file's, in order) holding any of the file's bytes [start, end), and the
 * file offset where the first of them starts (at or before `start`): one window of a ranged
 * reconstruction (docs/protocol.md, `GET reconstructions/OID` with `Range`).
 */
export function termsInRange(terms: readonly ManifestTerm[], start: number, end: number): { terms: ManifestTerm[]; offset: number } {
  const out: ManifestTerm[] = [];
  let offset = -1;
  let at = 0;
  for (const t of terms) {
    const next = at + t.bytes;
    if (next > start && at < end) {
      if (offset < 0) offset = at;
      out.push(t);
    }
    if (next >= end) break;
    at = next;
  }
  return { terms: out, offset: Math.max(0, offset) };
}
