/**
 * What a file page shows of a file's content, computed from as few bytes as possible: a tensor
 * file's tensor list (name, dtype, shape, bytes) and metadata from its header only; a table's
 * column names and types and its first rows, from the first {@link TABLE_PREFIX_BYTES} of a
 * CSV/TSV/JSON Lines file or the footer and first row group of a Parquet file (skipped when
 * that row group is over {@link PARQUET_GROUP_LIMIT}). Runs in the content worker.
 */
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer } from 'hyparquet';
import type { ByteSource } from '../../diff/byte-source.js';
import { bufferSource } from '../../diff/byte-source.js';
import { openTable } from '../../diff/table-reader.js';
import { listGguf, listSafetensors, type JsonValue } from '../../diff/tensor-diff.js';
import { FormatError, isHubError } from '../../errors.js';
import type { Column } from '../../formats/tabular/column-type.js';
import { parquetColumns, parquetValueToJson } from '../../formats/tabular/parquet-schema.js';

/** One tensor of a file page. */
export interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
}

/** A tensor file's header as a page shows it. */
export interface TensorPreview {
  format: 'safetensors' | 'gguf';
  count: number;
  /** The first {@link MAX_TENSORS} tensors in file order. */
  tensors: TensorRow[];
  totalBytes: number;
  /** Metadata entries; long values summarised. */
  metadata: Array<{ key: string; value: string }>;
}

/** A table's first rows. */
export interface TablePreview {
  columns: Column[];
  rows: JsonValue[][];
  /** Whether the types come from the shown prefix only (CSV, TSV, JSON Lines) or from the schema (Parquet). */
  typesFrom: 'prefix' | 'schema';
  /** Rows in the file, when known without reading it (Parquet). */
  totalRows?: number;
  /** Why no (or fewer) rows are shown. */
  note?: string;
}

/** Most tensors listed on a page. */
export const MAX_TENSORS = 5000;
/** Rows a table preview shows. */
export const PREVIEW_ROWS = 100;
/** Bytes of a text table read for its preview. */
export const TABLE_PREFIX_BYTES = 64 * 1024;
/** Largest compressed first row group of a Parquet file read for a preview. */
export const PARQUET_GROUP_LIMIT = 32 << 20;
const MAX_VALUE_CHARS = 300;

/** A metadata value for display: its JSON, or a summary when that is long. */
function shownValue(value: JsonValue): string {
  const json = typeof value === 'string' ? value : JSON.stringify(value);
  if (json.length <= MAX_VALUE_CHARS) return json;
  if (Array.isArray(value)) return `[array of ${value.length} items]`;
  if (typeof value === 'string') return `${value.slice(0, MAX_VALUE_CHARS)}… (${value.length} characters)`;
  return `{object of ${Object.keys(value ?? {}).length} keys}`;
}

/** The tensor list of a safetensors or GGUF file, from its header. */
export async function previewTensors(src: ByteSource, format: 'safetensors' | 'gguf'): Promise<TensorPreview> {
  const listing = format === 'gguf' ? await listGguf(src) : await listSafetensors(src);
  const all = [...listing.tensors.values()].sort((x, y) => x.begin - y.begin);
  return {
    format,
    count: all.length,
    tensors: all.slice(0, MAX_TENSORS).map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, bytes: t.end - t.begin })),
    totalBytes: all.reduce((n, t) => n + (t.end - t.begin), 0),
    metadata: [...listing.metadata].map(([key, value]) => ({ key, value: shownValue(value) })),
  };
}

/** The first rows of a CSV, TSV, JSON Lines or Parquet file. */
export async function previewTable(src: ByteSource, format: 'csv' | 'tsv' | 'jsonl' | 'parquet'): Promise<TablePreview> {
  if (format === 'parquet') return previewParquet(src);
  // whole lines of the first bytes: a row cut in half would be a parse error
  let head = await src.read(0, Math.min(src.size, TABLE_PREFIX_BYTES));
  const partial = src.size > head.length;
  if (partial) head = head.subarray(0, head.lastIndexOf(0x0a) + 1);
  const reader = openTable(bufferSource(src.name, head), format);
  const columns = await reader.columns();
  const rows: JsonValue[][] = [];
  let seen = 0;
  for await (const batch of reader.batches()) {
    for (const row of batch) if (rows.length < PREVIEW_ROWS) rows.push(row);
    seen += batch.length;
  }
  const types = reader.types();
  return {
    columns: columns.map((name, i) => ({ name, type: types[i] ?? 'null' })),
    rows,
    typesFrom: 'prefix',
    ...(partial ? { note: `column types from the first ${seen} rows (the first ${head.length} bytes)` } : {}),
  };
}

/** hyparquet's view of a ByteSource. */
function asyncBuffer(src: ByteSource): AsyncBuffer {
  return {
    byteLength: src.size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await src.read(start, end ?? src.size);
      return Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer;
    },
  };
}

async function previewParquet(src: ByteSource): Promise<TablePreview> {
  const file = asyncBuffer(src);
  try {
    const metadata = await parquetMetadataAsync(file);
    const columns = parquetColumns(parquetSchema(metadata));
    const totalRows = Number(metadata.num_rows);
    const first = metadata.row_groups[0];
    const groupBytes = first ? first.columns.reduce((n, c) => n + Number(c.meta_data?.total_compressed_size ?? 0n), 0) : 0;
    if (groupBytes > PARQUET_GROUP_LIMIT) {
      return { columns, rows: [], typesFrom: 'schema', totalRows, note: `rows not shown: the first row group is ${groupBytes} bytes (a page reads at most ${PARQUET_GROUP_LIMIT})` };
    }
    let rows: unknown[][] = [];
    const rowEnd = Math.min(PREVIEW_ROWS, Number(first?.num_rows ?? 0n));
    if (rowEnd > 0) await parquetRead({ file, metadata, rowStart: 0, rowEnd, rowFormat: 'array', onComplete: (r) => (rows = r as unknown[][]) });
    return { columns, rows: rows.slice(0, PREVIEW_ROWS).map((r) => r.map(parquetValueToJson)), typesFrom: 'schema', totalRows };
  } catch (err) {
    if (isHubError(err)) throw err;
    throw new FormatError(`${src.name}: not a readable Parquet file: ${(err as Error).message.split('\n')[0]}`, { cause: err }, 'bad_table');
  }
}
