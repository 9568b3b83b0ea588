/**
 * Row-level helpers of the table diff: hashing the chosen cells of a row, showing a row, the
 * cells that differ between two rows, and the duplicate-key log.
 */
import { canonicalJson } from '../formats/tabular/canonical-json.js';
import type { JsonValue } from '../formats/tabular/column-type.js';
import type { RowHasher } from './row-hash.js';
import type { RowMatcher } from './row-matcher.js';
import type { TableCellChange, TableDuplicateKeys } from './table-diff-types.js';
import type { ComparePlan } from './table-schema.js';

/** Hashes cells `at` of `row` (-1: a column the file lacks) into out[0..4). */
export function hashCells(hasher: RowHasher, row: JsonValue[], at: number[], out: Uint32Array): void {
  for (let i = 0; i < at.length; i++) {
    const c = at[i];
    if (c < 0) hasher.cell(null, true);
    else hasher.cell(row[c]);
  }
  hasher.digest(out, 0);
}

/** A row's cells by column name, in column order. */
export function rowValues(names: string[], row: JsonValue[]): Record<string, JsonValue> {
  return Object.fromEntries(names.map((name, i) => [name, row[i] ?? null]));
}

/** Whether two cells are the same value (strings as text, other values as canonical JSON). */
function sameCell(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a === 'string' || typeof b === 'string') return false;
  return canonicalJson(a) === canonicalJson(b);
}

/** The compared cells that differ between row `a` of A and row `b` of B. */
export function cellChanges(plan: ComparePlan, a: JsonValue[], b: JsonValue[]): TableCellChange[] {
  const changes: TableCellChange[] = [];
  plan.compared.forEach((column, i) => {
    const ca = plan.a.compared[i] < 0 ? null : (a[plan.a.compared[i]] ?? null);
    const cb = plan.b.compared[i] < 0 ? null : (b[plan.b.compared[i]] ?? null);
    if (!sameCell(ca, cb)) changes.push({ column, a: ca, b: cb });
  });
  return changes;
}

/** Collects the keys of one file seen a second time: a count and the first `limit` examples. */
export class DuplicateKeyLog {
  private count = 0;
  private readonly examples: { hash: Uint32Array; key: Record<string, JsonValue> }[] = [];

  constructor(
    private readonly limit: number,
    private readonly names: string[],
    private readonly at: number[],
  ) {}

  /** Notes a key (hash and the row holding it) at its second occurrence. */
  note(hash: Uint32Array, row: JsonValue[]): void {
    if (this.count++ < this.limit) {
      this.examples.push({ hash: hash.slice(), key: Object.fromEntries(this.names.map((k, i) => [k, row[this.at[i]] ?? null])) });
    }
  }

  /** The warning, with each example's final number of occurrences in file `side`. */
  result(matcher: RowMatcher, side: 'a' | 'b'): TableDuplicateKeys {
    return {
      count: this.count,
      examples: this.examples.map((e) => ({ key: e.key, occurrences: matcher.occurrences(e.hash, 0)[side] })),
    };
  }
}
