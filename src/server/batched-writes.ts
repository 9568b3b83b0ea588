/**
 * A request body's writes to its temporary file, handed to the file system about 1 MiB at a time.
 * Each socket read is a part of 16-64 KiB, and writing each as it came made a 512 MiB upload
 * ~12,000 `fs.write` calls, each a round trip to the thread pool and its wake-ups on the main
 * thread; held back (the stream corked) and let go as one `writev` per BATCH_BYTES, a 512 MiB
 * push takes ~0.25 s less of the server's CPU (docs/performance.md, "Batched upload writes").
 * At most a batch and the one being written are held: memory stays bounded.
 */
import type { WriteStream } from 'node:fs';
import { drainOr } from './drain-or.js';

/** Bytes held before they go to the file. */
const BATCH_BYTES = 1 << 20;

/** Writes to `out` (corked from now on; `end()` lets the last batch go). */
export class BatchedWrites {
  private held = 0;

  constructor(private readonly out: WriteStream) {
    out.cork();
  }

  /** Writes `part`; once a batch is held, lets it go and waits until the file has taken it (or the stream failed). */
  async write(part: Uint8Array): Promise<void> {
    this.out.write(part);
    this.held += part.length;
    if (this.held < BATCH_BYTES) return;
    this.held = 0;
    this.out.uncork();
    if (this.out.writableNeedDrain) await drainOr(this.out, 'error');
    this.out.cork();
  }
}
