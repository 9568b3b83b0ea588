/**
 * A linear pre-scan of a JSON request body, run before JSON.parse: how deep it nests and how
 * many values it holds. JSON.parse has no limits of its own, and its cost grows with both (a
 * few MB of `[` blocked the server for seconds, a body of a million tiny values for a tenth of a
 * second), so a body over a route's limits is refused from one pass over its bytes that
 * allocates nothing. The scan only counts; validity is JSON.parse's job.
 */
import { HttpError } from './http-error.js';

/** How much structure a JSON body may have. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (default 64). */
  maxDepth?: number;
  /** Most values (strings, numbers, literals, arrays, objects; keys count too) (default 200,000). */
  maxValues?: number;
}

/** The default depth limit (issue 11). */
export const JSON_MAX_DEPTH = 64;
/** The default number of values: a chunk list of 100,000 hashes fits. */
export const JSON_MAX_VALUES = 200_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Throws HttpError 400 when `bytes` nests deeper or holds more values than `limits` allow. */
export function scanJson(bytes: Uint8Array, limits: JsonLimits = {}): void {
  const maxDepth = limits.maxDepth ?? JSON_MAX_DEPTH;
  const maxValues = limits.maxValues ?? JSON_MAX_VALUES;
  let depth = 0;
  // a value starts at the body's start, after `[`, `,` and `:`; counting those is an upper bound
  let values = 1;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    switch (b) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_BRACKET:
      case OPEN_BRACE:
        if (++depth > maxDepth) throw new HttpError(400, `JSON body nests deeper than ${maxDepth} levels`, {}, 'json_too_deep');
        values++;
        break;
      case CLOSE_BRACKET:
      case CLOSE_BRACE:
        depth--;
        break;
      case COMMA:
      case COLON:
        if (++values > maxValues) throw new HttpError(400, `JSON body holds more than ${maxValues} values`, {}, 'json_too_many_values');
        break;
    }
  }
}

/** Parses a JSON body after {@link scanJson}; 400 when it is not JSON. */
export function parseJsonBody(bytes: Uint8Array, limits: JsonLimits = {}): unknown {
  scanJson(bytes, limits);
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}
