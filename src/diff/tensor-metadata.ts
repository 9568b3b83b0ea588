/**
 * Metadata of tensor files as JSON, and the diff of two metadata maps. Values compare by their
 * full JSON; in the output a value whose JSON is long (a GGUF vocabulary of 150k tokens) is
 * replaced by a summary and the SHA-256 of its JSON, so the two sides of a change can still be
 * told apart without printing megabytes.
 */
import { sha256Hex } from '../hash/sha256.js';
import type { GgufValue } from '../formats/gguf.js';
import { byName, examples, type JsonValue, type MetadataChange, type MetadataDiff, type MetadataEntry } from './tensor-diff-types.js';

/** Values whose JSON is longer than this many characters are summarised in the output. */
export const MAX_SHOWN_VALUE = 1024;

/** A GGUF value as JSON: 64-bit integers as numbers when exact, else as decimal strings; NaN and ±Infinity as null. */
export function ggufMetadataJson(value: GgufValue): JsonValue {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(ggufMetadataJson);
  return value;
}

/** How a value appears in the output: itself, or a summary when its JSON is long. */
function shown(value: JsonValue, json: string): JsonValue {
  if (json.length <= MAX_SHOWN_VALUE) return value;
  const what = Array.isArray(value)
    ? `array of ${value.length} items`
    : typeof value === 'string'
      ? `string of ${value.length} characters`
      : `object of ${Object.keys(value ?? {}).length} keys`;
  return { summary: what, sha256: sha256Hex(new TextEncoder().encode(json)) };
}

/** The metadata changes from `a` to `b` (either may be empty), lists cut to `limit`. */
export function diffMetadata(a: ReadonlyMap<string, JsonValue>, b: ReadonlyMap<string, JsonValue>, limit: number): MetadataDiff {
  const added: MetadataEntry[] = [];
  const removed: MetadataEntry[] = [];
  const changed: MetadataChange[] = [];
  let unchanged = 0;
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort(byName);
  for (const key of keys) {
    const va = a.get(key);
    const vb = b.get(key);
    if (va === undefined && vb !== undefined) added.push({ key, value: shown(vb, JSON.stringify(vb)) });
    else if (vb === undefined && va !== undefined) removed.push({ key, value: shown(va, JSON.stringify(va)) });
    else if (va !== undefined && vb !== undefined) {
      const ja = JSON.stringify(va);
      const jb = JSON.stringify(vb);
      if (ja === jb) unchanged++;
      else changed.push({ key, a: shown(va, ja), b: shown(vb, jb) });
    }
  }
  return { added: examples(added, limit), removed: examples(removed, limit), changed: examples(changed, limit), unchanged };
}
