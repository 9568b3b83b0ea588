/**
 * The Xet content-defined chunker (DESIGN.md §3), streaming over input of any size and any
 * read sizes. A chunk ends after the first byte at which the chunk is at least MIN_CHUNK long
 * and the gear hash (reset to 0 at every chunk start) has its top 16 bits clear; at MAX_CHUNK
 * it ends regardless; the last chunk is whatever remains. Hashing may start MIN_CHUNK - 65
 * bytes into a chunk because h depends only on the last 64 bytes. This reproduces xet-core's
 * deduplication::Chunker (target 64 KiB) byte for byte; the vectors in
 * fixtures/spec/xet-chunking-vectors.json are checked by the unit tests.
 *
 * Input lives in one window inside the scanner's WebAssembly memory, so a file can be read
 * straight into it (`writable()` + `commit()`) with no copy; `push()` copies for other sources.
 * A chunk's bytes are contiguous in the window and handed to the callback as a view that is
 * valid only during the call.
 */
import type { KeyedBlake3 } from '../hash/blake3.js';
import { GearScanner } from './gear-scanner.js';

/** Xet's target chunk size. */
export const TARGET_CHUNK = 64 * 1024;
/** No chunk but a file's last is shorter than this. */
export const MIN_CHUNK = TARGET_CHUNK / 8;
/** No chunk is longer than this. */
export const MAX_CHUNK = TARGET_CHUNK * 2;
/** Default bytes per read into the window. */
export const DEFAULT_READ_BYTES = 1 << 20;

const HASH_WINDOW = 64;

/** A chunk as the chunker reports it. `data` is a view valid only during the callback. */
export interface Chunk {
  offset: number;
  length: number;
  hash: Uint8Array;
  data: Uint8Array;
}

/** Receives each chunk in order. */
export type ChunkSink = (chunk: Chunk) => void;

/** Streaming chunker; create one per input stream (it is reusable after `finish`). */
export class Chunker {
  private readonly scanner: GearScanner;
  private readonly window: Uint8Array;
  private readonly readBytes: number;
  private start = 0; // window index where the current chunk starts
  private scanned = 0; // window index up to which bytes were skipped or hashed
  private filled = 0; // window index up to which there is data
  private offset = 0; // input offset of window[start]

  /** `hasher` must be keyed BLAKE3 with Xet's DATA_KEY (see hash/hashers.ts). */
  constructor(private readonly hasher: KeyedBlake3, readBytes = DEFAULT_READ_BYTES) {
    if (!Number.isInteger(readBytes) || readBytes < 1) throw new RangeError('readBytes must be a positive integer');
    this.readBytes = readBytes;
    this.scanner = new GearScanner(readBytes + MAX_CHUNK);
    this.window = this.scanner.data;
  }

  /**
   * Free space at the end of the window to read into (at least `readBytes` long, or exactly
   * that with `exact`). Call `commit(n)` after writing n bytes at its start.
   */
  writable(): Uint8Array {
    if (this.filled + this.readBytes > this.window.length) this.compact();
    return this.window.subarray(this.filled, this.filled + this.readBytes);
  }

  /** Declares that `n` bytes were written into `writable()`, and emits every chunk they complete. */
  commit(n: number, sink: ChunkSink): void {
    if (n < 0 || this.filled + n > this.window.length) throw new RangeError('commit: more bytes than writable');
    this.filled += n;
    this.scan(sink);
  }

  /** Copies `data` in (any length) and emits every chunk it completes. */
  push(data: Uint8Array, sink: ChunkSink): void {
    for (let at = 0; at < data.length; ) {
      const space = this.writable();
      const n = Math.min(space.length, data.length - at);
      space.set(data.subarray(at, at + n));
      at += n;
      this.commit(n, sink);
    }
  }

  /** Ends the input: emits the last chunk (if any bytes remain) and resets for a new stream. */
  finish(sink: ChunkSink): void {
    if (this.filled > this.start) this.emit(this.filled, sink);
    this.start = this.scanned = this.filled = this.offset = 0;
    this.scanner.reset();
  }

  private compact(): void {
    this.window.copyWithin(0, this.start, this.filled);
    this.scanned -= this.start;
    this.filled -= this.start;
    this.start = 0;
  }

  private scan(sink: ChunkSink): void {
    for (;;) {
      const minSkipTo = this.start + MIN_CHUNK - HASH_WINDOW - 1;
      if (this.scanned < minSkipTo) this.scanned = Math.min(minSkipTo, this.filled);
      const readEnd = Math.min(this.filled, this.start + MAX_CHUNK);
      let cut = -1;
      while (this.scanned < readEnd) {
        const match = this.scanner.nextMatch(this.scanned, readEnd);
        if (match < 0) {
          this.scanned = readEnd;
        } else {
          this.scanned = match;
          // a match before MIN_CHUNK would depend on fewer than 64 bytes of this chunk: go on
          if (match - this.start >= MIN_CHUNK) cut = match;
        }
        if (cut >= 0) break;
      }
      if (cut < 0 && this.scanned - this.start >= MAX_CHUNK) cut = this.start + MAX_CHUNK;
      if (cut < 0) return;
      this.emit(cut, sink);
    }
  }

  private emit(end: number, sink: ChunkSink): void {
    const data = this.window.subarray(this.start, end);
    const length = end - this.start;
    sink({ offset: this.offset, length, hash: this.hasher.hash(data), data });
    this.offset += length;
    this.start = this.scanned = end;
    this.scanner.reset();
  }
}
