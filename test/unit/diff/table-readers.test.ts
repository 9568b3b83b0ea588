/**
 * The table readers over ByteSources: CSV/TSV through csv-parse (quoting, BOM, CRLF, type
 * inference), JSON Lines (key union, missing keys, line numbers), Parquet by row groups.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../../src/diff/byte-source.js';
import { openTable, type TableFormat } from '../../../src/diff/table-reader.js';
import { FormatError } from '../../../src/errors.js';
import type { JsonValue } from '../../../src/formats/tabular/column-type.js';
import { choppedSource, textSource } from './table-sources.js';

/** Columns, every row and the types of one table. */
async function readAll(source: ByteSource, format: TableFormat) {
  const reader = openTable(source, format);
  const columns = await reader.columns();
  const rows: JsonValue[][] = [];
  for await (const batch of reader.batches()) rows.push(...batch);
  return { columns, rows, types: reader.types() };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('CSV and TSV', () => {
  it('reads quoted fields with delimiters, newlines and doubled quotes, in any chunking', async () => {
    const text = 'id,text\r\n1,"a, b"\r\n2,"two\nlines"\r\n3,"say ""hi"""\r\n';
    for (const source of [textSource('q.csv', text), choppedSource('q.csv', bytes(text), 3)]) {
      const t = await readAll(source, 'csv');
      expect(t.columns).toEqual(['id', 'text']);
      expect(t.rows).toEqual([['1', 'a, b'], ['2', 'two\nlines'], ['3', 'say "hi"']]);
    }
  });

  it('skips a BOM and blank lines, keeps cells as text, reads a last line without newline', async () => {
    const t = await readAll(textSource('b.csv', '\ufeffid,code\n\n007,x\n\n8,y'), 'csv');
    expect(t.columns).toEqual(['id', 'code']);
    expect(t.rows).toEqual([['007', 'x'], ['8', 'y']]);
  });

  it('takes a quote inside an unquoted field literally', async () => {
    const t = await readAll(textSource('s.csv', 'size\n5" screen\n'), 'csv');
    expect(t.rows).toEqual([['5" screen']]);
  });

  it('infers integer, number, boolean, string and null column types', async () => {
    const t = await readAll(textSource('t.csv', 'i,n,e,b,s,z,m\n1,1.5,1e3,true,x,,1\n-2,3,2.5E-1,FALSE,,,true\n+3,.5,7,True,y,,\n'), 'csv');
    expect(t.types).toEqual(['integer', 'number', 'number', 'boolean', 'string', 'null', 'string']);
  });

  it('reads TSV with the same quoting', async () => {
    const t = await readAll(textSource('t.tsv', 'a\tb\n1\t"x\ty"\n2\tz, w\n'), 'tsv');
    expect(t.rows).toEqual([['1', 'x\ty'], ['2', 'z, w']]);
  });

  it('reads a header-only file as columns without rows', async () => {
    const t = await readAll(textSource('h.csv', 'a,b\n'), 'csv');
    expect([t.columns, t.rows, t.types]).toEqual([['a', 'b'], [], ['null', 'null']]);
  });

  it('gives the same rows on every pass', async () => {
    const reader = openTable(textSource('p.csv', 'a\n1\n2\n'), 'csv');
    const pass = async () => {
      const rows: JsonValue[][] = [];
      for await (const batch of reader.batches()) rows.push(...batch);
      return rows;
    };
    expect(await pass()).toEqual(await pass());
  });

  it('rejects a column named twice in the header', async () => {
    await expect(readAll(textSource('d.csv', 'a,b,a\n1,2,3\n'), 'csv')).rejects.toThrow(/^d\.csv: malformed CSV: column "a" appears twice in the header$/);
  });

  it('rejects a row wider than the header, naming row and line', async () => {
    await expect(readAll(textSource('r.tsv', 'a\tb\n1\t2\n3\t4\t5\n'), 'tsv')).rejects.toThrow(/^r\.tsv: malformed TSV: data row 2 \(line 3\) has 3 fields, the header has 2$/);
  });
});

describe('JSON Lines', () => {
  it('takes the union of keys in first-seen order, missing keys as null', async () => {
    const t = await readAll(textSource('u.jsonl', '{"b":1,"a":"x"}\n{"c":[1],"a":"y"}\n{}\n'), 'jsonl');
    expect(t.columns).toEqual(['b', 'a', 'c']);
    expect(t.rows).toEqual([[1, 'x', null], [null, 'y', [1]], [null, null, null]]);
  });

  it('types columns by JSON kind: integer and number widen, other mixes are mixed, null is ignored', async () => {
    const t = await readAll(textSource('k.jsonl', '{"i":1,"n":1,"m":1,"o":{"x":1},"z":null}\n{"i":2,"n":2.5,"m":"1","o":null,"z":null}\n'), 'jsonl');
    expect(t.types).toEqual(['integer', 'number', 'mixed', 'object', 'null']);
  });

  it('handles CRLF, a BOM, blank lines, no final newline and UTF-8 split across pieces', async () => {
    const text = '\ufeff{"s":"é🎉中"}\r\n\r\n{"s":"ü"}';
    const t = await readAll(choppedSource('c.jsonl', bytes(text), 2), 'jsonl');
    expect(t.rows).toEqual([['é🎉中'], ['ü']]);
  });

  it('rejects invalid UTF-8 naming the file', async () => {
    const bad = new Uint8Array([...bytes('{"a":"'), 0xff, ...bytes('"}\n')]);
    await expect(readAll(bufferSource('bin.jsonl', bad), 'jsonl')).rejects.toThrow(/^bin\.jsonl: malformed JSON Lines: not valid UTF-8/);
  });

  it('names the line of invalid JSON, counting from 1 with blank lines', async () => {
    const err = await readAll(textSource('l.jsonl', '{"a":1}\n\n\n{"a":tru}\n'), 'jsonl').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/^l\.jsonl: malformed JSON Lines: invalid JSON on line 4: /);
  });
});

describe('Parquet', () => {
  const file = new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [1, 2, 3, 4, 5], type: 'INT32' },
        { name: 'big', data: [1n, 2n, 2n ** 60n, 4n, 5n], type: 'INT64' },
        { name: 'x', data: [0.5, NaN, -0, null, 2], type: 'DOUBLE' },
        { name: 's', data: ['a', 'b', null, 'd', 'é'], type: 'STRING' },
        { name: 'ok', data: [true, false, true, null, false], type: 'BOOLEAN' },
        { name: 'at', data: [new Date(0), new Date(1000), new Date(2000), new Date(3000), new Date(4000)], type: 'TIMESTAMP' },
      ],
      rowGroupSize: 2,
    }),
  );

  /** A source that fails the test if the reader streams instead of reading ranges. */
  const ranged = (name: string, b: Uint8Array): ByteSource => ({
    ...bufferSource(name, b),
    stream: () => {
      throw new Error('Parquet must be read by range');
    },
  });

  it('reads every row group, with types from the schema and values as JSON', async () => {
    const t = await readAll(ranged('p.parquet', file), 'parquet');
    expect(t.columns).toEqual(['id', 'big', 'x', 's', 'ok', 'at']);
    expect(t.types).toEqual(['integer', 'integer', 'number', 'string', 'boolean', 'timestamp']);
    expect(t.rows).toHaveLength(5);
    expect(t.rows[0]).toEqual([1, 1, 0.5, 'a', true, '1970-01-01T00:00:00.000Z']);
    expect(t.rows[1][2]).toBe('NaN');
    expect(t.rows[2][1]).toBe('1152921504606846976'); // 2^60: beyond a double's exact integers
    expect(t.rows[2][2]).toBe(0); // -0
    expect(t.rows[3]).toEqual([4, 4, null, 'd', null, '1970-01-01T00:00:03.000Z']);
  });

  it('rejects a corrupt footer and a truncated file in one line naming the file', async () => {
    const noMagic = file.slice();
    noMagic[noMagic.length - 1] = 0;
    await expect(readAll(ranged('m.parquet', noMagic), 'parquet')).rejects.toThrow(/^m\.parquet: corrupt Parquet footer: [^\n]*$/);
    const cut = new Uint8Array([...file.subarray(0, 40), ...file.subarray(file.length - 8)]);
    await expect(readAll(ranged('t.parquet', cut), 'parquet')).rejects.toThrow(/^t\.parquet: corrupt Parquet footer: [^\n]*$/);
  });

  it('reads a zero-byte file of any format as an empty table', async () => {
    for (const format of ['csv', 'tsv', 'jsonl', 'parquet'] as const) {
      expect(await readAll(bufferSource('e', new Uint8Array(0)), format)).toEqual({ columns: [], rows: [], types: [] });
    }
  });
});
