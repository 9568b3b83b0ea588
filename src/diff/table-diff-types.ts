/**
 * The result of a table diff (`table` of a file in `hub diff --json`): plain JSON, documented
 * field by field, since scripts and CI read it.
 */
import type { Column, ColumnType, JsonValue } from '../formats/tabular/column-type.js';
import type { TableFormat } from './table-reader.js';

/** A row as shown: its 1-based data-row number in its file (the header is not a row) and its cells. */
export interface TableRow {
  /** 1-based position among the data rows of its file. */
  row: number;
  /** Every cell of the row by column name, in the file's column order. */
  values: Record<string, JsonValue>;
}

/** Rows of one kind: the exact count, and the first examples in file order. */
export interface TableRowList {
  /** How many rows, exactly. */
  count: number;
  /** At most `limit` of them, the first in file order. */
  examples: TableRow[];
}

/** One cell that differs between two paired rows. */
export interface TableCellChange {
  /** The column's name. */
  column: string;
  /** The cell in A. */
  a: JsonValue;
  /** The cell in B. */
  b: JsonValue;
}

/** A row of A and a row of B with the same key and a different value in some compared column. */
export interface TableModifiedRow {
  /** The key cells by key column name. */
  key: Record<string, JsonValue>;
  /** 1-based data-row number in A. */
  rowA: number;
  /** 1-based data-row number in B. */
  rowB: number;
  /** The compared columns whose cells differ, in compared-column order. */
  cells: TableCellChange[];
}

/** Modified rows: the exact count and the first examples in B's file order. */
export interface TableModifiedRows {
  /** How many pairs of rows differ, exactly. */
  count: number;
  /** At most `limit` of them, the first in B's file order. */
  examples: TableModifiedRow[];
}

/** A key value that occurs on more than one row of one file. */
export interface TableDuplicateKey {
  /** The key cells by key column name. */
  key: Record<string, JsonValue>;
  /** How many rows of the file have this key. */
  occurrences: number;
}

/** The duplicate-key warning of one file. */
export interface TableDuplicateKeys {
  /** How many distinct key values occur more than once. */
  count: number;
  /** At most `limit` of them, in the order their second occurrence appears in the file. */
  examples: TableDuplicateKey[];
}

/** A column whose type differs between A and B. */
export interface TableTypeChange {
  /** The column's name. */
  column: string;
  /** Its type in A. */
  a: ColumnType;
  /** Its type in B. */
  b: ColumnType;
}

/** How the columns changed. Columns are matched by name. */
export interface TableSchemaDiff {
  /** A's columns in A's order (empty for an absent or zero-byte file). */
  a: Column[];
  /** B's columns in B's order. */
  b: Column[];
  /** Columns of B that A lacks, in B's order. */
  added: Column[];
  /** Columns of A that B lacks, in A's order. */
  removed: Column[];
  /** Columns in both whose type differs, in A's order (`null`, no value seen, differs from nothing). */
  typeChanged: TableTypeChange[];
  /** Whether the columns both files have appear in a different relative order (see `a` and `b`). */
  reordered: boolean;
}

/**
 * What changed between two versions of a table.
 *
 * Rows are compared on `comparedColumns`, by name, so reordering columns changes no row:
 * - without a key, on every column both files have (an added or removed column is a schema change,
 *   not a change of every row); when they share no column, on all columns of both, so every row
 *   differs. Rows are a multiset: equal rows pair up in file order, and what is left over in A is
 *   removed and in B added (a row twice in A and once in B is one removed row).
 * - with a key, rows pair by the key columns' cells; a pair is modified when a compared column
 *   (a column both files have, other than the key) differs. Keys only in A are removed rows, only
 *   in B added. A key on several rows pairs its rows in file order, the surplus being removed or
 *   added, and is reported in `duplicateKeys`.
 * Cells compare as text for CSV and TSV (`1.0` differs from `1`) and as JSON values for JSON
 * Lines and Parquet (`1.0` equals `1`; object keys in any order); a JSON Lines key missing from a
 * row is null.
 */
export interface TableDiff {
  /** The format both files were read as. */
  format: TableFormat;
  /** The key columns rows were paired by, or null for a keyless (multiset) diff. */
  key: string[] | null;
  /** The key was not given but detected: the first of the leading columns unique and never empty in both files. */
  keyDetected: boolean;
  /** The columns rows were compared on (see above), in A's order then B's. */
  comparedColumns: string[];
  /** The most examples any list holds. */
  limit: number;
  /** True when neither the schema nor any row changed. */
  identical: boolean;
  /** Column changes. */
  schema: TableSchemaDiff;
  /** How many data rows each file has (the header is not a row). */
  rows: { a: number; b: number };
  /** Rows of A paired with an equal row of B. */
  unchanged: number;
  /** Rows of B paired with no row of A. */
  added: TableRowList;
  /** Rows of A paired with no row of B. */
  removed: TableRowList;
  /** Paired rows with different cells; null without a key. */
  modified: TableModifiedRows | null;
  /** Keys on more than one row, per file; null without a key. */
  duplicateKeys: { a: TableDuplicateKeys; b: TableDuplicateKeys } | null;
}
