/**
 * LFS object ids: the SHA-256 of a file's content as 64 lowercase hex digits. `isOid` checks
 * the stored form; `parseOid` is for oids typed by a user, so it is lenient about case and the
 * `sha256:` prefix and throws a UsageError (exit code 2) for anything else.
 */
import { UsageError } from '../errors.js';
import { quoteValue } from './quote-value.js';

const OID_RE = /^[0-9a-f]{64}$/;
const USER_OID_RE = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/** True when `s` is an oid in stored form: exactly 64 lowercase hex digits. */
export function isOid(s: string): boolean {
  return OID_RE.test(s);
}

/** Parses a user-supplied oid (64 hex digits in any case, optionally `sha256:`-prefixed) into stored form. */
export function parseOid(s: string): string {
  const m = USER_OID_RE.exec(s);
  if (m === null) {
    throw new UsageError(
      `invalid oid ${quoteValue(s)}: expected 64 hex digits, optionally prefixed with 'sha256:'`,
      { data: { value: s.slice(0, 80) } },
      'bad_oid',
    );
  }
  return m[1].toLowerCase();
}
