/**
 * The body of the Hugging Face commit API (`POST /api/{models,datasets}/OWNER/NAME/commit/REV`),
 * read and checked before anything is written. Two forms, as HF clients send them:
 *
 * - NDJSON (`application/x-ndjson`; @huggingface/hub and huggingface_hub's create_commit): one
 *   `{"key": ..., "value": ...}` object a line, the `header` first, then `file`, `lfsFile`,
 *   `deletedFile` and `deletedFolder` lines, in the order they apply.
 * - JSON (`application/json`; older huggingface_hub, its fsspec copy): `{summary, description,
 *   parentCommit, files, lfsFiles, deletedFiles, deletedEntries, deletedFolders}`.
 *
 * Paths are repository-relative and '/'-separated: not empty, not absolute, no empty, `.` or
 * `..` component, no component any file system reads as `.git` (git-paths.ts: `.GIT`,
 * `.git\u200c`, `.git.`, `GIT~1`), no backslash, no control character, at most 4096 bytes.
 */
import type { IncomingMessage } from 'node:http';
import { Breather } from './breather.js';
import { badTreeName } from './git-paths.js';
import { hfError } from './hf-access.js';
import { bodyChunks, HttpError } from './http-util.js';

/** One change of a commit, in the order the client sent them. */
export type CommitOperation =
  | { key: 'file'; path: string; content: Buffer }
  | { key: 'lfsFile'; path: string; oid: string; size?: number }
  | { key: 'deletedFile'; path: string }
  | { key: 'deletedFolder'; path: string };

/** The commit's message and the parent the client expects the branch to be at. */
export interface CommitHeader {
  summary: string;
  description: string;
  parentCommit?: string;
}

/** A whole payload. */
export interface CommitPayload {
  header: CommitHeader;
  operations: CommitOperation[];
}

/**
 * The longest NDJSON line: a regular file of up to 10 MiB (larger ones go through LFS,
 * LFS_SIZE_THRESHOLD of hf-write.ts), base64-encoded, with room to spare.
 */
export const MAX_LINE_BYTES = 16 << 20;
/** The most operations one commit may hold. */
export const MAX_OPERATIONS = 100_000;
const MAX_PATH_BYTES = 4096;
const OID_RE = /^[0-9a-f]{64}$/;
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

function bad(message: string): HttpError {
  return hfError(400, 'BadRequest', message);
}

/** `path` if it is a valid repository path (see the module comment); 400 naming it otherwise. */
export function checkRepoPath(path: unknown, what = 'path'): string {
  if (typeof path !== 'string' || path === '') throw bad(`${what} must be a non-empty string`);
  const shown = JSON.stringify(path.slice(0, 200));
  if (CONTROL_RE.test(path)) throw bad(`invalid ${what} ${shown}: control characters are not allowed`);
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) throw bad(`invalid ${what} ${shown}: longer than ${MAX_PATH_BYTES} bytes`);
  if (path.startsWith('/')) throw bad(`invalid ${what} ${shown}: must be relative to the repository root`);
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') throw bad(`invalid ${what} ${shown}: empty, '.' and '..' components are not allowed`);
    const why = badTreeName(part);
    if (why !== undefined) throw bad(`invalid ${what} ${shown}: ${why}`);
  }
  return path;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function optionalString(v: Record<string, unknown>, key: string, what: string): string | undefined {
  if (v[key] === undefined || v[key] === null) return undefined;
  if (typeof v[key] !== 'string') throw bad(`${what}: "${key}" must be a string`);
  return v[key] as string;
}

/** The header value: `summary` (required), `description`, `parentCommit` (hex, 7 to 64 digits). */
export function parseHeader(value: unknown): CommitHeader {
  const v = object(value, 'the commit header');
  const summary = optionalString(v, 'summary', 'the commit header') ?? '';
  const description = optionalString(v, 'description', 'the commit header') ?? '';
  const parentCommit = optionalString(v, 'parentCommit', 'the commit header');
  if (summary.trim() === '') throw bad('the commit header needs a non-empty "summary" (the commit title)');
  if (summary.includes('\0') || description.includes('\0')) throw bad('the commit message may not contain NUL characters');
  if (parentCommit !== undefined && !/^[0-9a-f]{7,64}$/.test(parentCommit)) throw bad(`"parentCommit" ${JSON.stringify(parentCommit.slice(0, 80))} is not a commit id`);
  return parentCommit === undefined ? { summary, description } : { summary, description, parentCommit };
}

const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code > 127 && /\s/.test(String.fromCharCode(code)));
}

/**
 * Whether `text` is base64: alphabet characters and white space, then at most two `=`, then
 * white space. One pass: the regular expression this replaced backtracked quadratically on
 * `"A" + 60,000 spaces + "!"` (issue 11).
 */
export function isBase64(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if ((c < 128 && BASE64_CHAR[c] === 1) || isSpace(c)) i++;
    else break;
  }
  for (let pad = 0; pad < 2 && text.charCodeAt(i) === 0x3d; pad++) i++;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i === text.length;
}

function decodeContent(v: Record<string, unknown>, what: string): Buffer {
  const content = v.content;
  if (typeof content !== 'string') throw bad(`${what}: "content" must be a string`);
  const encoding = v.encoding ?? 'utf-8';
  if (encoding === 'base64') {
    if (!isBase64(content)) throw bad(`${what}: "content" is not valid base64`);
    return Buffer.from(content, 'base64');
  }
  if (encoding === 'utf-8' || encoding === 'utf8') return Buffer.from(content, 'utf8');
  throw bad(`${what}: unknown encoding ${JSON.stringify(encoding)} (expected "base64" or "utf-8")`);
}

/** One operation from its key and value; `where` prefixes messages (e.g. "line 3"). */
export function parseOperation(key: unknown, value: unknown, where: string): CommitOperation {
  const v = object(value, `${where}: the value`);
  if (key === 'header') throw bad(`${where}: only the first line may be the header`);
  if (v.oldPath !== undefined) throw bad(`${where}: "oldPath" (moving a file) is not supported by this server`);
  if (key === 'file') {
    const path = checkRepoPath(v.path, `${where}: path`);
    return { key, path, content: decodeContent(v, `${where} (${path})`) };
  }
  if (key === 'lfsFile') {
    const path = checkRepoPath(v.path, `${where}: path`);
    if (v.algo !== undefined && v.algo !== 'sha256') throw bad(`${where} (${path}): unsupported "algo" ${JSON.stringify(v.algo)} (only sha256)`);
    if (typeof v.oid !== 'string' || !OID_RE.test(v.oid)) throw bad(`${where} (${path}): "oid" must be 64 lowercase hex digits`);
    if (v.size !== undefined && v.size !== null && !(Number.isSafeInteger(v.size) && (v.size as number) >= 0)) throw bad(`${where} (${path}): "size" must be a non-negative integer`);
    return typeof v.size === 'number' ? { key, path, oid: v.oid, size: v.size } : { key, path, oid: v.oid };
  }
  if (key === 'deletedFile') return { key, path: checkRepoPath(v.path, `${where}: path`) };
  if (key === 'deletedFolder') {
    const raw = typeof v.path === 'string' ? v.path.replace(/\/$/, '') : v.path;
    return { key, path: checkRepoPath(raw, `${where}: path`) };
  }
  throw bad(`${where}: unknown key ${JSON.stringify(key)} (expected file, lfsFile, deletedFile or deletedFolder)`);
}

/** The JSON form: a header and the operations (files, then LFS files, then deletions). */
export function parseJsonPayload(body: unknown): CommitPayload {
  const b = object(body, 'the commit payload');
  const header = parseHeader(b);
  const operations: CommitOperation[] = [];
  const lists: Array<[string, CommitOperation['key']]> = [['files', 'file'], ['lfsFiles', 'lfsFile'], ['deletedFiles', 'deletedFile'], ['deletedEntries', 'deletedFile'], ['deletedFolders', 'deletedFolder']];
  for (const [name, key] of lists) {
    const list = b[name];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw bad(`"${name}" must be an array`);
    list.forEach((value, i) => operations.push(parseOperation(key, value, `${name}[${i}]`)));
  }
  if (operations.length > MAX_OPERATIONS) throw new HttpError(413, `too many operations in one commit (limit ${MAX_OPERATIONS})`);
  return { header, operations };
}

/** Parses and stages one NDJSON line (hf-commit-stage.ts `stageLine`, on a worker for long lines). */
export type LineStager = (line: Buffer, lineNo: number, first: boolean) => Promise<StagedLine>;

/**
 * Reads an NDJSON body line by line (memory bounded by the longest line), staging each line with
 * `stage` and handing each operation to `onOperation` in order; resolves with the header. 400
 * on malformed JSON, a missing or misplaced header, or an empty payload; 413 past the limits.
 */
export async function readNdjsonPayload(req: IncomingMessage, stage: LineStager, onOperation: (op: StagedOperation) => void | Promise<void>): Promise<CommitHeader> {
  let header: CommitHeader | undefined;
  let count = 0;
  let lineNo = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const breather = new Breather();
  const take = async (line: Buffer) => {
    await breather.breathe(); // thousands of small lines arrive in one chunk: let other requests in
    lineNo++;
    const staged = await stage(line, lineNo, header === undefined);
    if ('blank' in staged) return;
    if ('header' in staged) {
      header = staged.header;
      return;
    }
    if (++count > MAX_OPERATIONS) throw new HttpError(413, `too many operations in one commit (limit ${MAX_OPERATIONS})`);
    await onOperation(staged.op);
  };
  for await (const chunk of bodyChunks(req)) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      if (line.length > MAX_LINE_BYTES) throw new HttpError(413, `line ${lineNo + 1} is longer than ${MAX_LINE_BYTES} bytes`);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      await take(line);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) throw new HttpError(413, `line ${lineNo + 1} is longer than ${MAX_LINE_BYTES} bytes`);
    }
  }
  if (pending.length > 0) await take(Buffer.concat(pending));
  if (header === undefined) throw bad('the commit payload is empty: expected a header line');
  return header;
}

/** The commit message: the summary, then a blank line and the description when there is one. */
export function commitMessage(header: CommitHeader): string {
  const summary = header.summary.trim();
  const description = header.description.trim();
  return description === '' ? `${summary}\n` : `${summary}\n\n${description}\n`;
}

/** An operation whose file content already waits on disk in the commit's work directory. */
export type StagedOperation =
  | {
      key: 'file';
      path: string;
      tmp: string;
      size: number;
      /** The pointer the content is, when git-lfs and hub both read it as one. */
      pointer?: { oid: string; size: number };
      /** Why the content may not be committed: git-lfs and hub read it differently (lfs-pointer-reading.ts). */
      ambiguous?: string;
    }
  | Exclude<CommitOperation, { key: 'file' }>;

/** What one NDJSON line held: the header (the first line), an operation, or nothing (a blank line). */
export type StagedLine = { header: CommitHeader } | { op: StagedOperation } | { blank: true };
