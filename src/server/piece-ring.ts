/**
 * The bound on a download's send buffers, shared by sendRange (xorb and chunk downloads: one
 * piece per buffer) and sendObject (LFS and resolve downloads: a read of several chunks cut
 * into pieces). A buffer of the server's pool goes back to it once the socket has taken every
 * piece cut from it (each write's callback releases its piece), so requests one after another
 * reuse the same few buffers and one download never holds more than the ring's size.
 */
import type { EventEmitter } from 'node:events';
import type { BufferPool } from '../fs/buffer-pool.js';

/** One buffer of the ring: how many of its pieces are held or being written, and whether more may be cut from it. */
interface RingBuffer {
  buf: Buffer;
  pending: number;
  complete: boolean;
}

/**
 * At most `size` buffers of `pool` out at once. A buffer taken is cut into pieces (`keep` each
 * one); taking the next marks it complete, and a complete buffer whose pieces were all released
 * goes back to the pool. A read longer than the pool's buffers gets a buffer of its own.
 */
export class PieceRing {
  private readonly out = new Map<ArrayBufferLike, RingBuffer>();
  private current: RingBuffer | undefined;
  private wake: (() => void) | undefined;
  private closed = false;

  private readonly onGone = (): void => this.close();

  /**
   * `response`: closed when it closes (a response that goes away may never call back its queued
   * writes, so a take waiting must not wait for them); the listener goes at `close`, so one
   * response may carry ring after ring (a multipart answer: one per range).
   */
  constructor(
    private readonly pool: BufferPool,
    private readonly size: number,
    private readonly response?: EventEmitter,
  ) {
    response?.once('close', this.onGone);
  }

  /** A buffer of exactly `length` bytes, once fewer than `size` are out (after close: at once, a new one). */
  async take(length: number): Promise<Buffer> {
    this.completeCurrent();
    while (this.out.size >= this.size && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
    if (length > this.pool.bytes || this.closed) return Buffer.allocUnsafe(length);
    const buf = this.pool.take(length);
    this.current = { buf, pending: 0, complete: false };
    this.out.set(buf.buffer, this.current);
    return buf;
  }

  /** Counts `piece` (a view of a buffer of this ring, or of any other) as held; the function releases it, once. */
  keep(piece: Uint8Array): () => void {
    const entry = this.out.get(piece.buffer);
    if (!entry) return () => {};
    entry.pending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.pending--;
      this.settle(entry);
    };
  }

  /**
   * No more pieces will be cut: buffers go back as their last pieces are released (one whose
   * writes are never called back is left to the garbage collector), and a take waiting is let go.
   */
  close(): void {
    this.response?.off('close', this.onGone);
    this.closed = true;
    this.completeCurrent();
    this.wakeUp();
  }

  private completeCurrent(): void {
    if (!this.current) return;
    this.current.complete = true;
    this.settle(this.current);
    this.current = undefined;
  }

  private settle(entry: RingBuffer): void {
    if (!entry.complete || entry.pending > 0 || this.out.get(entry.buf.buffer) !== entry) return;
    this.out.delete(entry.buf.buffer);
    this.pool.give(entry.buf);
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
