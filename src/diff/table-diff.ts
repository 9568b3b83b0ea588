/**
 * Table diff (DESIGN.md §7): schema changes, rows added and removed as a multiset of row hashes,
 * and with a key, modified rows with their changed cells and duplicate-key warnings. The rules
 * are in TableDiff's TSDoc; this module runs the passes:
 *
 * 1. A: hash every row (key and value hashes with a key, the compared cells without) into a
 *    RowMatcher: fixed-size hashes in typed arrays, never the rows.
 * 2. B: hash every row and pair it with a row of A; added rows and modified pairs are known here,
 *    so the first `limit` of each are kept from B as they pass.
 * 3. A again, only when there are removed rows or modified pairs to show, and only until the first
 *    `limit` removed rows and the A side of the kept modified pairs have been seen.
 *
 * Memory is bounded by the number of rows (RowMatcher) plus a batch of rows and 3 × `limit`
 * example rows, not by the size of the files.
 */
import { UsageError } from '../errors.js';
import type { Column, JsonValue } from '../formats/tabular/column-type.js';
import type { ByteSource } from './byte-source.js';
import type { TableDiff, TableModifiedRow, TableRow } from './table-diff-types.js';
import { cellChanges, DuplicateKeyLog, hashCells, rowValues } from './table-rows.js';
import { RowHasher } from './row-hash.js';
import { RowMatcher } from './row-matcher.js';
import { detectKeyColumn } from './table-key-detect.js';
import { openTable, type TableFormat, type TableReader } from './table-reader.js';
import { diffSchemas, planComparison, type ComparePlan } from './table-schema.js';

// The result types and the format name, so that callers need import this module only.
export type { TableFormat } from './table-reader.js';
export type * from './table-diff-types.js';

/** Options of diffTables. */
export interface TableDiffOptions {
  /** How both files are read. */
  format: TableFormat;
  /** Key columns: pair rows by these, report modified rows and duplicate keys (absent or empty: no key). */
  key?: string[];
  /** Without `key`: look for a unique, never-empty column of both files and use it (table-key-detect.ts). */
  detectKey?: boolean;
  /** The most examples each list keeps (a non-negative integer). */
  limit: number;
}

/** A modified pair kept as an example until pass 3 finds its row of A. */
interface PendingModified {
  rowA: number;
  rowB: number;
  cellsB: JsonValue[];
  cellsA?: JsonValue[];
}

/** Compares two versions of a table; `a` or `b` undefined is an absent file (an empty table). */
export async function diffTables(a: ByteSource | undefined, b: ByteSource | undefined, opts: TableDiffOptions): Promise<TableDiff> {
  const { limit } = opts;
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`the example limit must be a non-negative integer, not ${limit}`);
  const readerA = openTable(a, opts.format);
  const readerB = openTable(b, opts.format);
  const namesA = await readerA.columns();
  const namesB = await readerB.columns();
  const given = opts.key?.length ? opts.key : undefined;
  const detected = !given && opts.detectKey && a && b ? await detectKeyColumn(readerA, namesA, readerB, namesB) : null;
  const plan = planComparison(a?.name ?? 'a', namesA, b?.name ?? 'b', namesB, given ?? (detected ? [detected] : undefined));
  const keyed = plan.key !== null;
  const matcher = new RowMatcher(keyed);
  const hasher = new RowHasher();
  const keyHash = new Uint32Array(4);
  const valueHash = new Uint32Array(4);
  const keyCells = keyed ? plan.a.key : plan.a.compared;
  const dupA = new DuplicateKeyLog(limit, plan.key ?? [], plan.a.key);
  const dupB = new DuplicateKeyLog(limit, plan.key ?? [], plan.b.key);

  // pass 1: A into the matcher
  for await (const batch of readerA.batches()) {
    for (const row of batch) {
      hashCells(hasher, row, keyCells, keyHash);
      if (keyed) hashCells(hasher, row, plan.a.compared, valueHash);
      const seen = matcher.addA(keyHash, 0, keyed ? valueHash : undefined);
      if (keyed && seen === 2) dupA.note(keyHash, row);
    }
  }

  // pass 2: B paired against A
  const added: TableRow[] = [];
  const pending: PendingModified[] = [];
  let addedCount = 0;
  let modifiedCount = 0;
  let rowsB = 0;
  for await (const batch of readerB.batches()) {
    for (const row of batch) {
      rowsB++;
      hashCells(hasher, row, keyed ? plan.b.key : plan.b.compared, keyHash);
      const rowA = matcher.addB(keyHash, 0);
      if (keyed && matcher.lastCountB === 2) dupB.note(keyHash, row);
      if (rowA < 0) {
        if (addedCount++ < limit) added.push({ row: rowsB, values: rowValues(namesB, row) });
        continue;
      }
      if (!keyed) continue;
      hashCells(hasher, row, plan.b.compared, valueHash);
      if (matcher.sameValue(rowA, valueHash, 0)) continue;
      if (modifiedCount++ < limit) pending.push({ rowA, rowB: rowsB, cellsB: row });
    }
  }

  // pass 3: the rows of A to show
  const removedCount = matcher.rowsA - matcher.pairs;
  const removed = await rowsOfA(readerA, namesA, matcher, removedCount, limit, pending);

  const schema = diffSchemas(typed(namesA, readerA), typed(namesB, readerB));
  const schemaChanged = schema.added.length + schema.removed.length + schema.typeChanged.length > 0 || schema.reordered;
  return {
    format: opts.format,
    key: plan.key,
    keyDetected: detected !== null,
    comparedColumns: plan.compared,
    limit,
    identical: !schemaChanged && addedCount === 0 && removedCount === 0 && modifiedCount === 0,
    schema,
    rows: { a: matcher.rowsA, b: rowsB },
    unchanged: matcher.pairs - modifiedCount,
    added: { count: addedCount, examples: added },
    removed: { count: removedCount, examples: removed },
    modified: keyed ? { count: modifiedCount, examples: pending.map((p) => modifiedRow(p, plan)) } : null,
    duplicateKeys: keyed ? { a: dupA.result(matcher, 'a'), b: dupB.result(matcher, 'b') } : null,
  };
}

/** Pass 3: the first `limit` unpaired rows of A, and the A rows of the pending modified pairs. */
async function rowsOfA(
  reader: TableReader,
  names: string[],
  matcher: RowMatcher,
  removedCount: number,
  limit: number,
  pending: PendingModified[],
): Promise<TableRow[]> {
  const removed: TableRow[] = [];
  const wantRemoved = Math.min(limit, removedCount);
  const byRow = new Map(pending.map((p) => [p.rowA, p]));
  let missing = byRow.size;
  if (wantRemoved === 0 && missing === 0) return removed;
  let index = 0;
  for await (const batch of reader.batches()) {
    for (const row of batch) {
      if (removed.length < wantRemoved && !matcher.isPaired(index)) removed.push({ row: index + 1, values: rowValues(names, row) });
      const p = byRow.get(index);
      if (p !== undefined) {
        p.cellsA = row;
        missing--;
      }
      index++;
      if (removed.length === wantRemoved && missing === 0) return removed;
    }
  }
  return removed;
}

/** A modified pair as reported. */
function modifiedRow(p: PendingModified, plan: ComparePlan): TableModifiedRow {
  const cellsA = p.cellsA ?? [];
  return {
    key: Object.fromEntries((plan.key ?? []).map((k, i) => [k, p.cellsB[plan.b.key[i]] ?? null])),
    rowA: p.rowA + 1,
    rowB: p.rowB,
    cells: cellChanges(plan, cellsA, p.cellsB),
  };
}

/** Column names with the types the reader found. */
function typed(names: string[], reader: TableReader): Column[] {
  const types = reader.types();
  return names.map((name, i) => ({ name, type: types[i] ?? 'null' }));
}
