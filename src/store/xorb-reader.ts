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

/** Fills `buf` from `position` of the xorb, or throws on a short xorb. */
export function readFully(handle: XorbHandle, buf: Uint8Array, position: number): void {
  let at = 0;
  while (at < buf.length) {
    const n = handle.read(buf.subarray(at), position + at);
    if (n === 0) throw new FormatError(`unexpected end of file at byte ${position + at}`, {}, 'bad_xorb');
    at += n;
  }
}

/** readFully on the thread pool. */
export async function readFullyAsync(handle: XorbHandle, buf: Uint8Array, position: number): Promise<void> {
  let at = 0;
  while (at < buf.length) {
    const n = await handle.readAsync(buf.subarray(at), position + at);
    if (n === 0) throw new FormatError(`unexpected end of file at byte ${position + at}`, {}, 'bad_xorb');
    at += n;
  }
}

/** An open xorb. */
export class XorbFile {
  readonly size: number;
  private recordList: XorbRecord[] | undefined;

  private constructor(readonly xorb: string, private readonly fd: XorbHandle) {
    this.size = fd.size;
  }

  /** Opens the xorb named `xorb` from `backend`; a missing one is an IntegrityError (the store is damaged). */
  static open(backend: XorbBackend, xorb: string): XorbFile {
    return new XorbFile(xorb, backend.open(xorb));
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
    const records = this.records();
    if (start < 0 || end > records.length || start >= end) {
      throw new IntegrityError(`xorb ${this.xorb} has ${records.length} chunks; chunks ${start}..${end} were asked for`, { data: { xorb: this.xorb } }, 'missing_chunk');
    }
    const first = records[start];
    const last = records[end - 1];
    const bytes = new Uint8Array(last.dataOffset + last.length - first.offset);
    try {
      readFully(this.fd, bytes, first.offset);
    } catch (err) {
      throw this.damaged(err);
    }
    return { bytes, records: records.slice(start, end) };
  }

  /** Fills `buf` from byte `position` of the xorb (a short or damaged xorb is an IntegrityError naming it). */
  readAt(buf: Uint8Array, position: number): void {
    try {
      readFully(this.fd, buf, position);
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

  /** Recomputes every chunk hash and the xorb hash; returns the chunk hashes when they match the name. */
  verify(hashers: XetHashers): Uint8Array[] {
    const records = this.records();
    const hashes = this.chunkHashes(hashers);
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

  private damaged(err: unknown): unknown {
    if (err instanceof FormatError) {
      return new IntegrityError(`xorb ${this.xorb} is damaged: ${err.message}`, { cause: err, data: { xorb: this.xorb } }, 'corrupt_xorb');
    }
    return err;
  }
}
