/**
 * Imports a xorb uploaded in Xet's format (a Xet CAS upload: docs/protocol.md "Xet") into the
 * store, as the store keeps xorbs: uncompressed chunk records (formats/xorb.ts), no footer. The
 * Xet xorb hash covers the chunk hashes and lengths only, not how records are stored, so the
 * rewritten xorb keeps its name and is the very xorb a `hub push` of the same chunks writes: one
 * store, one dedup, and every reader of the store (hub-chunks, LFS downloads, the web pages, Xet
 * reconstructions) reads it unchanged.
 *
 * The received file is read once, record by record (memory: one chunk), each record decompressed
 * within its declared length (formats/chunk-compression.ts: an LZ4 frame that would grow past it
 * is refused) and hashed; a footer, when the records end in one, must list exactly those chunk
 * hashes, record boundaries, unpacked offsets and xorb hash. The xorb hash must be the name it was
 * uploaded under. Only then is the file committed and indexed; on any failure nothing is.
 *
 * One pass: while every record is uncompressed (what hub sends for weights that do not compress,
 * and any client may send), the received records already are the store's format, so nothing is
 * written: the footer is cut off the received file, which becomes the xorb. Only from the first
 * compressed record on is a rewritten file started (the raw records before it copied from the
 * page cache), so a compressed xorb costs one more write, never a second read of the upload.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { FormatError, IntegrityError } from '../errors.js';
import { decompressChunk } from '../formats/chunk-compression.js';
import { decodeXetChunkHeader, MAX_COMPRESSED_CHUNK_BYTES } from '../formats/xet-xorb.js';
import { parseXorbFooter, startsXorbFooter, xorbFooterBytes, XORB_FOOTER_IDENT, type XorbFooter } from '../formats/xorb-footer.js';
import { CHUNK_HEADER_BYTES, encodeChunkHeader, XORB_MAX_CHUNKS, XORB_READ_MAX_BYTES } from '../formats/xorb.js';
import { datasyncFile, tmpPathFor } from '../fs/atomic-file.js';
import { xorbHash } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import type { IndexedChunk } from './chunk-index.js';
import type { Store } from './store.js';
import { openFileHandle, type XorbHandle } from './xorb-backend.js';
import { readFully } from './xorb-reader.js';
import { chunkTable } from './xorb-table.js';

/** What importing a Xet xorb did. */
export interface XetXorbImported {
  xorb: string;
  chunks: number;
  /** Size of the stored (uncompressed) xorb. */
  bytes: number;
  /** False when the store had the xorb already (it was verified all the same). */
  wasInserted: boolean;
}

const OUT_BUFFER_BYTES = 4 << 20;

function bad(message: string): FormatError {
  return new FormatError(message, {}, 'bad_xorb');
}

/** Verifies the Xet xorb in file `tmp` against the name `expected` and stores it; removes `tmp`. */
export async function importXetXorb(store: Store, tmp: string, expected: string): Promise<XetXorbImported> {
  const input = openFileHandle(tmp);
  const out = new LazyOutput(store);
  // the received bytes reach the disk while they are verified (the sync waits on the thread pool, not here)
  const synced = store.xorbs.remote ? Promise.resolve() : datasyncFile(tmp);
  synced.catch(() => {}); // awaited below when the file is kept
  let committed = false;
  try {
    const { chunks, footer, boundaries, unpackedEnds, recordsEnd } = walk(store, input, out);
    const computed = xorbHash(chunks.map((c) => ({ hash: c.hash, size: c.length })), store.hashers);
    if (footer) checkFooter(footer, chunks, boundaries, unpackedEnds, computed);
    const actual = xetHex(computed);
    if (actual !== expected) throw new IntegrityError(`xorb ${expected} does not match its content (its chunks hash to ${actual})`, { data: { xorb: expected } }, 'xorb_mismatch');
    if (!out.started) await synced;
    const file = out.finish(() => {
      // every record raw: the received file, its footer cut off, is the stored xorb (its data synced above: this sync writes the new length)
      if (recordsEnd < input.size) {
        const fd = openSync(tmp, 'r+');
        try {
          ftruncateSync(fd, recordsEnd);
          if (!store.xorbs.remote) fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      return tmp;
    });
    committed = true;
    const last = chunks[chunks.length - 1];
    const bytes = last.offset + CHUNK_HEADER_BYTES + last.length;
    const wasInserted = !(await store.xorbs.existsAsync(expected));
    // a xorb the store has stays: same name, same records; the committed file is gone afterwards
    await store.xorbs.commitAsync(file, expected, chunkTable(chunks));
    store.index.addXorb(expected, bytes, chunks);
    return { xorb: expected, chunks: chunks.length, bytes, wasInserted };
  } finally {
    input.close();
    if (!committed) out.abandon();
    rmSync(tmp, { force: true });
  }
}

/**
 * The rewritten xorb, started only when a compressed record shows up (see the module comment):
 * until then `written` counts the raw records it would hold, which are the input's bytes.
 */
class LazyOutput {
  private fd: number | undefined;
  private path: string | undefined;
  private readonly buffer = Buffer.allocUnsafe(OUT_BUFFER_BYTES);
  private buffered = 0;
  /** Bytes of stored records so far (written or, while raw, left in the input). */
  written = 0;

  constructor(private readonly store: Store) {}

  get started(): boolean {
    return this.fd !== undefined;
  }

  /** Starts the rewritten file with the first `raw` bytes of `input` (the raw records before the first compressed one). */
  start(input: XorbHandle, raw: number): void {
    mkdirSync(this.store.paths.tmp, { recursive: true });
    this.path = tmpPathFor(this.store.paths.tmp, 'xorb');
    this.fd = openSync(this.path, 'wx', 0o644);
    for (let at = 0; at < raw; ) {
      const n = Math.min(this.buffer.length, raw - at);
      readFully(input, this.buffer.subarray(0, n), at);
      for (let w = 0; w < n; ) w += writeSync(this.fd, this.buffer, w, n - w);
      at += n;
    }
  }

  /** Appends one uncompressed record of `data` (only once started); returns its offset. */
  append(data: Uint8Array): number {
    const offset = this.written;
    if (this.fd !== undefined) {
      if (this.buffered + CHUNK_HEADER_BYTES + data.length > this.buffer.length) this.flush();
      encodeChunkHeader(data.length, this.buffer, this.buffered);
      this.buffer.set(data, this.buffered + CHUNK_HEADER_BYTES);
      this.buffered += CHUNK_HEADER_BYTES + data.length;
    }
    this.written += CHUNK_HEADER_BYTES + data.length;
    return offset;
  }

  private flush(): void {
    for (let at = 0; at < this.buffered; ) at += writeSync(this.fd!, this.buffer, at, this.buffered - at);
    this.buffered = 0;
  }

  /** The file to commit: the rewritten one (flushed, synced, closed), or what `inPlace` makes of the input. */
  finish(inPlace: () => string): string {
    if (this.fd === undefined) return inPlace();
    this.flush();
    if (!this.store.xorbs.remote) fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    return this.path!;
  }

  abandon(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.path) rmSync(this.path, { force: true });
  }
}

/** Walks the records of `input` once, hashing each chunk and handing it to `out`; reads the footer if the records end in one. */
function walk(store: Store, input: XorbHandle, out: LazyOutput) {
  const size = input.size;
  if (size === 0) throw bad('empty xorb: no chunk records');
  const header = new Uint8Array(CHUNK_HEADER_BYTES);
  const stored = new Uint8Array(MAX_COMPRESSED_CHUNK_BYTES);
  const chunks: IndexedChunk[] = [];
  const boundaries: number[] = [];
  const unpackedEnds: number[] = [];
  let at = 0;
  let unpacked = 0;
  let footer: XorbFooter | null = null;
  while (at < size) {
    const index = chunks.length;
    const where = `chunk record ${index} at byte ${at}`;
    const view = header.subarray(0, Math.min(CHUNK_HEADER_BYTES, size - at));
    readFully(input, view, at);
    if (startsXorbFooter(view, 0) || (view.length < CHUNK_HEADER_BYTES && isFooterPrefix(view))) {
      footer = readFooter(input, at, index);
      break;
    }
    if (index >= XORB_MAX_CHUNKS) throw bad(`${where}: a xorb holds at most ${XORB_MAX_CHUNKS} chunk records`);
    const { scheme, storedLength, length } = decodeXetChunkHeader(view, 0, where);
    const remaining = size - at - CHUNK_HEADER_BYTES;
    if (storedLength > remaining) throw bad(`truncated ${where}: header says ${storedLength} bytes, ${remaining} remain`);
    unpacked += length;
    if (unpacked > XORB_READ_MAX_BYTES) throw bad(`${where}: chunk data exceeds the ${XORB_READ_MAX_BYTES}-byte xorb limit`);
    const body = stored.subarray(0, storedLength);
    readFully(input, body, at + CHUNK_HEADER_BYTES);
    if (scheme !== 0 && !out.started) out.start(input, at); // the records so far are raw: the input's first `at` bytes
    const data = decompressChunk(scheme, body, length, where);
    chunks.push({ hash: store.hashers.chunk.hash(data), index, offset: out.append(data), length });
    at += CHUNK_HEADER_BYTES + storedLength;
    boundaries.push(at);
    unpackedEnds.push(unpacked);
  }
  if (chunks.length === 0) throw bad('xorb has a footer but no chunk records');
  return { chunks, footer, boundaries, unpackedEnds, recordsEnd: at };
}

/** Whether the few bytes left are the start of a footer ident (a footer cut short, named as such). */
function isFooterPrefix(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.every((b, i) => i < XORB_FOOTER_IDENT.length && b === XORB_FOOTER_IDENT[i]);
}

/** Reads the footer starting at byte `at` of `input`, after `records` records (bounded by the largest footer a xorb can have). */
function readFooter(input: XorbHandle, at: number, records: number): XorbFooter {
  const tail = input.size - at;
  if (tail > xorbFooterBytes(XORB_MAX_CHUNKS)) throw bad(`xorb footer at byte ${at}: ${tail} bytes is longer than any footer`);
  const bytes = new Uint8Array(tail);
  readFully(input, bytes, at);
  const { footer, start } = parseXorbFooter(bytes, at);
  if (start !== at) throw bad(`xorb footer starts at byte ${start} but the records end at byte ${at}`);
  if (footer.chunkHashes.length !== records) throw bad(`xorb footer lists ${footer.chunkHashes.length} chunks, the xorb holds ${records}`);
  return footer;
}

/** The footer must say what the records say: boundaries, unpacked offsets, chunk hashes and the xorb hash. */
function checkFooter(footer: XorbFooter, chunks: IndexedChunk[], boundaries: number[], unpackedEnds: number[], computed: Uint8Array): void {
  chunks.forEach((c, i) => {
    if (footer.boundaryOffsets[i] !== boundaries[i]) throw bad(`xorb footer: chunk ${i} ends at byte ${footer.boundaryOffsets[i]}, its record at byte ${boundaries[i]}`);
    if (footer.unpackedOffsets[i] !== unpackedEnds[i]) throw bad(`xorb footer: chunk ${i} unpacks to offset ${footer.unpackedOffsets[i]}, its record to ${unpackedEnds[i]}`);
    if (!equal(footer.chunkHashes[i], c.hash)) {
      throw new IntegrityError(`xorb footer: chunk ${i} hash ${xetHex(footer.chunkHashes[i])} does not match its data (${xetHex(c.hash)})`, {}, 'xorb_mismatch');
    }
  });
  if (!equal(footer.xorbHash, computed)) throw new IntegrityError(`xorb footer: xorb hash ${xetHex(footer.xorbHash)} does not match its chunks (${xetHex(computed)})`, {}, 'xorb_mismatch');
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
