/**
 * Writes one xorb: chunk records appended to a temporary file through a 4 MiB buffer, then
 * fsynced, named by its Xet xorb hash and renamed into place. Until `finish` returns, nothing
 * that a reader could see exists.
 */
import { closeSync, fsync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { CHUNK_HEADER_BYTES, XORB_MAX_BYTES, XORB_MAX_CHUNKS, encodeChunkHeader } from '../formats/xorb.js';
import { xorbHash, type MerkleHashers } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import { tmpPathFor } from '../fs/atomic-file.js';
import type { XorbBackend } from './xorb-backend.js';
import type { IndexedChunk } from './chunk-index.js';
import type { StorePaths } from './paths.js';

const BUFFER_BYTES = 4 << 20;

/** A sealed xorb: complete, named, and durable once `durable` resolves. */
export interface SealedXorb extends WrittenXorb {
  durable: Promise<void>;
}

/** A finished xorb. */
export interface WrittenXorb {
  xorb: string;
  /** Size of the xorb file (headers included). */
  bytes: number;
  chunks: IndexedChunk[];
}

/** Appends chunks to a new xorb. */
export class XorbWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private buffered = 0;
  private fileBytes = 0;
  private dataBytes = 0;
  private readonly chunks: IndexedChunk[] = [];
  private closed = false;

  constructor(private readonly paths: StorePaths, private readonly hashers: MerkleHashers, private readonly backend: XorbBackend) {
    mkdirSync(paths.tmp, { recursive: true });
    this.tmp = tmpPathFor(paths.tmp, 'xorb');
    this.fd = openSync(this.tmp, 'wx', 0o644);
  }

  /** Number of chunks appended. */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /** True when a chunk of `length` bytes still fits (64 MiB of data, 8192 chunks). */
  fits(length: number): boolean {
    return this.chunks.length < XORB_MAX_CHUNKS && this.dataBytes + length <= XORB_MAX_BYTES;
  }

  /** Appends one chunk; returns its number in this xorb. */
  append(hash: Uint8Array, data: Uint8Array): number {
    if (!this.fits(data.length)) throw new RangeError('xorb is full');
    const index = this.chunks.length;
    this.chunks.push({ hash: Uint8Array.from(hash), index, offset: this.fileBytes, length: data.length });
    if (this.buffered + CHUNK_HEADER_BYTES + data.length > BUFFER_BYTES) this.flush();
    encodeChunkHeader(data.length, this.buffer, this.buffered);
    this.buffer.set(data, this.buffered + CHUNK_HEADER_BYTES);
    this.buffered += CHUNK_HEADER_BYTES + data.length;
    this.fileBytes += CHUNK_HEADER_BYTES + data.length;
    this.dataBytes += data.length;
    return index;
  }

  private flush(): void {
    let at = 0;
    while (at < this.buffered) at += writeSync(this.fd, this.buffer, at, this.buffered - at);
    this.buffered = 0;
  }

  /**
   * Ends the xorb: its hash is known at once; `durable` resolves once the file is fsynced (on the
   * libuv thread pool, so chunking goes on meanwhile) and renamed to its name. Nothing is
   * visible under the name before the data is on disk.
   */
  seal(): SealedXorb {
    if (this.chunks.length === 0) throw new RangeError('cannot seal an empty xorb');
    this.flush();
    this.closed = true;
    const xorb = xetHex(xorbHash(this.chunks.map((c) => ({ hash: c.hash, size: c.length })), this.hashers));
    const { fd, tmp } = this;
    const durable = new Promise<void>((resolve, reject) => {
      fsync(fd, (err) => {
        try {
          closeSync(fd);
          if (err) throw err;
          // Same hash means same bytes: a xorb already there (a concurrent or earlier add) stays.
          this.backend.commit(tmp, xorb);
          resolve();
        } catch (e) {
          try {
            unlinkSync(tmp);
          } catch {
            /* gone */
          }
          reject(e);
        }
      });
    });
    return { xorb, bytes: this.fileBytes, chunks: this.chunks, durable };
  }

  /** Drops the unfinished xorb. */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      closeSync(this.fd);
    }
    try {
      unlinkSync(this.tmp);
    } catch {
      /* never created or already gone */
    }
  }
}
