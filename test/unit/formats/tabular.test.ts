/** The pure tabular helpers of src/formats/tabular: cell types, canonical JSON, Parquet values, CSV errors. */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/formats/tabular/canonical-json.js';
import { ColumnTypeTracker, csvCellType, jsonValueType, widenType } from '../../../src/formats/tabular/column-type.js';
import { csvFormatError, csvParseOptions } from '../../../src/formats/tabular/csv.js';
import { JsonlDecoder } from '../../../src/formats/tabular/jsonl.js';
import { parquetValueToJson } from '../../../src/formats/tabular/parquet-schema.js';

describe('cell types', () => {
  it.each([
    ['', 'null'],
    ['0', 'integer'],
    ['-12', 'integer'],
    ['+7', 'integer'],
    ['007', 'integer'],
    ['1.5', 'number'],
    ['.5', 'number'],
    ['5.', 'number'],
    ['1e9', 'number'],
    ['-2.5E-3', 'number'],
    ['true', 'boolean'],
    ['FALSE', 'boolean'],
    ['NaN', 'string'],
    ['inf', 'string'],
    ['1,5', 'string'],
    ['1.2.3', 'string'],
    [' 1', 'string'],
    ['-', 'string'],
    ['yes', 'string'],
  ] as const)('CSV cell %j is %s', (text, type) => {
    expect(csvCellType(text)).toBe(type);
  });

  it('JSON values by kind', () => {
    expect([null, true, 3, 3.5, 's', [1], { a: 1 }].map(jsonValueType)).toEqual(['null', 'boolean', 'integer', 'number', 'string', 'array', 'object']);
  });

  it('widens null to anything, integer with number to number, other mixes to the fallback', () => {
    expect(widenType('null', 'boolean', 'string')).toBe('boolean');
    expect(widenType('integer', 'null', 'string')).toBe('integer');
    expect(widenType('integer', 'number', 'mixed')).toBe('number');
    expect(widenType('boolean', 'integer', 'string')).toBe('string');
    expect(widenType('string', 'integer', 'mixed')).toBe('mixed');
  });

  it('tracks columns and settles at the fallback', () => {
    const t = new ColumnTypeTracker(2, 'string');
    t.add(0, 'integer');
    t.add(0, 'number');
    t.add(1, 'boolean');
    t.add(1, 'integer');
    expect(t.settled(1)).toBe(true);
    t.add(1, 'number');
    expect(t.result()).toEqual(['number', 'string']);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every level and writes numbers in their shortest form', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2.0 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
    expect(canonicalJson(JSON.parse('1.0') as number)).toBe(canonicalJson(1));
  });
});

describe('parquetValueToJson', () => {
  it('turns hyparquet values into JSON', () => {
    expect(parquetValueToJson(5n)).toBe(5);
    expect(parquetValueToJson(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(parquetValueToJson(new Date(86_400_000))).toBe('1970-01-02T00:00:00.000Z');
    expect(parquetValueToJson(new Uint8Array([104, 105]))).toBe('aGk=');
    expect(parquetValueToJson(Infinity)).toBe('Infinity');
    expect(parquetValueToJson(undefined)).toBe(null);
    expect(parquetValueToJson({ k: [1n, null] })).toEqual({ k: [1, null] });
  });
});

describe('csvFormatError', () => {
  const failure = (text: string): unknown => {
    try {
      parse(text, csvParseOptions(','));
    } catch (err) {
      return err;
    }
    throw new Error('expected a parse error');
  };

  it('describes an unclosed quote with the data row it starts in', () => {
    expect(csvFormatError('f.csv', 'CSV', failure('a\n1\n"2\n3\n'))?.message).toBe('f.csv: malformed CSV: unbalanced quote: a quoted field in data row 2 is never closed (end of file at line 4)');
    expect(csvFormatError('f.csv', 'CSV', failure('"a\n1\n'))?.message).toMatch(/a quoted field in the header is never closed/);
  });

  it('leaves other errors alone', () => {
    expect(csvFormatError('f.csv', 'CSV', new Error('disk on fire'))).toBeUndefined();
  });
});

describe('JsonlDecoder', () => {
  it('parses lines across pushes and counts lines for errors', () => {
    const d = new JsonlDecoder('x.jsonl');
    const enc = new TextEncoder();
    expect(d.push(enc.encode('{"a":1}\n{"a"'))).toEqual([{ a: 1 }]);
    expect(d.push(enc.encode(':2}\n\n'))).toEqual([{ a: 2 }]);
    expect(() => d.push(enc.encode('nope\n'))).toThrow(/^x\.jsonl: malformed JSON Lines: invalid JSON on line 4: /);
  });
});
