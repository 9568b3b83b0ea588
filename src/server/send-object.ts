/**
 * Streams a stored object (or a byte range of it) to a response, as the LFS `basic` download and
 * the Hugging Face resolve route answer: the walk of reassemble.ts (every chunk read, a whole
 * object checked against its oid) reading into a small ring of the server's reused send buffers
 * (piece-ring.ts). A buffer goes back once the socket has taken every piece cut from it.
 *
 * Reading into new buffers, a 512 MiB git-lfs download allocated 512 MiB of 8 MiB buffers, and
 * glibc kept what they freed in its heap: hub serve's main arena went from ~40 to 85 MiB over one
 * such download and stayed there (docs/performance.md, "A pull's fsyncs waited for the old
 * file's removal; hub serve's memory after git-lfs downloads and page workers").
 *
 * The last piece is sent only once the walk has finished, so an object that fails its check
 * (the walk throws) is cut short rather than sent whole with its Content-Length met.
 */
import type { ServerResponse } from 'node:http';
import type { BufferPool } from '../fs/buffer-pool.js';
import type { FileManifest } from '../formats/manifest.js';
import { objectPiecesAsync, type ByteRange } from '../store/reassemble.js';
import type { Store } from '../store/store.js';
import { Breather } from './breather.js';
import { drainOr } from './drain-or.js';
import { PieceRing } from './piece-ring.js';

/** Buffers one download holds at most (each the pool's size). */
const RING = 4;

/**
 * Writes the bytes of `manifest` (or `range` of them) to `res`, whose headers are sent; ends it,
 * or destroys it when the object cannot be read whole or fails its check (headers are gone).
 */
export async function sendObject(res: ServerResponse, store: Store, manifest: FileManifest, range: ByteRange | undefined, pool: BufferPool): Promise<void> {
  const ring = new PieceRing(pool, RING, res); // closed if the response goes away first
  const write = async (piece: Uint8Array, release: () => void) => {
    if (!res.write(piece, release)) await drainOr(res, 'close');
  };
  let held: { piece: Uint8Array; release: () => void } | undefined;
  try {
    const breather = new Breather(); // a fast reader never makes write() wait: give the loop turns anyway
    for await (const piece of objectPiecesAsync(store, manifest, range, { span: pool.bytes, alloc: (length) => ring.take(length) })) {
      const release = ring.keep(piece); // its buffer stays out of the ring until the socket took it
      await breather.breathe();
      if (res.destroyed) {
        release();
        held?.release(); // neither will be written
        return;
      }
      const last = held;
      held = { piece, release };
      if (last) await write(last.piece, last.release);
    }
    const last = held;
    held = undefined;
    if (last) await write(last.piece, last.release);
    res.end();
  } catch {
    held?.release(); // never written: its buffer may go back
    res.destroy();
  } finally {
    ring.close();
  }
}
