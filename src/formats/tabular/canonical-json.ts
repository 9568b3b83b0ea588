/**
 * One text per JSON value, so that equal values compare equal however they were written:
 * object keys sorted, numbers in JavaScript's shortest form (`1.0` and `1` are the same number).
 */
import type { JsonValue } from './column-type.js';

/** The canonical JSON text of `value` (JSON.stringify with object keys sorted at every level). */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}
