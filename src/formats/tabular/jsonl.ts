/**
 * JSON Lines (jsonlines.org): one JSON object per line, UTF-8, `\n` or `\r\n` line ends, a BOM
 * skipped, blank lines skipped. Each line is parsed with JSON.parse, which is both the fastest
 * and the strictest parser at hand; a line is never longer than one row, so parsing line by line
 * keeps memory bounded by the longest row. Sans-IO: bytes in, objects out.
 */
import { FormatError } from '../../errors.js';
import type { JsonValue } from './column-type.js';

/** One row of a JSON Lines file. */
export type JsonObject = { [key: string]: JsonValue };

/** Incremental decoder: push byte chunks in file order, then end(); each returns the complete rows. */
export class JsonlDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private rest = '';
  private line = 0;

  /** `name` names the file in error messages. */
  constructor(private readonly name: string) {}

  /** The rows completed by `chunk`; an incomplete last line waits for the next chunk. */
  push(chunk: Uint8Array): JsonObject[] {
    const text = this.rest + this.decode(chunk, true);
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.rest = text;
      return [];
    }
    this.rest = text.slice(end + 1);
    return this.parseLines(text, end);
  }

  /** The row of the last line (a file need not end with a newline). */
  end(): JsonObject[] {
    const text = this.rest + this.decode(new Uint8Array(0), false);
    this.rest = '';
    if (text === '') return [];
    this.line++;
    const row = this.parseLine(text);
    return row === undefined ? [] : [row];
  }

  private decode(chunk: Uint8Array, stream: boolean): string {
    try {
      return this.utf8.decode(chunk, { stream });
    } catch (err) {
      throw this.error(`not valid UTF-8 (after line ${this.line})`, err);
    }
  }

  /** Parses the lines of text[0, end], each ended by a newline (text[end] is the last one). */
  private parseLines(text: string, end: number): JsonObject[] {
    const rows: JsonObject[] = [];
    for (let at = 0; at <= end; ) {
      const next = text.indexOf('\n', at);
      this.line++;
      const row = this.parseLine(text.slice(at, next));
      if (row !== undefined) rows.push(row);
      at = next + 1;
    }
    return rows;
  }

  private parseLine(raw: string): JsonObject | undefined {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw this.error(`invalid JSON on line ${this.line}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, err);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw this.error(`line ${this.line} is not a JSON object`);
    }
    return value as JsonObject;
  }

  private error(problem: string, cause?: unknown): FormatError {
    return new FormatError(`${this.name}: malformed JSON Lines: ${problem}`, { cause, data: { file: this.name } }, 'bad_table');
  }
}
