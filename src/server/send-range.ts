/**
 * Streams bytes [start, end) of a file-like source to a response from a small ring of reused
 * buffers: a buffer goes back to the ring once the socket has taken it (the write callback), so
 * a download allocates nothing per read (allocating a fresh MiB per read made the GC run often
 * enough to hold the event loop under a few concurrent downloads). Yields to the event loop
 * every few milliseconds even when the client never makes `write` wait (breather.ts).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Breather } from './breather.js';

const PIECE = 1 << 20;
const RING = 4;

/** Writes bytes [start, end) read by `read(buffer, position)` (bytes read; 0 at the end) to `res`; false when the client went away. */
export async function sendRange(res: ServerResponse, read: (buffer: Buffer, position: number) => number, start: number, end: number): Promise<boolean> {
  const free: Buffer[] = [];
  let made = 0;
  let freed: (() => void) | undefined;
  const closed = once(res, 'close').then(() => freed?.());
  void closed;
  const breather = new Breather();
  for (let at = start; at < end; ) {
    await breather.breathe();
    if (res.destroyed) return false;
    if (free.length === 0 && made >= RING) {
      // every buffer is still queued in the socket: wait until one is taken (or the client goes)
      await new Promise<void>((resolve) => (freed = resolve));
      freed = undefined;
      continue;
    }
    const buf = free.pop() ?? (made++, Buffer.allocUnsafe(PIECE));
    const n = read(buf.subarray(0, Math.min(PIECE, end - at)), at);
    if (n === 0) break;
    at += n;
    res.write(buf.subarray(0, n), () => {
      free.push(buf);
      freed?.();
    });
  }
  return !res.destroyed;
}
