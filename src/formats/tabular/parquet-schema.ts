/**
 * Parquet schemas and values in the table vocabulary: each top-level field of the file's schema
 * is a column, typed from its logical type, else its converted type, else its physical type;
 * values decoded by hyparquet (bigint, Date, Uint8Array, nested arrays and objects) become JSON.
 */
import { Buffer } from 'node:buffer';
import type { SchemaElement, SchemaTree } from 'hyparquet';
import type { Column, ColumnType, JsonValue } from './column-type.js';

/** The column type of a leaf or group schema element. */
function elementType(element: SchemaElement, hasChildren: boolean): ColumnType {
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  if (logical === 'LIST' || converted === 'LIST') return 'array';
  if (hasChildren) return 'object'; // MAP and struct groups
  if (element.repetition_type === 'REPEATED') return 'array';
  switch (logical) {
    case 'STRING':
    case 'ENUM':
    case 'JSON':
    case 'UUID':
      return 'string';
    case 'DATE':
      return 'date';
    case 'TIME':
      return 'time';
    case 'TIMESTAMP':
      return 'timestamp';
    case 'DECIMAL':
      return 'decimal';
    case 'INTEGER':
      return 'integer';
    case 'FLOAT16':
      return 'number';
    default:
  }
  if (converted === 'UTF8' || converted === 'ENUM' || converted === 'JSON') return 'string';
  if (converted === 'DATE') return 'date';
  if (converted === 'TIME_MILLIS' || converted === 'TIME_MICROS') return 'time';
  if (converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') return 'timestamp';
  if (converted === 'DECIMAL') return 'decimal';
  switch (element.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'INT96':
      return 'timestamp'; // the legacy Impala/Spark timestamp
    case 'FLOAT':
    case 'DOUBLE':
      return 'number';
    default:
      return 'bytes';
  }
}

/** The columns of a Parquet file: its top-level fields in schema order. */
export function parquetColumns(schema: SchemaTree): Column[] {
  return schema.children.map((child) => ({ name: child.element.name, type: elementType(child.element, child.children.length > 0) }));
}

/**
 * A decoded Parquet value as JSON: a bigint as a number when it is exact, else as its decimal
 * text; a Date as ISO 8601 text; bytes as base64 text; NaN and infinities as text; undefined as
 * null; arrays and objects converted member by member.
 */
export function parquetValueToJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : String(value);
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case 'object':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      if (Array.isArray(value)) return value.map(parquetValueToJson);
      if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, parquetValueToJson);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parquetValueToJson(v)]));
    default:
      return String(value);
  }
}
