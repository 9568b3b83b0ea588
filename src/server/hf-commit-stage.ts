/**
 * Turning the parts of a Hugging Face commit payload into staged operations: JSON parsed (with
 * the limits of json-scan.ts), checked (hf-commit-payload.ts), and each file's content decoded
 * and written to a file of the commit's work directory, so that only paths and small facts stay
 * in memory. This is O(body) work: the server runs it on a worker thread for anything but small
 * pieces (work-jobs.ts), so a 14 MB NDJSON line is parsed and base64-decoded off the event loop.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyBlob, GIT_LFS_READ_BYTES } from '../formats/lfs-pointer-reading.js';
import { hfError } from './hf-access.js';
import { parseHeader, parseJsonPayload, parseOperation, type CommitHeader, type CommitOperation, type StagedLine, type StagedOperation } from './hf-commit-payload.js';
export type { StagedLine, StagedOperation };
import { parseJsonBody } from './json-scan.js';


/** Limits of one NDJSON line or small JSON piece: it holds one operation. */
const LINE_LIMITS = { maxDepth: 16, maxValues: 1000 };

/** Writes `content` to `tmp` (which must not exist) and stages it as the file `path`. */
export async function stageFile(path: string, content: Buffer, tmp: string): Promise<StagedOperation> {
  await writeFile(tmp, content, { flag: 'wx' });
  const kind = classifyBlob(content.subarray(0, GIT_LFS_READ_BYTES), content.length);
  const staged: StagedOperation = { key: 'file', path, tmp, size: content.length };
  if (kind.kind === 'pointer') staged.pointer = { oid: kind.oid, size: kind.size };
  if (kind.kind === 'ambiguous') staged.ambiguous = kind.reason;
  return staged;
}

/** Stages a parsed operation: a file's content goes to `tmp`, other operations pass through. */
export async function stageOperation(op: CommitOperation, tmp: string): Promise<StagedOperation> {
  return op.key === 'file' ? stageFile(op.path, op.content, tmp) : op;
}


/** Parses NDJSON line `lineNo` (`first`: no header seen yet) and stages its operation, the content to `tmp`. */
export async function stageLine(line: Uint8Array, lineNo: number, first: boolean, tmp: string): Promise<StagedLine> {
  let item: { key?: unknown; value?: unknown };
  try {
    if (isBlank(line)) return { blank: true };
    item = parseJsonBody(line, { ...LINE_LIMITS, maxDepth: LINE_LIMITS.maxDepth }) as typeof item;
  } catch {
    throw hfError(400, 'BadRequest', `line ${lineNo}: not valid JSON (or nested too deep)`);
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw hfError(400, 'BadRequest', `line ${lineNo}: expected a {"key", "value"} object`);
  if (first) {
    if (item.key !== 'header') throw hfError(400, 'BadRequest', `line ${lineNo}: the first line must be the header ({"key": "header", ...})`);
    return { header: parseHeader(item.value) };
  }
  return { op: await stageOperation(parseOperation(item.key, item.value, `line ${lineNo}`), tmp) };
}

function isBlank(line: Uint8Array): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false;
  return true;
}

/** Limits of whole JSON payloads (a commit of up to 100,000 operations, a repository creation). */
const BODY_LIMITS = { maxDepth: 16, maxValues: 1_000_000 };

/** Parses a JSON commit payload and stages its operations, contents to `<workDir>/json-<i>`. */
export async function stageJsonPayload(body: Uint8Array, workDir: string): Promise<{ header: CommitHeader; operations: StagedOperation[] }> {
  const payload = parseJsonPayload(parseJsonBody(body, BODY_LIMITS));
  const operations: StagedOperation[] = [];
  for (const [i, op] of payload.operations.entries()) operations.push(await stageOperation(op, join(workDir, `json-${i}`)));
  return { header: payload.header, operations };
}

/** The fields of `POST /api/repos/create` hub reads (strings and booleans only; anything else is dropped). */
export interface CreateFields {
  name?: unknown;
  organization?: unknown;
  type?: unknown;
  private?: unknown;
  visibility?: unknown;
}

/** Parses a repository-creation body and stages its inline `files`, contents to `<workDir>/create-<i>`. */
export async function stageCreateBody(body: Uint8Array, workDir: string): Promise<{ fields: CreateFields; operations: StagedOperation[] }> {
  const b = (parseJsonBody(body, BODY_LIMITS) ?? {}) as Record<string, unknown>;
  if (typeof b !== 'object' || Array.isArray(b)) throw hfError(400, 'BadRequest', 'the request body must be a JSON object');
  const fields: CreateFields = {};
  for (const key of ['name', 'organization', 'type', 'private', 'visibility'] as const) {
    const v = b[key];
    if (v === null || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 1024)) fields[key] = v;
    else if (v !== undefined) fields[key] = typeof v;
  }
  if (b.files !== undefined && b.files !== null && !Array.isArray(b.files)) throw hfError(400, 'BadRequest', '"files" must be an array');
  const operations: StagedOperation[] = [];
  for (const [i, f] of ((b.files as unknown[] | undefined) ?? []).entries()) {
    operations.push(await stageOperation(parseOperation('file', f, `files[${i}]`), join(workDir, `create-${i}`)));
  }
  return { fields, operations };
}
