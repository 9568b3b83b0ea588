/** The interface every table reader implements (CSV/TSV, JSON Lines, Parquet): table-reader.ts picks one. */
import type { ColumnType, JsonValue } from '../formats/tabular/column-type.js';

/** One table's columns and rows; errors are FormatErrors naming the file. */
export interface TableReader {
  /** Column names in file order (reads the header or footer; for JSON Lines a whole pass, once). */
  columns(): Promise<string[]>;
  /** One pass over the rows in file order, in batches; each row has one cell per column. */
  batches(): AsyncGenerator<JsonValue[][]>;
  /** Column types: declared (Parquet), or inferred from every cell once a pass has ended. */
  types(): ColumnType[];
}
