/**
 * CSV and TSV as hub reads them: RFC 4180 quoting (a field may hold the delimiter, newlines and
 * doubled quotes inside quotes) for both, since pandas and Python's csv module write TSV that
 * way; a UTF-8 BOM skipped; blank lines skipped; a stray quote inside an unquoted field taken
 * literally (as Python does); every row as wide as the header. The parsing itself is csv-parse;
 * this module holds its options and turns its errors into one-line messages.
 */
import { CsvError, type Options } from 'csv-parse';
import { FormatError } from '../../errors.js';

/** csv-parse options for a CSV (`,`) or TSV (`\t`) file; records come as arrays of strings. */
export function csvParseOptions(delimiter: ',' | '\t'): Options {
  return { delimiter, bom: true, skip_empty_lines: true, relax_quotes: true, relax_column_count: false };
}

/** A number a csv-parse error carries in its context, or undefined. */
function contextNumber(err: CsvError, key: string): number | undefined {
  const value = err[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The FormatError for a csv-parse error while reading `name`. Records are counted with the
 * header as record 1, so the failing record's data-row number is the count of complete records.
 * Undefined for any other error (an I/O error of the source passes through unchanged).
 */
export function csvFormatError(name: string, kind: 'CSV' | 'TSV', err: unknown, headerWidth?: number): FormatError | undefined {
  if (!(err instanceof CsvError)) return undefined;
  const records = contextNumber(err, 'records') ?? 0;
  const line = contextNumber(err, 'lines');
  const where = records === 0 ? 'in the header' : `in data row ${records}`;
  let problem: string;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      problem = `unbalanced quote: a quoted field ${where} is never closed (end of file at line ${line ?? '?'})`;
      break;
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      problem = `data row ${records} (line ${line ?? '?'}) has ${Array.isArray(err.record) ? err.record.length : '?'} fields, the header has ${headerWidth ?? '?'}`;
      break;
    case 'CSV_INVALID_CLOSING_QUOTE':
      problem = `a closing quote is followed by other characters at line ${line ?? '?'}`;
      break;
    default:
      problem = (err.message.split('\n')[0] ?? err.code).trim();
  }
  return new FormatError(`${name}: malformed ${kind}: ${problem}`, { cause: err, data: { file: name } }, 'bad_table');
}

/** Header names checked: a name used twice would make rows ambiguous, so it is an error. */
export function checkCsvHeader(name: string, kind: 'CSV' | 'TSV', header: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) {
      throw new FormatError(`${name}: malformed ${kind}: column ${JSON.stringify(column)} appears twice in the header`, { data: { file: name } }, 'bad_table');
    }
    seen.add(column);
  }
  return [...header];
}
