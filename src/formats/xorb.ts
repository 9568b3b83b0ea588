/**
 * Xorb chunk records (DESIGN.md §3, docs/formats.md §3). A xorb is a plain concatenation of
 * records `[u8 version=0][u24 LE compressed_len][u8 scheme][u24 LE uncompressed_len][bytes]`,
 * with no footer. Readers walk headers with XorbRecordScanner (8-byte reads, then skip the data)
 * or, for bytes already in memory, parseXorbRecords.
 */
import { FormatError } from '../errors.js';

/** Bytes in one chunk record header. */
export const CHUNK_HEADER_BYTES = 8;
/** Most chunk data bytes (uncompressed, headers excluded) hub puts in one xorb (xet-core cuts there too). */
export const XORB_MAX_BYTES = 64 * 1024 * 1024;
/** Most chunk records one xorb may hold. */
export const XORB_MAX_CHUNKS = 8192;
/** Largest chunk the chunker produces; a longer record is corrupt. */
export const MAX_CHUNK_BYTES = 128 * 1024;
/**
 * Most chunk data a xorb may hold when read: the format's own bound (8192 records of at most
 * 128 KiB). More than hub writes: the JS client (@huggingface/hub) cuts a xorb at 64 MiB of
 * *compressed* records, so its chunk data, which the store keeps uncompressed, may exceed 64 MiB.
 */
export const XORB_READ_MAX_BYTES = XORB_MAX_CHUNKS * MAX_CHUNK_BYTES;
/** Largest length a u24 header field can encode. */
export const MAX_RECORD_LENGTH = 0xff_ffff;
/** The only record version defined. */
export const CHUNK_RECORD_VERSION = 0;

/** Compression schemes of a chunk record; only `none` is implemented. */
export const CompressionScheme = { none: 0, lz4: 1, byteGroupedLz4: 2 } as const;

const RESERVED_SCHEMES: Record<number, string> = { 1: 'LZ4', 2: 'byte-grouped LZ4' };

/** The decoded fields of one chunk record header. */
export interface ChunkHeader {
  version: number;
  compressedLength: number;
  scheme: number;
  uncompressedLength: number;
}

/** Where one chunk record sits in a xorb: `offset` is of its header, `dataOffset` of its `length` data bytes. */
export interface XorbRecord {
  index: number;
  offset: number;
  dataOffset: number;
  length: number;
}

function bad(message: string): FormatError {
  return new FormatError(message, {}, 'bad_xorb');
}

function u24(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16);
}

/** Decodes and validates the header at `buf[at]`; `where` names the record in messages. */
function readHeader(buf: Uint8Array, at: number, where: string): ChunkHeader {
  const available = buf.length - at;
  if (at < 0 || available < CHUNK_HEADER_BYTES) {
    throw bad(`truncated ${where}: a header needs ${CHUNK_HEADER_BYTES} bytes, ${Math.max(0, available)} available`);
  }
  const header: ChunkHeader = {
    version: buf[at],
    compressedLength: u24(buf, at + 1),
    scheme: buf[at + 4],
    uncompressedLength: u24(buf, at + 5),
  };
  if (header.version !== CHUNK_RECORD_VERSION) {
    throw bad(`${where}: unsupported record version ${header.version} (expected ${CHUNK_RECORD_VERSION})`);
  }
  const reserved = RESERVED_SCHEMES[header.scheme];
  if (reserved !== undefined) {
    throw bad(`${where}: compression scheme ${header.scheme} (${reserved}) is not supported`);
  }
  if (header.scheme !== CompressionScheme.none) throw bad(`${where}: unknown compression scheme ${header.scheme}`);
  if (header.compressedLength !== header.uncompressedLength) {
    throw bad(
      `${where}: uncompressed record has compressed length ${header.compressedLength} ` +
        `but uncompressed length ${header.uncompressedLength}`,
    );
  }
  if (header.uncompressedLength === 0) throw bad(`${where}: empty chunk (length 0)`);
  if (header.uncompressedLength > MAX_CHUNK_BYTES) {
    throw bad(`${where}: chunk length ${header.uncompressedLength} exceeds the ${MAX_CHUNK_BYTES}-byte limit`);
  }
  return header;
}

/** Writes the header of an uncompressed record of `length` bytes into `out` at `offset` (a new 8-byte array by default). */
export function encodeChunkHeader(length: number, out?: Uint8Array, offset = 0): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_RECORD_LENGTH) {
    throw bad(`cannot encode a chunk record of ${length} bytes (the limit is ${MAX_RECORD_LENGTH})`);
  }
  const buf = out ?? new Uint8Array(CHUNK_HEADER_BYTES);
  if (!Number.isInteger(offset) || offset < 0 || offset + CHUNK_HEADER_BYTES > buf.length) {
    throw new RangeError(`no room for a ${CHUNK_HEADER_BYTES}-byte chunk header at offset ${offset} of ${buf.length}`);
  }
  buf[offset] = CHUNK_RECORD_VERSION;
  buf[offset + 1] = length & 0xff;
  buf[offset + 2] = (length >>> 8) & 0xff;
  buf[offset + 3] = (length >>> 16) & 0xff;
  buf[offset + 4] = CompressionScheme.none;
  buf[offset + 5] = length & 0xff;
  buf[offset + 6] = (length >>> 8) & 0xff;
  buf[offset + 7] = (length >>> 16) & 0xff;
  return buf;
}

/** Decodes and validates the chunk header at `buf[offset]`; throws FormatError `bad_xorb` when it is not a valid record header. */
export function decodeChunkHeader(buf: Uint8Array, offset: number): ChunkHeader {
  return readHeader(buf, offset, `chunk header at byte ${offset}`);
}

/**
 * Walks the records of a xorb of `totalSize` bytes one header at a time, so a reader on disk needs
 * only 8-byte reads: read CHUNK_HEADER_BYTES at `offset`, pass them to `next`, repeat until `done`.
 * Enforces every limit that parseXorbRecords does.
 */
export class XorbRecordScanner {
  /** The size of the whole xorb in bytes. */
  readonly totalSize: number;
  #offset = 0;
  #index = 0;
  #dataBytes = 0;

  /** Starts a scan of a xorb of `totalSize` bytes; an empty xorb is rejected. */
  constructor(totalSize: number) {
    if (!Number.isSafeInteger(totalSize) || totalSize < 0) throw new RangeError(`bad xorb size ${totalSize}`);
    if (totalSize === 0) throw bad('empty xorb: no chunk records');
    this.totalSize = totalSize;
  }

  /** Byte offset of the next record header to read. */
  get offset(): number {
    return this.#offset;
  }

  /** Index the next record will get (also the number of records read so far). */
  get index(): number {
    return this.#index;
  }

  /** True once every byte of the xorb has been accounted for. */
  get done(): boolean {
    return this.#offset === this.totalSize;
  }

  /** Consumes the header bytes read at `offset` (found at `header[at]`) and returns that record. */
  next(header: Uint8Array, at = 0): XorbRecord {
    if (this.done) throw new RangeError('XorbRecordScanner.next called after the last record');
    const index = this.#index;
    const offset = this.#offset;
    const where = `chunk record ${index} at byte ${offset}`;
    const remaining = this.totalSize - offset;
    if (remaining < CHUNK_HEADER_BYTES) {
      throw bad(`truncated ${where}: a header needs ${CHUNK_HEADER_BYTES} bytes, ${remaining} remain`);
    }
    if (index >= XORB_MAX_CHUNKS) throw bad(`${where}: a xorb holds at most ${XORB_MAX_CHUNKS} chunk records`);
    const { uncompressedLength: length } = readHeader(header, at, where);
    const dataRemaining = remaining - CHUNK_HEADER_BYTES;
    if (length > dataRemaining) {
      throw bad(`truncated ${where}: header says ${length} bytes, ${dataRemaining} remain`);
    }
    if (this.#dataBytes + length > XORB_READ_MAX_BYTES) {
      throw bad(`${where}: chunk data exceeds the ${XORB_READ_MAX_BYTES}-byte xorb limit`);
    }
    this.#dataBytes += length;
    this.#index = index + 1;
    this.#offset = offset + CHUNK_HEADER_BYTES + length;
    return { index, offset, dataOffset: offset + CHUNK_HEADER_BYTES, length };
  }
}

/** Lists the records of a xorb held in memory; throws FormatError `bad_xorb` on any corruption or truncation. */
export function parseXorbRecords(bytes: Uint8Array): XorbRecord[] {
  const scanner = new XorbRecordScanner(bytes.length);
  const records: XorbRecord[] = [];
  while (!scanner.done) records.push(scanner.next(bytes, scanner.offset));
  return records;
}

/** Packs chunks into one xorb of uncompressed records (for tests and small cases; the store streams). */
export function encodeXorb(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 0) throw bad('cannot encode an empty xorb');
  if (chunks.length > XORB_MAX_CHUNKS) throw bad(`cannot encode ${chunks.length} chunks; a xorb holds at most ${XORB_MAX_CHUNKS}`);
  let dataBytes = 0;
  chunks.forEach((chunk, i) => {
    if (chunk.length === 0 || chunk.length > MAX_CHUNK_BYTES) {
      throw bad(`cannot encode chunk ${i} of ${chunk.length} bytes (1 to ${MAX_CHUNK_BYTES} allowed)`);
    }
    dataBytes += chunk.length;
  });
  if (dataBytes > XORB_MAX_BYTES) throw bad(`cannot encode ${dataBytes} bytes of chunks; a xorb holds at most ${XORB_MAX_BYTES}`);
  const out = new Uint8Array(dataBytes + chunks.length * CHUNK_HEADER_BYTES);
  let at = 0;
  for (const chunk of chunks) {
    encodeChunkHeader(chunk.length, out, at);
    out.set(chunk, at + CHUNK_HEADER_BYTES);
    at += CHUNK_HEADER_BYTES + chunk.length;
  }
  return out;
}
