/** ByteSources and fixture loading shared by the table diff tests. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { bufferSource, type ByteSource } from '../../../src/diff/byte-source.js';
import type { TableDiffOptions } from '../../../src/diff/table-diff.js';

/** The folder of the table fixtures. */
export const TABLES = new URL('../../../fixtures/diff/tables/', import.meta.url);

/** A ByteSource whose stream() hands out pieces of 1 to `max` bytes (cuts rows, quotes, UTF-8). */
export function choppedSource(name: string, bytes: Uint8Array, max = 7): ByteSource {
  const base = bufferSource(name, bytes);
  return {
    ...base,
    stream: async function* () {
      for (let at = 0, n = 1; at < bytes.length; at += n, n = (n % max) + 1) yield bytes.subarray(at, Math.min(bytes.length, at + n));
    },
  };
}

/** A ByteSource over text (UTF-8). */
export function textSource(name: string, text: string): ByteSource {
  return bufferSource(name, new TextEncoder().encode(text));
}

/** One fixture case: its sources (undefined where the file is absent) and args. */
export interface TableCase {
  name: string;
  a: ByteSource | undefined;
  b: ByteSource | undefined;
  args: TableDiffOptions;
  expectedPath: URL;
}

/** Every case folder, loaded with sources made by `make` (bufferSource by default). */
export function tableCases(make: (name: string, bytes: Uint8Array) => ByteSource = bufferSource): TableCase[] {
  return readdirSync(TABLES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const dir = new URL(`${name}/`, TABLES);
      const args = JSON.parse(readFileSync(new URL('args.json', dir), 'utf8')) as TableDiffOptions;
      const ext = args.format;
      const side = (s: 'a' | 'b'): ByteSource | undefined => {
        const file = new URL(`${s}.${ext}`, dir);
        return existsSync(file) ? make(`${name}/${s}.${ext}`, new Uint8Array(readFileSync(file))) : undefined;
      };
      return { name, a: side('a'), b: side('b'), args, expectedPath: new URL('expected.json', dir) };
    });
}
