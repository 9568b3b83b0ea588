/**
 * Finding a key for a table diff when none was given: the first column (in A's order, among the
 * first few both files have) whose cells are unique and non-empty in both files, as a person
 * would pick `id`. With it, an edited row is one modified row rather than a removed and an added
 * one. Each candidate costs one read of each file, ended at its first repeated or empty cell,
 * and a set of 53-bit cell hashes (a hash collision can only reject a column, never accept one).
 */
import type { JsonValue } from '../formats/tabular/column-type.js';
import { RowHasher } from './row-hash.js';
import { hashCells } from './table-rows.js';
import type { TableReader } from './table-reader.js';

/** How many columns are tried, first to last: a key is near the front of a table. */
export const KEY_CANDIDATES = 4;

/** The detected key column, or null when none of the candidates is unique and non-empty in both files. */
export async function detectKeyColumn(a: TableReader, namesA: string[], b: TableReader, namesB: string[], signal?: AbortSignal): Promise<string | null> {
  const candidates = namesA.filter((n) => namesB.includes(n)).slice(0, KEY_CANDIDATES);
  for (const name of candidates) {
    if ((await uniqueCells(a, namesA.indexOf(name), signal)) && (await uniqueCells(b, namesB.indexOf(name), signal))) return name;
  }
  return null;
}

const empty = (v: JsonValue | undefined) => v === null || v === undefined || v === '';

/** True when column `at` of the table has no empty cell and no cell twice (and at least one row). */
async function uniqueCells(table: TableReader, at: number, signal?: AbortSignal): Promise<boolean> {
  const hasher = new RowHasher();
  const h = new Uint32Array(4);
  const seen = new Set<number>();
  for await (const batch of table.batches()) {
    signal?.throwIfAborted();
    for (const row of batch) {
      if (empty(row[at])) return false;
      hashCells(hasher, row, [at], h);
      const key = h[0]! + (h[1]! & 0x1fffff) * 2 ** 32;
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return seen.size > 0;
}
