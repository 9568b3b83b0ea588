/**
 * Writes one xorb: chunk records appended to a temporary file through 4 MiB buffers, each full
 * buffer written on the libuv thread pool while the caller goes on (page-cache copies of a
 * 512 MiB file took 0.6 s of a 1.2 s `hub add` on the main thread when written synchronously),
 * then fsynced, named by its Xet xorb hash and renamed into place (or uploaded, with its chunk
 * table, when the store is in object storage: no fsync then). Until `durable` resolves,
 * nothing that a reader could see exists. Buffers waiting for the disk are bounded by the
 * caller awaiting `drained()`; they come from a pool that the writers of one file share
 * (`xorbBufferPool`), so a file of many xorbs allocates a handful of buffers, not one per 4 MiB.
 *
 * Where the file system allows, the records go to the disk past the page cache (O_DIRECT,
 * fs/direct-io.ts): whole 4 KiB blocks from page-aligned buffers, the last partial block of each
 * buffer carried into the next, and only the xorb's final partial block written through the page
 * cache. A refused direct write turns direct writes off for the xorb and writes as before.
 */
import { closeSync, fsync, mkdirSync, openSync, unlink, write } from 'node:fs';
import { alignedArrayBuffer, closeDirect, DIRECT_BLOCK, openDirect } from '../fs/direct-io.js';
import { CHUNK_HEADER_BYTES, XORB_MAX_BYTES, XORB_MAX_CHUNKS, encodeChunkHeader } from '../formats/xorb.js';
import { xorbHash, type MerkleHashers } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import { tmpPathFor } from '../fs/atomic-file.js';
import { BufferPool, sharedPool } from '../fs/buffer-pool.js';
import type { XorbBackend } from './xorb-backend.js';
import { chunkTable } from './xorb-table.js';
import type { IndexedChunk } from './chunk-index.js';
import type { StorePaths } from './paths.js';

const BUFFER_BYTES = 4 << 20;
/** Bytes handed to the thread pool and not yet written past which `drained()` waits. */
const WRITE_AHEAD = 8 << 20;

/** Spare buffers a pool of writers' buffers keeps: enough for the writes `drained()` lets wait, the one being filled and one spare. */
const KEEP = WRITE_AHEAD / BUFFER_BYTES + 2;

/** A pool of the writers' buffers (page-aligned, for direct writes), for one sink. */
export function xorbBufferPool(): BufferPool {
  return new BufferPool(BUFFER_BYTES, KEEP, alignedArrayBuffer);
}

/**
 * The writers' buffers this process (this thread) shares between the files it stores (every
 * ChunkSink: adds, downloads, a diff's fetched chunks)
 * (fs/buffer-pool.ts says why), keeping as many spares as one sink's pool did: a thread that
 * added a file kept that pool's buffers until a collection came anyway.
 */
export function sharedXorbBufferPool(): BufferPool {
  return sharedPool(BUFFER_BYTES, KEEP, alignedArrayBuffer);
}

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
  /** The same file opened O_DIRECT (-1: none, or turned off by a refused write). */
  private direct: number;
  private directWritten = 0;
  /** The buffer being filled (taken from the pool at the first record after a flush). */
  private buffer: Buffer | undefined;
  private buffered = 0;
  /** The writes handed to the thread pool, one after another; rejects with the first failure. */
  private writes: Promise<void> = Promise.resolve();
  private writing = 0;
  private written = 0;
  private fileBytes = 0;
  private dataBytes = 0;
  private readonly chunks: IndexedChunk[] = [];
  private closed = false;

  /** `pool`: where buffers come from and go back to once written (shared by the writers of one sink). */
  constructor(paths: StorePaths, private readonly hashers: MerkleHashers, private readonly backend: XorbBackend, private readonly pool = xorbBufferPool()) {
    mkdirSync(paths.tmp, { recursive: true });
    this.tmp = tmpPathFor(paths.tmp, 'xorb');
    this.fd = openSync(this.tmp, 'wx', 0o644);
    this.direct = openDirect(this.tmp);
  }

  /** Bytes written past the page cache so far (0 where the file system or a refused write turned that off). */
  get directBytes(): number {
    return this.directWritten;
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
    const buffer = (this.buffer ??= this.pool.take());
    encodeChunkHeader(data.length, buffer, this.buffered);
    buffer.set(data, this.buffered + CHUNK_HEADER_BYTES);
    this.buffered += CHUNK_HEADER_BYTES + data.length;
    this.fileBytes += CHUNK_HEADER_BYTES + data.length;
    this.dataBytes += data.length;
    return index;
  }

  /** Resolves once the bytes waiting for the thread pool are under WRITE_AHEAD (rejects if a write failed). */
  async drained(): Promise<void> {
    while (this.writing > WRITE_AHEAD) await this.writes;
  }

  /**
   * Hands the buffered records to the thread pool; the buffer goes back to the pool once written.
   * While writing direct, all but the xorb's last write are whole blocks: the partial block at the
   * end of the buffer starts the next buffer instead.
   */
  private flush(last = false): void {
    const buf = this.buffer;
    if (!buf || !this.buffered) return;
    const carry = this.direct >= 0 && !last ? this.buffered % DIRECT_BLOCK : 0;
    const n = this.buffered - carry;
    this.buffer = undefined;
    this.buffered = 0;
    if (carry) {
      this.buffer = this.pool.take();
      this.buffer.set(buf.subarray(n, n + carry));
      this.buffered = carry;
    }
    if (n === 0) return this.pool.give(buf);
    const position = this.written;
    this.written += n;
    this.writing += n;
    this.writes = this.writes.then(async () => {
      await this.writeOut(buf, n, position);
      this.writing -= n;
      this.pool.give(buf);
    });
    this.writes.catch(() => {}); // met by seal's durable, drained or abort
  }

  /** Writes `buf[0, n)` at `position`: its whole blocks direct when possible, the rest through the page cache. */
  private async writeOut(buf: Buffer, n: number, position: number): Promise<void> {
    let at = 0;
    if (this.direct >= 0 && position % DIRECT_BLOCK === 0) {
      const whole = n - (n % DIRECT_BLOCK);
      try {
        // a short direct write ends direct writing here: the rest goes through the page cache
        if (whole) at = await writeAt(this.direct, buf, 0, whole, position);
        this.directWritten += at;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
        closeDirect(this.direct); // refused (an unaligned buffer or block size): write as before from now on
        this.direct = -1;
      }
    }
    while (at < n) at += await writeAt(this.fd, buf, at, n - at, position + at);
  }

  /**
   * Ends the xorb: its hash is known at once; `durable` resolves once the file is fsynced (on the
   * libuv thread pool, so chunking goes on meanwhile) and renamed to its name. Nothing is
   * visible under the name before the data is on disk.
   */
  seal(): SealedXorb {
    if (this.chunks.length === 0) throw new RangeError('cannot seal an empty xorb');
    this.flush(true);
    this.closed = true;
    const xorb = xetHex(xorbHash(this.chunks.map((c) => ({ hash: c.hash, size: c.length })), this.hashers));
    const { fd, tmp, backend, chunks } = this;
    const written = this.writes;
    const durable = (async () => {
      try {
        try {
          await written;
          // a local xorb is fsynced before its rename; one uploaded to object storage is durable there
          if (!backend.remote) await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
        } finally {
          closeSync(fd);
          closeDirect(this.direct);
        }
        // Same hash means same bytes: a xorb already there (a concurrent or earlier add) stays.
        await backend.commitAsync(tmp, xorb, chunkTable(chunks));
      } catch (err) {
        await new Promise<void>((resolve) => unlink(tmp, () => resolve())); // gone already is fine
        throw err;
      }
    })();
    return { xorb, bytes: this.fileBytes, chunks: this.chunks, durable };
  }

  /** Drops the unfinished xorb, once no write of it is in flight (none may land on a reused descriptor). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.buffer) this.pool.give(this.buffer); // never handed to a write
    this.buffer = undefined;
    await this.writes.catch(() => {});
    closeSync(this.fd);
    closeDirect(this.direct);
    await new Promise<void>((resolve) => unlink(this.tmp, () => resolve())); // gone already is fine
  }
}

/** fs.write of `length` bytes of `buf` from `offset` at `position`, as a promise of the bytes written. */
function writeAt(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => write(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}
