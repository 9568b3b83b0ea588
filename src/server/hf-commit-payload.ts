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
 * `..` component, no `.git` component (any case), no control character, at most 4096 bytes.
 */
import type { IncomingMessage } from 'node:http';
import { hfError } from './hf-access.js';
import { HttpError } from './http-util.js';

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

/** The longest NDJSON line (a base64 file of about 48 MiB). */
export const MAX_LINE_BYTES = 64 << 20;
/** The most operations one commit may hold. */
export const MAX_OPERATIONS = 100_000;
const MAX_PATH_BYTES = 4096;
const OID_RE = /^[0-9a-f]{64}$/;
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
const BASE64_RE = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

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
    if (part.toLowerCase() === '.git') throw bad(`invalid ${what} ${shown}: '.git' components are not allowed`);
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

function decodeContent(v: Record<string, unknown>, what: string): Buffer {
  const content = v.content;
  if (typeof content !== 'string') throw bad(`${what}: "content" must be a string`);
  const encoding = v.encoding ?? 'utf-8';
  if (encoding === 'base64') {
    if (!BASE64_RE.test(content)) throw bad(`${what}: "content" is not valid base64`);
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

/**
 * Reads an NDJSON body line by line (memory bounded by the longest line), calling `onOperation`
 * for each operation as it arrives; resolves with the header. 400 on malformed JSON, a missing
 * or misplaced header, or an empty payload; 413 past the limits.
 */
export async function readNdjsonPayload(req: IncomingMessage, onOperation: (op: CommitOperation) => Promise<void>): Promise<CommitHeader> {
  let header: CommitHeader | undefined;
  let count = 0;
  let lineNo = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const take = async (line: Buffer) => {
    lineNo++;
    const text = line.toString('utf8').trim();
    if (text === '') return;
    let item: { key?: unknown; value?: unknown };
    try {
      item = JSON.parse(text);
    } catch {
      throw bad(`line ${lineNo}: not valid JSON`);
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad(`line ${lineNo}: expected a {"key", "value"} object`);
    if (header === undefined) {
      if (item.key !== 'header') throw bad(`line ${lineNo}: the first line must be the header ({"key": "header", ...})`);
      header = parseHeader(item.value);
      return;
    }
    if (++count > MAX_OPERATIONS) throw new HttpError(413, `too many operations in one commit (limit ${MAX_OPERATIONS})`, { Connection: 'close' });
    await onOperation(parseOperation(item.key, item.value, `line ${lineNo}`));
  };
  for await (const chunk of req as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      await take(line);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) throw new HttpError(413, `line ${lineNo + 1} is longer than ${MAX_LINE_BYTES} bytes`, { Connection: 'close' });
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
