/**
 * Which blobs are Git LFS pointers, as git-lfs reads them (lfs/pointer.go, DecodeFrom, git-lfs
 * 3.x) and as hub reads them (lfs-pointer.ts), and whether the two agree. A server that checks
 * pushed pointers must treat as a pointer every blob git-lfs would smudge: git-lfs is far more
 * lenient than hub's strict parser (CRLF line ends, no final newline, blank lines, padding, and
 * blobs of any size whose first 1024 bytes read as a pointer), so a blob hub calls an ordinary
 * file can make every git-lfs clone fail with "smudge filter lfs failed" (issue 11).
 *
 * git-lfs's rules, restated (facts, not code): read the first 1024 bytes (an empty blob is the
 * empty pointer); trim Unicode white space at both ends; the text must contain `git-media`,
 * `hawser` or `git-lfs`; lines are split at `\n` with one trailing `\r` dropped, empty lines
 * skipped; each line is `key value` (split at the first space); keys must come as `version`,
 * `oid`, `size` in that order, with `ext-<digit>-<word>` lines allowed anywhere before the three
 * are done and nothing after them; the version must be one of three URLs; the oid
 * `sha256:<64 lowercase hex>`; the size what Go's strconv.ParseInt accepts (an optional sign,
 * decimal digits, no overflow) and not negative; extension values are oids too, with distinct
 * priorities.
 */
import { parsePointer } from './lfs-pointer.js';

/** How many leading bytes of a blob git-lfs reads to decide whether it is a pointer. */
export const GIT_LFS_READ_BYTES = 1024;

const VERSIONS = new Set(['http://git-media.io/v/2', 'https://hawser.github.com/spec/v1', 'https://git-lfs.github.com/spec/v1']);
const KEYS = ['version', 'oid', 'size'];
const OID_RE = /^[0-9a-f]{64}$/;
const EXT_KEY_RE = /^ext-[0-9]-[A-Za-z0-9_]/;
const SIGNED_DECIMAL_RE = /^[+-]?[0-9]+$/;
const INT64_MAX = 2n ** 63n - 1n;
const lossy = new TextDecoder('utf-8');

/** Go's unicode.IsSpace. */
function isGoSpace(ch: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(ch);
}

function trimGoSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isGoSpace(text[start])) start++;
  while (end > start && isGoSpace(text[end - 1])) end--;
  return text.slice(start, end);
}

function parseOid(value: string): string | undefined {
  const colon = value.indexOf(':');
  if (colon < 0 || value.slice(0, colon) !== 'sha256') return undefined;
  const oid = value.slice(colon + 1);
  return OID_RE.test(oid) ? oid : undefined;
}

/**
 * The pointer git-lfs reads from a blob whose first bytes are `head` (at least the first
 * {@link GIT_LFS_READ_BYTES}, or the whole blob), or undefined when git-lfs passes the blob
 * through as an ordinary file. An empty blob counts as no pointer here (git-lfs's empty pointer
 * is an empty file either way). A size beyond 2^53 comes back as an inexact number.
 */
export function readAsGitLfs(head: Uint8Array): { oid: string; size: number } | undefined {
  const buf = head.subarray(0, GIT_LFS_READ_BYTES);
  if (buf.length === 0) return undefined;
  const data = trimGoSpace(lossy.decode(buf));
  if (!/git-media|hawser|git-lfs/.test(data)) return undefined;
  const values = new Map<string, string>();
  const extensions: Array<[string, string]> = [];
  let line = 0;
  const lines = data.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text === '') continue;
    const space = text.indexOf(' ');
    if (space < 0 || line >= KEYS.length) return undefined;
    const key = text.slice(0, space);
    const value = text.slice(space + 1);
    if (key !== KEYS[line]) {
      if (!EXT_KEY_RE.test(key)) return undefined;
      extensions.push([key, value]);
      continue;
    }
    line++;
    values.set(key, value);
  }
  if (!VERSIONS.has(values.get('version') ?? '')) return undefined;
  const oid = parseOid(values.get('oid') ?? '');
  if (oid === undefined) return undefined;
  const sizeText = values.get('size') ?? '';
  if (!SIGNED_DECIMAL_RE.test(sizeText)) return undefined;
  const size = BigInt(sizeText);
  if (size < 0n || size > INT64_MAX) return undefined;
  const priorities = new Set<number>();
  // git-lfs keeps the last value of a repeated extension key
  for (const [key, value] of new Map(extensions)) {
    const priority = Number(key.split('-')[1]);
    if (parseOid(value) === undefined || priorities.has(priority)) return undefined;
    priorities.add(priority);
  }
  return { oid, size: Number(size) };
}

/** What a blob is to the two readers (see {@link classifyBlob}). */
export type BlobKind =
  | { kind: 'file' }
  | { kind: 'pointer'; oid: string; size: number }
  | { kind: 'ambiguous'; reason: string };

/**
 * What a blob of `size` bytes whose first bytes are `head` is: an ordinary file to both git-lfs
 * and hub, a pointer both read alike, or `ambiguous` when only one of them reads it as a pointer
 * (or they read different pointers). `head` holds the first {@link GIT_LFS_READ_BYTES} bytes,
 * or the whole blob when it is shorter.
 */
export function classifyBlob(head: Uint8Array, size: number): BlobKind {
  const lfs = readAsGitLfs(head);
  let hub: { oid: string; size: number } | undefined;
  let hubError = '';
  if (size === head.length) {
    try {
      hub = parsePointer(head);
    } catch (err) {
      hubError = (err as Error).message;
    }
  } else hubError = `not a Git LFS pointer: ${size} bytes (a pointer is under 1024)`;
  if (!lfs && !hub) return { kind: 'file' };
  if (lfs && hub && lfs.oid === hub.oid && lfs.size === hub.size) return { kind: 'pointer', oid: hub.oid, size: hub.size };
  if (lfs && !hub) return { kind: 'ambiguous', reason: `git-lfs reads it as a pointer to sha256:${lfs.oid}, but it is malformed (${hubError.replace(/^not a Git LFS pointer: /, '')})` };
  if (!lfs) return { kind: 'ambiguous', reason: 'hub reads it as a Git LFS pointer, but git-lfs does not' };
  return { kind: 'ambiguous', reason: 'git-lfs and hub read it as different pointers' };
}
