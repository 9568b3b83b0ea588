/**
 * The GGUF header (ggml docs/gguf.md, versions 2 and 3, little-endian): magic "GGUF", u32
 * version, u64 tensor count, u64 metadata count, metadata key/values, tensor infos; tensor data
 * starts at the next multiple of `general.alignment` (default 32). Parsed incrementally: given
 * the first bytes of a file, {@link parseGgufHeader} returns the header or how many bytes it
 * needs, so a reader fetches a header of unknown length without reading the tensors.
 *
 * Every count and length is checked against the bytes the file can still hold before anything
 * is allocated, and a header may not exceed {@link GGUF_MAX_HEADER}, so garbage is a one-line
 * FormatError and never an allocation of its claimed size.
 *
 * Why not `@huggingface/gguf` (0.4.6): it reads through a URL and `fetch` (or a local path) in
 * its own fixed-size range requests, so using it over a ByteSource means faking HTTP Range
 * responses; it cannot say "I need more bytes", which is what lets the diff read a remote or
 * stored header in as few round trips as it likes; it pulls in `@huggingface/tasks`; and its
 * errors are plain Errors. The format is small enough to parse here, as a pure codec.
 */
import { FormatError } from '../errors.js';
import { ggmlTensorBytes, ggmlTypeName } from './ggml-types.js';
import { GgufCursor, NeedMore, type GgufValue } from './gguf-cursor.js';
import { quoteValue } from './quote-value.js';

export type { GgufValue } from './gguf-cursor.js';

/** Largest GGUF header hub reads (vocabularies of current models take a few MiB). */
export const GGUF_MAX_HEADER = 256 * 1024 * 1024;
/** Alignment of the data section when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** Most dimensions a tensor may have (ggml has 4; room for growth, not for garbage). */
const MAX_DIMS = 8;

/** One metadata value with its GGUF type (`u32`, `string`, `array<string>`, ...). */
export interface GgufKv {
  type: string;
  value: GgufValue;
}

/** One tensor; `begin`/`end` are absolute file offsets (`end` from the next tensor when the type's size is unknown). */
export interface GgufTensor {
  name: string;
  dtype: string;
  ggmlType: number;
  /** Dimensions as stored (innermost first, as llama.cpp prints them). */
  shape: number[];
  begin: number;
  end: number;
  /** Whether `end` came from the type's block size (true) or from the next tensor's offset. */
  sizeKnown: boolean;
}

/** A parsed header; metadata in file order, tensors sorted by name. */
export interface GgufHeader {
  version: number;
  alignment: number;
  dataStart: number;
  metadata: Map<string, GgufKv>;
  tensors: GgufTensor[];
}

/** The header, or the total number of leading bytes the parser needs to go on. */
export type GgufParse = { header: GgufHeader } | { need: number };

function bad(file: string, problem: string): FormatError {
  return new FormatError(`${file}: ${problem}`, { data: { file } }, 'bad_gguf');
}

/** Parses the GGUF header from `bytes`, the first bytes of a file of `fileSize` bytes. */
export function parseGgufHeader(bytes: Uint8Array, fileSize: number, file: string): GgufParse {
  const fail = (problem: string): FormatError => bad(file, problem);
  const cur = new GgufCursor(bytes, fileSize, fail);
  try {
    return { header: parse(cur, fileSize, fail) };
  } catch (err) {
    if (!(err instanceof NeedMore)) throw err;
    if (err.need > GGUF_MAX_HEADER) throw fail(`GGUF header is larger than the ${GGUF_MAX_HEADER}-byte limit`);
    return { need: err.need };
  }
}

function parse(cur: GgufCursor, fileSize: number, fail: (problem: string) => FormatError): GgufHeader {
  const magic = cur.bytes(4, 'magic');
  if (String.fromCharCode(...magic) !== 'GGUF') throw fail(`not a GGUF file (magic ${quoteValue(String.fromCharCode(...magic))})`);
  const version = cur.u32('version');
  if (version !== 2 && version !== 3) {
    if (version === 0x02000000 || version === 0x03000000) throw fail('big-endian GGUF files are not supported');
    throw fail(version === 1 ? 'GGUF version 1 is not supported (2 and 3 are)' : `unknown GGUF version ${version}`);
  }
  const tensorCount = cur.count('tensor count', 24);
  const kvCount = cur.count('metadata count', 13);
  const metadata = new Map<string, GgufKv>();
  for (let i = 0; i < kvCount; i++) {
    const key = cur.string('metadata key', 65535);
    if (metadata.has(key)) throw fail(`duplicate metadata key ${quoteValue(key)}`);
    metadata.set(key, cur.typedValue(`metadata ${quoteValue(key)}`));
  }
  const alignment = alignmentOf(metadata.get('general.alignment'), fail);
  const infos: Array<{ name: string; ggmlType: number; shape: number[]; offset: number; elements: number }> = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = cur.string('tensor name', 65535);
    if (names.has(name)) throw fail(`duplicate tensor ${quoteValue(name)}`);
    names.add(name);
    const what = `tensor ${quoteValue(name)}`;
    const nDims = cur.u32(`${what} dimension count`);
    if (nDims > MAX_DIMS) throw fail(`${what} has ${nDims} dimensions (at most ${MAX_DIMS})`);
    const shape: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = cur.u64(`${what} dimension`);
      elements *= dim;
      if (!Number.isSafeInteger(elements)) throw fail(`${what} has more than 2^53 elements`);
      shape.push(dim);
    }
    const ggmlType = cur.u32(`${what} type`);
    const offset = cur.u64(`${what} offset`);
    infos.push({ name, ggmlType, shape, offset, elements });
  }
  const dataStart = Math.ceil(cur.pos / alignment) * alignment;
  const byOffset = [...infos].sort((x, y) => x.offset - y.offset);
  const tensors: GgufTensor[] = byOffset.map((t, i) => {
    const what = `tensor ${quoteValue(t.name)}`;
    const begin = dataStart + t.offset;
    const size = ggmlTensorBytes(t.ggmlType, t.elements);
    if (typeof size === 'object') throw fail(`${what}: ${size.error}`);
    const end = size === undefined ? (i + 1 < byOffset.length ? dataStart + byOffset[i + 1].offset : fileSize) : begin + size;
    if (begin > fileSize || end > fileSize) throw fail(`${what} data [${begin}, ${end}) runs past the end of the file (${fileSize} bytes; truncated?)`);
    return { name: t.name, dtype: ggmlTypeName(t.ggmlType), ggmlType: t.ggmlType, shape: t.shape, begin, end, sizeKnown: size !== undefined };
  });
  tensors.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { version, alignment, dataStart, metadata, tensors };
}

function alignmentOf(kv: GgufKv | undefined, fail: (problem: string) => FormatError): number {
  if (kv === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const v = kv.value;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2 ** 30 || (n & (n - 1)) !== 0) {
    throw fail(`general.alignment ${quoteValue(String(v))} is not a power of two`);
  }
  return n;
}
