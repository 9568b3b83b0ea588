/**
 * A response body read ahead of its consumer, up to a bound: a download that consumes ranges in
 * file order starts the next ones early (their first bytes arrive while the current one is
 * decoded), but each holds at most `limit` bytes before the socket is left to apply backpressure,
 * so memory stays bounded by the requests in flight, not by the ranges' sizes. With a pool, the
 * socket's small reads are copied into the pool's buffers (one copy, as the hub-chunks adapter
 * makes): the consumer gives each buffer back once nothing references it, so a download of
 * gigabytes allocates a few dozen buffers, not one per read (fs/buffer-pool.ts says why).
 */
import { NetworkError } from '../errors.js';
import type { BufferPool } from '../fs/buffer-pool.js';

/** The pieces of one body, in order; `next` resolves undefined at its end. */
export class BodyPrefetch {
  private readonly parts: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private failure: { err: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakePump: (() => void) | undefined;
  private stopped = false;

  /** Starts reading `body` (undici's); `what` names it in the error of a dropped connection. */
  constructor(private readonly body: AsyncIterable<Buffer> & { destroy?(err?: Error): unknown }, private readonly limit: number, private readonly what: string, private readonly signal?: AbortSignal, private readonly pool?: BufferPool) {
    void this.pump();
  }

  private async pump(): Promise<void> {
    let block: Buffer | undefined;
    let filled = 0;
    const queue = (buf: Buffer): void => {
      this.parts.push(buf);
      this.buffered += buf.length;
      this.wake();
    };
    try {
      for await (const part of this.body) {
        if (this.stopped) return;
        if (!this.pool) queue(part);
        else {
          for (let at = 0; at < part.length; ) {
            block ??= this.pool.take();
            const n = part.copy(block, filled, at);
            at += n;
            filled += n;
            if (filled === block.length) {
              queue(block);
              block = undefined;
              filled = 0;
            }
          }
        }
        while (this.buffered >= this.limit && !this.stopped) await new Promise<void>((resolve) => (this.wakePump = resolve));
      }
      if (block && filled) queue(block.subarray(0, filled));
      this.done = true;
    } catch (err) {
      this.failure = { err };
    }
    this.wake();
  }

  private wake(): void {
    const w = this.wakeConsumer;
    this.wakeConsumer = undefined;
    w?.();
  }

  /** The next piece, or undefined at the end; a dropped connection is a retriable NetworkError. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const part = this.parts.shift();
      if (part) {
        this.buffered -= part.length;
        const w = this.wakePump;
        this.wakePump = undefined;
        w?.();
        return part;
      }
      if (this.failure) {
        this.signal?.throwIfAborted();
        throw new NetworkError(`connection lost while fetching ${this.what} (${(this.failure.err as Error).message})`, { cause: this.failure.err }, 'connection_lost');
      }
      if (this.done) return undefined;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  /** Stops reading and drops what was read (the connection is closed). */
  cancel(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.parts.length = 0;
    this.buffered = 0;
    const w = this.wakePump;
    this.wakePump = undefined;
    w?.();
    if (!this.done) this.body.destroy?.();
  }
}
