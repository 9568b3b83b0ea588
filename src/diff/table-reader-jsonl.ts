/**
 * JSON Lines: the columns are the union of the keys of every object, in first-seen order, which
 * takes one pass over the file before the rows can be aligned; the column types come from that
 * pass too (the JSON kind of every value). A key missing from a row reads as null.
 */
import { jsonValueType, widenType, type ColumnType, type JsonValue } from '../formats/tabular/column-type.js';
import { JsonlDecoder, type JsonObject } from '../formats/tabular/jsonl.js';
import type { ByteSource } from './byte-source.js';
import type { TableReader } from './table-reader-type.js';

/** A JSON Lines table. */
export class JsonlTableReader implements TableReader {
  private names: string[] | undefined;
  private readonly typeOf: ColumnType[] = [];

  constructor(private readonly source: ByteSource) {}

  async columns(): Promise<string[]> {
    if (this.names === undefined) {
      const index = new Map<string, number>();
      for await (const objects of this.objects()) {
        for (const object of objects) {
          for (const key of Object.keys(object)) {
            let at = index.get(key);
            if (at === undefined) {
              at = index.size;
              index.set(key, at);
              this.typeOf.push('null');
            }
            this.typeOf[at] = widenType(this.typeOf[at], jsonValueType(object[key]), 'mixed');
          }
        }
      }
      this.names = [...index.keys()];
    }
    return this.names;
  }

  async *batches(): AsyncGenerator<JsonValue[][]> {
    const names = await this.columns();
    for await (const objects of this.objects()) {
      if (objects.length > 0) yield objects.map((o) => names.map((name) => (Object.hasOwn(o, name) ? o[name] : null)));
    }
  }

  types(): ColumnType[] {
    return [...this.typeOf];
  }

  private async *objects(): AsyncGenerator<JsonObject[]> {
    const decoder = new JsonlDecoder(this.source.name);
    for await (const chunk of this.source.stream()) yield decoder.push(chunk);
    yield decoder.end();
  }
}
