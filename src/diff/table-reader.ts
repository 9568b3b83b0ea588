/**
 * Tables read through a ByteSource, one reader per format. A reader gives the column names, then
 * any number of passes over the rows (the table diff makes two or three), in batches, each row an
 * array of cells aligned with the columns. Nothing holds more than a batch of rows: CSV, TSV and
 * JSON Lines are streamed from `stream()`, Parquet is read one row group at a time.
 */
import type { ColumnType, JsonValue } from '../formats/tabular/column-type.js';
import type { ByteSource } from './byte-source.js';
import { CsvTableReader } from './table-reader-csv.js';
import { JsonlTableReader } from './table-reader-jsonl.js';
import { ParquetTableReader } from './table-reader-parquet.js';
import type { TableReader } from './table-reader-type.js';

export type { TableReader };

/** The table formats hub diffs. */
export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';


/** The reader of an absent file: no columns, no rows. */
class EmptyTableReader implements TableReader {
  async columns(): Promise<string[]> {
    return [];
  }
  async *batches(): AsyncGenerator<JsonValue[][]> {}
  types(): ColumnType[] {
    return [];
  }
}

/**
 * The reader for `source` in `format`. An absent source (undefined) and a zero-byte file are an
 * empty table in every format (a zero-byte file is what `touch` makes, even named `.parquet`).
 */
export function openTable(source: ByteSource | undefined, format: TableFormat): TableReader {
  if (source === undefined || source.size === 0) return new EmptyTableReader();
  switch (format) {
    case 'csv':
      return new CsvTableReader(source, ',');
    case 'tsv':
      return new CsvTableReader(source, '\t');
    case 'jsonl':
      return new JsonlTableReader(source);
    case 'parquet':
      return new ParquetTableReader(source);
  }
}
