/**
 * Streams bytes [start, end) of a file-like source to a response from a small ring of reused
 * buffers (piece-ring.ts): a buffer goes back once the socket has taken it (the write callback), so
 * a download allocates nothing per read (allocating a fresh MiB per read made the GC run often
 * enough to hold the event loop under a few concurrent downloads). The ring's buffers come from
 * the server's pool and go back to it once the socket is done with them, so the next request
 * reuses them: a clone asks for a few MiB per request, and a ring of its own per request was as
 * much garbage as the bytes served. Yields to the event loop every few milliseconds even when
 * the client never makes `write` wait (breather.ts).
 */
import type { ServerResponse } from 'node:http';
import { BufferPool } from '../fs/buffer-pool.js';
import { Breather } from './breather.js';
import { PieceRing } from './piece-ring.js';

const PIECE = 1 << 20;
const RING = 4;

/**
 * A pool for {@link sendRange}'s buffers, shared by a server's requests; keeps `keep` spare. They
 * are shared memory, so the hashing thread reads a whole object's pieces where they were read
 * (send-object.ts).
 */
export function sendBufferPool(keep = 16): BufferPool {
  return new BufferPool(PIECE, keep, (bytes) => new SharedArrayBuffer(bytes));
}

/**
 * Writes bytes [start, end) read by `read(buffer, position)` (bytes read; 0 at the end) to `res`,
 * through buffers of `pool` (given back once written); false when the client went away. `read`
 * answers at once (a local file, read in place) or with a promise (object storage).
 */
export async function sendRange(res: ServerResponse, read: (buffer: Buffer, position: number) => number | Promise<number>, start: number, end: number, pool = sendBufferPool(0)): Promise<boolean> {
  // the ring waits while every buffer is still queued in the socket; it is the only back-pressure needed
  const ring = new PieceRing(pool, RING, res);
  const breather = new Breather();
  try {
    for (let at = start; at < end; ) {
      await breather.breathe();
      if (res.destroyed) return false;
      const buf = await ring.take(Math.min(PIECE, end - at));
      if (res.destroyed) return false; // (the take may have waited for the close)
      const got = read(buf, at);
      const n = typeof got === 'number' ? got : await got;
      if (n === 0) break;
      at += n;
      // (the callback runs once the socket is done with the buffer, also when it fails)
      res.write(buf.subarray(0, n), ring.keep(buf));
    }
    return !res.destroyed;
  } finally {
    ring.close(); // a buffer taken but never written goes back now, the others from their callbacks
  }
}
