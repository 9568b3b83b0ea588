/**
 * The column side of a table diff: what changed in the schema, and which cells of each file's
 * rows make up the key and the compared values (the rules are in TableDiff's TSDoc).
 */
import { FormatError } from '../errors.js';
import type { Column } from '../formats/tabular/column-type.js';
import type { TableSchemaDiff } from './table-diff-types.js';

/**
 * Column changes from A's columns to B's, matched by name. A column typed `null` (no value but
 * empty or null, e.g. in a header-only file) has no known type, so it is never a type change.
 */
export function diffSchemas(a: Column[], b: Column[]): TableSchemaDiff {
  const inA = new Map(a.map((c) => [c.name, c]));
  const inB = new Map(b.map((c) => [c.name, c]));
  const commonA = a.filter((c) => inB.has(c.name)).map((c) => c.name);
  const commonB = b.filter((c) => inA.has(c.name)).map((c) => c.name);
  return {
    a,
    b,
    added: b.filter((c) => !inA.has(c.name)),
    removed: a.filter((c) => !inB.has(c.name)),
    typeChanged: a.flatMap((c) => {
      const other = inB.get(c.name);
      const changed = other && other.type !== c.type && c.type !== 'null' && other.type !== 'null';
      return changed ? [{ column: c.name, a: c.type, b: other.type }] : [];
    }),
    reordered: commonA.some((name, i) => commonB[i] !== name),
  };
}

/** Where the key and compared cells sit in one file's rows (-1: the file lacks the column). */
export interface RowLayout {
  key: number[];
  compared: number[];
}

/** The compared columns and each file's row layout. */
export interface ComparePlan {
  key: string[] | null;
  compared: string[];
  a: RowLayout;
  b: RowLayout;
}

/** Throws the FormatError for a key column `file` lacks (files without columns are exempt). */
function checkKey(file: string, names: string[], key: string[]): void {
  if (names.length === 0) return;
  const missing = key.find((k) => !names.includes(k));
  if (missing !== undefined) {
    throw new FormatError(`${file}: key column ${JSON.stringify(missing)} not found (columns: ${names.join(', ')})`, { data: { file, column: missing } }, 'bad_table_key');
  }
}

/** Plans the comparison of files named `fileA`/`fileB` with columns `a`/`b`, by `key` if given. */
export function planComparison(fileA: string, a: string[], fileB: string, b: string[], key: string[] | undefined): ComparePlan {
  const keyed = key !== undefined && key.length > 0;
  if (keyed) {
    checkKey(fileA, a, key);
    checkKey(fileB, b, key);
  }
  const keySet = new Set(keyed ? key : []);
  const inB = new Set(b);
  let compared = a.filter((c) => inB.has(c) && !keySet.has(c));
  if (!keyed && compared.length === 0) compared = [...a, ...b.filter((c) => !a.includes(c))];
  const layout = (names: string[]): RowLayout => ({
    key: keyed ? key.map((k) => names.indexOf(k)) : [],
    compared: compared.map((c) => names.indexOf(c)),
  });
  return { key: keyed ? [...key] : null, compared, a: layout(a), b: layout(b) };
}
