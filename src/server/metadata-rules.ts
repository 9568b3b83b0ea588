/**
 * The rules every metadata store applies before it touches its database (metadata.ts for SQLite,
 * metadata-pg/ for PostgreSQL), so both accept and refuse exactly the same input with the same
 * errors: what a name, an oid, a size and a token label may be, how a token is made and hashed,
 * and the errors for things that do not exist or are taken.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, UsageError } from '../errors.js';
import { sha256Hex } from '../hash/sha256.js';
import type { RepoType } from './metadata-types.js';

/** What a user, owner or repository name may look like (the Hugging Face Hub's rule). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const OID_RE = /^[0-9a-f]{64}$/;
const MAX_LABEL = 256;
/** Longer strings cannot be tokens; they are not even hashed. */
const MAX_TOKEN = 1024;

/** Throws UsageError `bad_name` unless `name` matches NAME_RE. */
export function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new UsageError(`bad ${what} name: ${JSON.stringify(name)} (1-96 letters, digits, '.', '_' or '-', starting with a letter or digit)`, { data: { name } }, 'bad_name');
  }
}

/** Throws UsageError `bad_name` unless `name` may name a repository. */
export function checkRepoName(name: string): void {
  checkName(name, 'repository');
  // `/<owner>/<name>.git` is how clients name the repository: `x.git` would be ambiguous
  if (/\.git$/i.test(name)) throw new UsageError(`bad repository name: ${JSON.stringify(name)} (may not end in .git)`, { data: { name } }, 'bad_name');
}

/** Throws UsageError `bad_repo_type` unless `type` is a repository type. */
export function checkType(type: string): asserts type is RepoType {
  if (type !== 'model' && type !== 'dataset') throw new UsageError(`bad repository type: ${JSON.stringify(type)} (model or dataset)`, { data: { type } }, 'bad_repo_type');
}

/** Whether `name` could name something (a look-up of anything else finds nothing, without a query). */
export function isName(name: unknown): name is string {
  return typeof name === 'string' && NAME_RE.test(name);
}

/** Throws UsageError `bad_label` unless `label` may label a token. */
export function checkLabel(label: string | undefined): void {
  if (label !== undefined && (typeof label !== 'string' || label.length > MAX_LABEL || /[\u0000-\u001f\u007f]/.test(label))) {
    throw new UsageError(`bad token label (at most ${MAX_LABEL} characters, no control characters)`, {}, 'bad_label');
  }
}

/** Throws UsageError `bad_oid` or `bad_size` unless `oid` and `size` may name an object. */
export function checkObject(oid: string, size: number): void {
  if (typeof oid !== 'string' || !OID_RE.test(oid)) throw new UsageError(`bad object id: ${JSON.stringify(oid)} (64 lowercase hex digits)`, { data: { oid } }, 'bad_oid');
  if (!Number.isSafeInteger(size) || size < 0) throw new UsageError(`bad object size: ${size}`, { data: { oid, size } }, 'bad_size');
}

/** A new token and the hash that is stored instead of it. */
export function newToken(): { token: string; hash: string } {
  // `hf_` like Hugging Face tokens: the HF clients refuse a token without that prefix
  const token = `hf_${randomBytes(32).toString('base64url')}`;
  return { token, hash: tokenHash(token) };
}

/** The stored hash of `token`, or undefined when `token` cannot be one. */
export function presentedTokenHash(token: string): string | undefined {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN) return undefined;
  return tokenHash(token);
}

function tokenHash(token: string): string {
  return sha256Hex(Buffer.from(token, 'utf8'));
}

/** NotFoundError `user_not_found`. */
export function userNotFound(name: string): NotFoundError {
  return new NotFoundError(`user not found: ${name}`, { data: { name } }, 'user_not_found');
}

/** NotFoundError `repo_not_found`. */
export function repoNotFound(id: number): NotFoundError {
  return new NotFoundError(`repository not found: #${id}`, { data: { id } }, 'repo_not_found');
}

/** NotFoundError `token_not_found`. */
export function tokenNotFound(id: number): NotFoundError {
  return new NotFoundError(`token not found: ${id}`, { data: { id } }, 'token_not_found');
}

/** ConflictError `repo_exists` for `owner/name` (the owner's stored spelling). */
export function repoExists(type: RepoType, owner: string, name: string): ConflictError {
  const full = `${type === 'dataset' ? 'datasets/' : ''}${owner}/${name}`;
  return new ConflictError(`repository already exists: ${full}`, { data: { type, owner, name } }, 'repo_exists');
}
