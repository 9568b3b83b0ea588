/**
 * Parquet through hyparquet, one row group at a time (memory bounded by the largest row group),
 * reading byte ranges of the ByteSource. The footer is read once; columns and types come from
 * its schema.
 */
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { FormatError, isHubError } from '../errors.js';
import type { Column, ColumnType, JsonValue } from '../formats/tabular/column-type.js';
import { parquetColumns, parquetValueToJson } from '../formats/tabular/parquet-schema.js';
import type { ByteSource } from './byte-source.js';
import type { TableReader } from './table-reader-type.js';

/** hyparquet's view of a ByteSource. */
function asyncBuffer(source: ByteSource): AsyncBuffer {
  return {
    byteLength: source.size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await source.read(start, end ?? source.size);
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      // a copy: Buffer#slice (unlike Uint8Array#slice) would share the memory of a pooled Buffer
      return whole ? (bytes.buffer as ArrayBuffer) : (Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer);
    },
  };
}

/** The first line of an error's message. */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** A Parquet table. */
export class ParquetTableReader implements TableReader {
  private readonly file: AsyncBuffer;
  private metadata: FileMetaData | undefined;
  private schema: Column[] = [];

  constructor(private readonly source: ByteSource) {
    this.file = asyncBuffer(source);
  }

  async columns(): Promise<string[]> {
    await this.footer();
    return this.schema.map((c) => c.name);
  }

  async *batches(): AsyncGenerator<JsonValue[][]> {
    const metadata = await this.footer();
    let start = 0;
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      const end = start + Number(rowGroup.num_rows);
      let rows: unknown[][] = [];
      try {
        await parquetRead({ file: this.file, metadata, rowStart: start, rowEnd: end, rowFormat: 'array', onComplete: (r) => (rows = r) });
      } catch (err) {
        if (isHubError(err)) throw err;
        throw this.error(`corrupt Parquet data in row group ${group}: ${firstLine(err)}`, err);
      }
      start = end;
      if (rows.length > 0) yield rows.map((row) => row.map(parquetValueToJson));
    }
  }

  types(): ColumnType[] {
    return this.schema.map((c) => c.type);
  }

  private async footer(): Promise<FileMetaData> {
    if (this.metadata === undefined) {
      try {
        this.metadata = await parquetMetadataAsync(this.file);
        this.schema = parquetColumns(parquetSchema(this.metadata));
      } catch (err) {
        if (isHubError(err)) throw err;
        throw this.error(`corrupt Parquet footer: ${firstLine(err)}`, err);
      }
    }
    return this.metadata;
  }

  private error(problem: string, cause: unknown): FormatError {
    return new FormatError(`${this.source.name}: ${problem}`, { cause, data: { file: this.source.name } }, 'bad_table');
  }
}
