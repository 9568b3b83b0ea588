/**
 * Column types of tables (CSV, TSV, JSON Lines, Parquet) in one vocabulary, so that a schema
 * diff can say "integer -> number" whatever the format. CSV and TSV types are inferred from the
 * text of every cell; JSON Lines types from the JSON kind of every value; Parquet types come
 * from the file's schema (see parquet-schema.ts).
 */

/** A JSON value: what a table cell is in memory and in `--json` output. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A column type. `null`: every cell is empty or null. `mixed`: JSON Lines values of different
 * kinds. `bytes`, `date`, `time`, `timestamp`, `decimal`: only from a Parquet schema.
 */
export type ColumnType =
  | 'null'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'string'
  | 'array'
  | 'object'
  | 'mixed'
  | 'bytes'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'decimal';

/** A named, typed column. */
export interface Column {
  name: string;
  type: ColumnType;
}

const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_RE = /^(?:true|false)$/i;

/**
 * The type of one CSV/TSV cell's text: empty is `null`; then integer, number (decimal or
 * exponent notation; `NaN` and `inf` stay strings, they are too often names), boolean
 * (`true`/`false` in any case), else string.
 */
export function csvCellType(text: string): ColumnType {
  if (text === '') return 'null';
  const first = text.charCodeAt(0);
  // a cheap first-character test keeps the regular expressions off most string cells
  const numeric = (first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46;
  if (numeric) {
    if (INTEGER_RE.test(text)) return 'integer';
    if (NUMBER_RE.test(text)) return 'number';
  }
  if ((first === 116 || first === 84 || first === 102 || first === 70) && BOOLEAN_RE.test(text)) return 'boolean';
  return 'string';
}

/** The type of one JSON value (integers are numbers without a fractional part). */
export function jsonValueType(value: JsonValue | undefined): ColumnType {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'string':
      return 'string';
    default:
      return Array.isArray(value) ? 'array' : 'object';
  }
}

/**
 * The narrowest type holding values of types `a` and `b`: `null` gives way to anything, integer
 * widens to number, and any other mix becomes `fallback` (`string` for CSV text, where every
 * cell is text anyway; `mixed` for JSON values).
 */
export function widenType(a: ColumnType, b: ColumnType, fallback: 'string' | 'mixed'): ColumnType {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  return fallback;
}

/** Accumulates the type of each column of a table from the type of every cell. */
export class ColumnTypeTracker {
  private readonly types: ColumnType[];

  /** Starts with every one of `count` columns typed `null` (no value seen yet). */
  constructor(
    count: number,
    private readonly fallback: 'string' | 'mixed',
  ) {
    this.types = new Array<ColumnType>(count).fill('null');
  }

  /** Adds cell `index` of type `type`. */
  add(index: number, type: ColumnType): void {
    const current = this.types[index];
    if (current !== type && current !== this.fallback) this.types[index] = widenType(current, type, this.fallback);
  }

  /** Whether column `index` has reached the fallback type (further cells cannot change it). */
  settled(index: number): boolean {
    return this.types[index] === this.fallback;
  }

  /** The types so far, one per column. */
  result(): ColumnType[] {
    return [...this.types];
  }
}
