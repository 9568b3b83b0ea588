/**
 * The safetensors header (huggingface/safetensors): a u64 little-endian length N, then N bytes
 * of JSON mapping tensor names to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative
 * to the first byte after the header) plus an optional `__metadata__` of string to string.
 * Parsed strictly so that a damaged file is a one-line FormatError naming it, never a crash.
 * Decisions: dtypes not in {@link SAFETENSORS_DTYPE_BYTES} are accepted (newer writers add
 * types) with their byte length unchecked; keys other than the three above are rejected;
 * tensors need not be contiguous (the reference writer makes them so, readers do not need it).
 */
import { FormatError } from '../errors.js';
import { quoteValue } from './quote-value.js';

/** Largest header accepted (the reference implementation's limit): 100 MB. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** Bytes per element of the dtypes whose sizes hub checks. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
  U16: 2, U32: 4, U64: 8, F8_E4M3: 1, F8_E5M2: 1,
};

/** One tensor of a safetensors file; `begin`/`end` are absolute file offsets. */
export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed header: where data starts, the `__metadata__` strings, and tensors sorted by name. */
export interface SafetensorsHeader {
  dataStart: number;
  metadata: Record<string, string>;
  tensors: SafetensorsTensor[];
}

/** Sharded checkpoint index (`*.safetensors.index.json`): free-form metadata and tensor -> shard file. */
export interface SafetensorsIndex {
  metadata: Record<string, unknown>;
  weightMap: Record<string, string>;
}

const DTYPE_RE = /^[A-Z][A-Z0-9_]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bad(file: string, problem: string): FormatError {
  return new FormatError(`${file}: ${problem}`, { data: { file } }, 'bad_safetensors');
}

/** A JSON.parse message on one line (V8 quotes the input, which may hold newlines). */
function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').slice(0, 200);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * The header length N from the first 8 bytes of a file of `fileSize` bytes, checked against the
 * 100 MB limit and the file size; `file` names the file in errors.
 */
export function safetensorsHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw bad(file, `truncated safetensors file: ${Math.min(fileSize, prefix.length)} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER)) {
    throw bad(file, `safetensors header length ${n} is over the ${SAFETENSORS_MAX_HEADER}-byte limit`);
  }
  const length = Number(n);
  if (8 + length > fileSize) {
    throw bad(file, `safetensors header length ${length} runs past the end of the file (${fileSize} bytes; truncated?)`);
  }
  return length;
}

/** Parses the N header bytes (after the length) of a file of `fileSize` bytes. */
export function parseSafetensorsHeader(json: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const dataStart = 8 + json.length;
  if (dataStart > fileSize) throw bad(file, `safetensors header of ${json.length} bytes runs past the end of the file (${fileSize} bytes)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(json));
  } catch (err) {
    throw bad(file, `safetensors header is not valid JSON (${oneLine(err instanceof Error ? err.message : String(err))})`);
  }
  if (!isRecord(parsed)) throw bad(file, 'safetensors header is not a JSON object');
  const dataSize = fileSize - dataStart;
  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensor[] = [];
  for (const [name, entry] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isRecord(entry)) throw bad(file, 'safetensors __metadata__ is not an object');
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') throw bad(file, `safetensors __metadata__ ${quoteValue(key)} is not a string`);
      }
      metadata = entry as Record<string, string>; // built by JSON.parse: own data properties only
      continue;
    }
    tensors.push(parseTensor(name, entry, dataStart, dataSize, file));
  }
  tensors.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { dataStart, metadata, tensors };
}

function parseTensor(name: string, entry: unknown, dataStart: number, dataSize: number, file: string): SafetensorsTensor {
  const what = `tensor ${quoteValue(name)}`;
  if (!isRecord(entry)) throw bad(file, `${what} is not an object`);
  for (const key of Object.keys(entry)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') throw bad(file, `${what} has unknown key ${quoteValue(key)}`);
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !DTYPE_RE.test(dtype)) throw bad(file, `${what} has a missing or malformed dtype`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(file, `${what} has a missing or malformed shape`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw bad(file, `${what} has missing or malformed data_offsets`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataSize) {
    throw bad(file, `${what} data_offsets [${begin}, ${end}] lie outside the data section (${dataSize} bytes)`);
  }
  const width = SAFETENSORS_DTYPE_BYTES[dtype];
  if (width !== undefined) {
    const elements = (shape as number[]).reduce((acc, d) => acc * d, 1);
    const expected = elements * width;
    if (!Number.isSafeInteger(expected) || expected !== end - begin) {
      throw bad(file, `${what} data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${expected}`);
    }
  }
  return { name, dtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end };
}

/** Parses a `*.safetensors.index.json`: `{"metadata": {...}, "weight_map": {tensor: shard file}}`. */
export function parseSafetensorsIndex(bytes: Uint8Array, file: string): SafetensorsIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw bad(file, `safetensors index is not valid JSON (${oneLine(err instanceof Error ? err.message : String(err))})`);
  }
  if (!isRecord(parsed)) throw bad(file, 'safetensors index is not a JSON object');
  const { metadata = {}, weight_map: weightMap } = parsed;
  if (!isRecord(metadata)) throw bad(file, 'safetensors index "metadata" is not an object');
  if (!isRecord(weightMap)) throw bad(file, 'safetensors index has no "weight_map" object');
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || !isShardName(shard)) {
      throw bad(file, `safetensors index maps tensor ${quoteValue(tensor)} to a bad shard name ${typeof shard === 'string' ? quoteValue(shard) : `(a ${shard === null ? 'null' : typeof shard})`}`);
    }
  }
  return { metadata, weightMap: weightMap as Record<string, string> };
}

/** A relative path that stays in the index's folder: no leading '/', no '..' or empty segment. */
function isShardName(shard: string): boolean {
  if (shard === '' || shard.startsWith('/') || shard.includes('\\') || shard.includes('\0')) return false;
  return shard.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
