/**
 * A request body's writes to its temporary file, handed to the file system about 1 MiB at a time.
 * Each socket read is a part of 16-64 KiB, and writing each as it came made a 512 MiB upload
 * ~12,000 `fs.write` calls, each a round trip to the thread pool and its wake-ups on the main
 * thread; held back (the stream corked) and let go as one `writev` per BATCH_BYTES, a 512 MiB
 * push takes ~0.25 s less of the server's CPU (docs/performance.md, "Batched upload writes";
 * 256 KiB batches gave back half of that). Memory stays bounded: an upload holds at most a batch
 * and the one being written, and all uploads together hold at most HELD_AT_MOST, past which a
 * part goes to its file at once, as every part did before.
 */
import type { WriteStream } from 'node:fs';
import { drainOr } from './drain-or.js';

/** Bytes an upload holds before they go to the file. */
const BATCH_BYTES = 1 << 20;
/** Bytes all uploads of this process together may hold back. */
export const HELD_AT_MOST = 32 << 20;

let heldByAll = 0;

/** Bytes held back by every BatchedWrites of this process (for tests). */
export function bytesHeld(): number {
  return heldByAll;
}

/** Writes to `out` (corked from now on; `end()` lets the last batch go, `destroy()` drops it). */
export class BatchedWrites {
  private held = 0;

  constructor(private readonly out: WriteStream) {
    out.cork();
    out.once('close', () => this.letGo());
  }

  /** Writes `part`; once a batch is held (or all uploads hold their most), lets it go and waits until the file has taken it (or the stream failed). */
  async write(part: Uint8Array): Promise<void> {
    this.out.write(part);
    this.held += part.length;
    heldByAll += part.length;
    if (this.held < BATCH_BYTES && heldByAll <= HELD_AT_MOST) return;
    this.letGo();
    this.out.uncork();
    if (this.out.writableNeedDrain) await drainOr(this.out, 'error');
    this.out.cork();
  }

  /** What this upload held is no longer held (handed to the file, or the stream closed). */
  private letGo(): void {
    heldByAll -= this.held;
    this.held = 0;
  }
}
