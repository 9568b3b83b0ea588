/**
 * Write-back of an upload while it arrives. A received xorb becomes stored content by a rename,
 * after an fdatasync (DESIGN §3: tmp + fsync + rename); issued only once the last byte is in, that
 * fdatasync waited for the whole file to reach the disk (0.3-0.4 s for a 512 MiB push on this
 * machine's disk, on the push's critical path). Syncing every few MiB as the bytes come in lets
 * the disk keep up with the network, so the final fdatasync finds little left to write. The
 * final one stays the guarantee: these are a head start, and their errors are left to it.
 */
import { fdatasync, type WriteStream } from 'node:fs';

/** Bytes between two head-start syncs. */
const SYNC_EVERY = 16 << 20;

/** Head-start fdatasyncs of the file `out` writes, at most one at a time. */
export class SyncAsWritten {
  private written = 0;
  private next = SYNC_EVERY;
  private pending: Promise<void> | undefined;

  constructor(private readonly out: WriteStream) {}

  /** Counts `n` more bytes handed to the stream; each SYNC_EVERY bytes starts an fdatasync of what reached the file. */
  wrote(n: number): void {
    this.written += n;
    const fd = (this.out as WriteStream & { fd: number | null }).fd;
    if (this.written < this.next || this.pending || typeof fd !== 'number' || this.out.destroyed) return;
    this.next = this.written + SYNC_EVERY;
    this.pending = new Promise<void>((resolve) => fdatasync(fd, () => resolve())).then(() => {
      this.pending = undefined;
    });
  }

  /** Waits for the sync in flight: call before the stream may close its descriptor (end, destroy). */
  async settle(): Promise<void> {
    await this.pending;
  }
}
