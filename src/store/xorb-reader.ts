/**
 * Reads xorbs (through a XorbBackend): walks record headers with 8-byte reads (no 64 MiB loads), reads chunk
 * ranges, and verifies a whole xorb against its name. Damage becomes an IntegrityError that
 * names the xorb.
 */
import { FormatError, IntegrityError } from '../errors.js';
import { CHUNK_HEADER_BYTES, MAX_CHUNK_BYTES, XorbRecordScanner, type XorbRecord } from '../formats/xorb.js';
import type { XetHashers } from '../hash/hashers.js';
import { xorbHash } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import type { XorbBackend, XorbHandle } from './xorb-backend.js';
import type { ChunkTable } from './xorb-table.js';

/** Fills `buf` from `position` of the xorb, or throws on a short xorb. */
export function readFully(handle: XorbHandle, buf: Uint8Array, position: number): void {
  let at = 0;
  while (at < buf.length) {
    const n = handle.read(buf.subarray(at), position + at);
    if (n === 0) throw new FormatError(`unexpected end of file at byte ${position + at}`, {}, 'bad_xorb');
    at += n;
  }
}

/** readFully on the thread pool (a local file) or by ranged GETs (object storage); `until`: see XorbHandle.readAsync. */
export async function readFullyAsync(handle: XorbHandle, buf: Uint8Array, position: number, until?: number): Promise<void> {
  let at = 0;
  while (at < buf.length) {
    const n = await handle.readAsync(buf.subarray(at), position + at, until);
    if (n === 0) throw new FormatError(`unexpected end of file at byte ${position + at}`, {}, 'bad_xorb');
    at += n;
  }
}

/**
 * readFully for a handle of any backend: in place for a local file (a pread, no promise per
 * read: the local store's fast path, as the sync code has it), else through `readAsync`.
 */
export async function readSpan(handle: XorbHandle, buf: Uint8Array, position: number, until?: number): Promise<void> {
  if (handle.remote) await readFullyAsync(handle, buf, position, until);
  else readFully(handle, buf, position);
}

/** An open xorb. */
export class XorbFile {
  readonly size: number;
  private recordList: XorbRecord[] | undefined;

  private constructor(readonly xorb: string, private readonly fd: XorbHandle) {
    this.size = fd.size;
    this.recordList = fd.table?.records; // a backend that keeps chunk tables spares the header scan
  }

  /** Opens the xorb named `xorb` from `backend`; a missing one is an IntegrityError (the store is damaged). Local stores only. */
  static open(backend: XorbBackend, xorb: string): XorbFile {
    return new XorbFile(xorb, backend.open(xorb));
  }

  /** Opens the xorb named `xorb` from a backend of any kind (its records known once this resolves). */
  static async openAsync(backend: XorbBackend, xorb: string): Promise<XorbFile> {
    const file = new XorbFile(xorb, await backend.openAsync(xorb));
    if (!file.recordList && file.fd.remote) await file.scanAsync();
    return file;
  }

  /** The handle's chunk table, when its backend keeps one (records and chunk hashes without reading the xorb). */
  get table(): ChunkTable | undefined {
    return this.fd.table;
  }

  /** The handle (for reads of byte ranges). */
  get handle(): XorbHandle {
    return this.fd;
  }

  /** Wraps an open handle (e.g. a received file not yet in any backend) named `xorb`. */
  static fromHandle(xorb: string, handle: XorbHandle): XorbFile {
    return new XorbFile(xorb, handle);
  }

  /** The chunk records, read from the headers once. */
  records(): XorbRecord[] {
    if (!this.recordList) {
      const list: XorbRecord[] = [];
      const header = new Uint8Array(CHUNK_HEADER_BYTES);
      try {
        const scanner = new XorbRecordScanner(this.size);
        while (!scanner.done) {
          const remaining = this.size - scanner.offset;
          const view = header.subarray(0, Math.min(CHUNK_HEADER_BYTES, remaining));
          readFully(this.fd, view, scanner.offset);
          list.push(scanner.next(view));
        }
      } catch (err) {
        throw this.damaged(err);
      }
      this.recordList = list;
    }
    return this.recordList;
  }

  /** Bytes of chunks [start, end) as one contiguous read of data and headers. */
  readChunks(start: number, end: number): { bytes: Uint8Array; records: XorbRecord[] } {
    const { length, records, first } = this.chunkSpan(start, end);
    const bytes = new Uint8Array(length);
    try {
      readFully(this.fd, bytes, first.offset);
    } catch (err) {
      throw this.damaged(err);
    }
    return { bytes, records };
  }

  /**
   * readChunks for a backend of any kind; `until`: the caller reads on sequentially up to that
   * byte of the xorb; `alloc`: where the bytes go (a buffer of exactly the length asked; default a new one).
   */
  async readChunksAsync(start: number, end: number, until?: number, alloc?: (length: number) => Uint8Array | Promise<Uint8Array>): Promise<{ bytes: Uint8Array; records: XorbRecord[] }> {
    const { length, records, first } = this.chunkSpan(start, end);
    const bytes = alloc ? await alloc(length) : new Uint8Array(length);
    try {
      await readSpan(this.fd, bytes, first.offset, until);
    } catch (err) {
      throw this.damaged(err);
    }
    return { bytes, records };
  }

  private chunkSpan(start: number, end: number): { length: number; records: XorbRecord[]; first: XorbRecord } {
    const records = this.records();
    if (start < 0 || end > records.length || start >= end) {
      throw new IntegrityError(`xorb ${this.xorb} has ${records.length} chunks; chunks ${start}..${end} were asked for`, { data: { xorb: this.xorb } }, 'missing_chunk');
    }
    const first = records[start];
    const last = records[end - 1];
    return { length: last.dataOffset + last.length - first.offset, records: records.slice(start, end), first };
  }

  /** Fills `buf` from byte `position` of the xorb (a short or damaged xorb is an IntegrityError naming it). */
  readAt(buf: Uint8Array, position: number): void {
    try {
      readFully(this.fd, buf, position);
    } catch (err) {
      throw this.damaged(err);
    }
  }

  /**
   * readAt for a backend of any kind; `until`: see XorbHandle.readAsync. A local file is read in
   * place (a pread on this thread) unless `offThread`: then on the thread pool, for a caller
   * that has work of its own to do meanwhile.
   */
  async readAtAsync(buf: Uint8Array, position: number, until?: number, offThread = false): Promise<void> {
    try {
      await (offThread ? readFullyAsync(this.fd, buf, position, until) : readSpan(this.fd, buf, position, until));
    } catch (err) {
      throw this.damaged(err);
    }
  }

  /** The keyed BLAKE3 hash of every chunk, read record by record. */
  chunkHashes(hashers: XetHashers): Uint8Array[] {
    const records = this.records();
    const hashes: Uint8Array[] = [];
    const buf = new Uint8Array(MAX_CHUNK_BYTES);
    try {
      for (const r of records) {
        const view = buf.subarray(0, r.length);
        readFully(this.fd, view, r.dataOffset);
        hashes.push(hashers.chunk.hash(view));
      }
    } catch (err) {
      throw this.damaged(err);
    }
    return hashes;
  }

  /** chunkHashes for a backend of any kind (the xorb read once, in order, in pieces of up to 8 MiB). */
  async chunkHashesAsync(hashers: XetHashers): Promise<Uint8Array[]> {
    const records = this.records();
    const hashes: Uint8Array[] = [];
    for (let start = 0; start < records.length; ) {
      let end = start + 1;
      while (end < records.length && records[end].dataOffset + records[end].length - records[start].offset <= 8 << 20) end++;
      const { bytes } = await this.readChunksAsync(start, end, this.size);
      const base = records[start].offset;
      for (let i = start; i < end; i++) hashes.push(hashers.chunk.hash(bytes.subarray(records[i].dataOffset - base, records[i].dataOffset - base + records[i].length)));
      start = end;
    }
    return hashes;
  }

  /** Recomputes every chunk hash and the xorb hash; returns the chunk hashes when they match the name. */
  verify(hashers: XetHashers): Uint8Array[] {
    return this.checkName(hashers, this.chunkHashes(hashers));
  }

  /** verify for a backend of any kind. */
  async verifyAsync(hashers: XetHashers): Promise<Uint8Array[]> {
    return this.checkName(hashers, await this.chunkHashesAsync(hashers));
  }

  private checkName(hashers: XetHashers, hashes: Uint8Array[]): Uint8Array[] {
    const records = this.records();
    const actual = xetHex(xorbHash(hashes.map((hash, i) => ({ hash, size: records[i].length })), hashers));
    if (actual !== this.xorb) {
      throw new IntegrityError(`xorb ${this.xorb} is corrupt: its chunks hash to ${actual}`, { data: { xorb: this.xorb } }, 'corrupt_xorb');
    }
    return hashes;
  }

  /** Closes the file. */
  close(): void {
    this.fd.close();
  }

  /** The records from the headers, read through `readAsync` (a remote xorb without a chunk table). */
  private async scanAsync(): Promise<void> {
    const list: XorbRecord[] = [];
    const header = new Uint8Array(CHUNK_HEADER_BYTES);
    try {
      const scanner = new XorbRecordScanner(this.size);
      while (!scanner.done) {
        const view = header.subarray(0, Math.min(CHUNK_HEADER_BYTES, this.size - scanner.offset));
        await readFullyAsync(this.fd, view, scanner.offset, this.size);
        list.push(scanner.next(view));
      }
    } catch (err) {
      throw this.damaged(err);
    }
    this.recordList = list;
  }

  private damaged(err: unknown): unknown {
    if (err instanceof FormatError) {
      return new IntegrityError(`xorb ${this.xorb} is damaged: ${err.message}`, { cause: err, data: { xorb: this.xorb } }, 'corrupt_xorb');
    }
    return err;
  }
}
