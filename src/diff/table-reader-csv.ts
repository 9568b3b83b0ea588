/**
 * CSV and TSV through csv-parse (quoted fields with delimiters, newlines and doubled quotes, a
 * BOM): the first record is the header, every later record a row of text cells. Cells stay the
 * text they are (`007` stays `007`); an empty cell counts as null for type inference only.
 */
import { Readable, pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import { ColumnTypeTracker, csvCellType, type ColumnType, type JsonValue } from '../formats/tabular/column-type.js';
import { checkCsvHeader, csvFormatError, csvParseOptions } from '../formats/tabular/csv.js';
import type { ByteSource } from './byte-source.js';
import { readableBatches } from './readable-batches.js';
import type { TableReader } from './table-reader-type.js';

/** A CSV (`,`) or TSV (`\t`) table. */
export class CsvTableReader implements TableReader {
  private header: string[] | undefined;
  private inferred: ColumnType[] | undefined;
  private readonly kind: 'CSV' | 'TSV';

  constructor(
    private readonly source: ByteSource,
    private readonly delimiter: ',' | '\t',
  ) {
    this.kind = delimiter === ',' ? 'CSV' : 'TSV';
  }

  async columns(): Promise<string[]> {
    if (this.header === undefined) {
      let first: string[] | undefined;
      try {
        for await (const batch of this.records()) {
          first = batch[0];
          break;
        }
      } catch (err) {
        if (first === undefined) throw err; // else a later row is bad: the row pass reports it
      }
      this.header = checkCsvHeader(this.source.name, this.kind, first ?? []);
    }
    return this.header;
  }

  async *batches(): AsyncGenerator<JsonValue[][]> {
    const width = (await this.columns()).length;
    const tracker = this.inferred === undefined ? new ColumnTypeTracker(width, 'string') : undefined;
    let header = true;
    for await (const records of this.records(width)) {
      const rows = header ? records.slice(1) : records;
      header = false;
      if (tracker) track(tracker, rows, width);
      if (rows.length > 0) yield rows;
    }
    if (tracker) this.inferred = tracker.result();
  }

  types(): ColumnType[] {
    return this.inferred ?? new Array<ColumnType>(this.header?.length ?? 0).fill('null');
  }

  /** Every record (header included) in batches, csv-parse errors turned into FormatErrors. */
  private async *records(width?: number): AsyncGenerator<string[][]> {
    const parser = parse(csvParseOptions(this.delimiter));
    const input = Readable.from(this.source.stream());
    pipeline(input, parser, () => {}); // errors reach us through the parser
    try {
      yield* readableBatches<string[]>(parser);
    } catch (err) {
      throw csvFormatError(this.source.name, this.kind, err, width) ?? err;
    } finally {
      input.destroy();
    }
  }
}

/** Feeds every cell's type to the tracker, skipping columns already at `string`. */
function track(tracker: ColumnTypeTracker, rows: string[][], width: number): void {
  for (let c = 0; c < width; c++) {
    if (tracker.settled(c)) continue;
    for (const row of rows) {
      tracker.add(c, csvCellType(row[c]));
      if (tracker.settled(c)) break;
    }
  }
}
