/**
 * Streams bytes [start, end) of a file-like source to a response from a small ring of reused
 * buffers: a buffer goes back to the ring once the socket has taken it (the write callback), so
 * a download allocates nothing per read (allocating a fresh MiB per read made the GC run often
 * enough to hold the event loop under a few concurrent downloads). The ring's buffers come from
 * the server's pool and go back to it once the socket is done with them, so the next request
 * reuses them: a clone asks for a few MiB per request, and a ring of its own per request was as
 * much garbage as the bytes served. Yields to the event loop every few milliseconds even when
 * the client never makes `write` wait (breather.ts).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { BufferPool } from '../fs/buffer-pool.js';
import { Breather } from './breather.js';

const PIECE = 1 << 20;
const RING = 4;

/** A pool for {@link sendRange}'s buffers, shared by a server's requests; keeps `keep` spare. */
export function sendBufferPool(keep = 16): BufferPool {
  return new BufferPool(PIECE, keep);
}

/**
 * Writes bytes [start, end) read by `read(buffer, position)` (bytes read; 0 at the end) to `res`,
 * through buffers of `pool` (given back once written); false when the client went away. `read`
 * answers at once (a local file, read in place) or with a promise (object storage).
 */
export async function sendRange(res: ServerResponse, read: (buffer: Buffer, position: number) => number | Promise<number>, start: number, end: number, pool = sendBufferPool(0)): Promise<boolean> {
  const free: Buffer[] = [];
  let made = 0;
  let done = false;
  let freed: (() => void) | undefined;
  const closed = once(res, 'close').then(() => freed?.());
  void closed;
  const breather = new Breather();
  const pump = async (): Promise<boolean> => {
    for (let at = start; at < end; ) {
      await breather.breathe();
      if (res.destroyed) return false;
      if (free.length === 0 && made >= RING) {
        // every buffer is still queued in the socket: wait until one is taken (or the client goes)
        await new Promise<void>((resolve) => (freed = resolve));
        freed = undefined;
        continue;
      }
      const buf = free.pop() ?? (made++, pool.take());
      let n = 0;
      try {
        const got = read(buf.subarray(0, Math.min(PIECE, end - at)), at);
        n = typeof got === 'number' ? got : await got;
      } finally {
        if (n === 0) free.push(buf); // unused (the end, or a failed read): back to the ring
      }
      if (n === 0) break;
      at += n;
      // (the callback runs once the socket is done with the buffer, also when it fails)
      res.write(buf.subarray(0, n), () => {
        if (done) pool.give(buf);
        else {
          free.push(buf);
          freed?.();
        }
      });
    }
    return !res.destroyed;
  };
  try {
    return await pump();
  } finally {
    done = true;
    for (const buf of free.splice(0)) pool.give(buf); // those still being written go back from their callbacks
  }
}
