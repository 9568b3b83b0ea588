/**
 * Streams a stored object (or a byte range of it) to a response, as the LFS `basic` download and
 * the Hugging Face resolve route answer: the walk of reassemble.ts (every chunk read) reading into
 * a small ring of the server's reused send buffers (piece-ring.ts). A whole object is checked
 * against its oid by the hashing thread (store/sha256-pieces.ts), which reads the same buffers
 * (they are shared memory): the event loop hashes nothing (until 2026-12-08 it hashed every
 * whole download itself, ~0.25 s of the loop per 512 MiB in slices). A buffer goes back once the
 * socket has taken every piece cut from it and the hashing thread has read them.
 *
 * Reading into new buffers, a 512 MiB git-lfs download allocated 512 MiB of 8 MiB buffers, and
 * glibc kept what they freed in its heap: hub serve's main arena went from ~40 to 85 MiB over one
 * such download and stayed there (docs/performance.md, "A pull's fsyncs waited for the old
 * file's removal; hub serve's memory after git-lfs downloads and page workers").
 *
 * The last piece is sent only once the walk has finished and the digest is the oid, so an object
 * that fails its check is cut short rather than sent whole with its Content-Length met.
 */
import type { ServerResponse } from 'node:http';
import type { BufferPool } from '../fs/buffer-pool.js';
import type { FileManifest } from '../formats/manifest.js';
import { objectPiecesAsync, type ByteRange } from '../store/reassemble.js';
import { startPiecesSha256 } from '../store/sha256-pieces.js';
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
  const sha = range ? undefined : startPiecesSha256();
  try {
    const breather = new Breather(); // a fast reader never makes write() wait: give the loop turns anyway
    for await (const piece of objectPiecesAsync(store, manifest, range, { span: pool.bytes, alloc: (length) => ring.take(length), callerChecksOid: true })) {
      const release = ring.keep(piece); // its buffer stays out of the ring until the socket took it
      sha?.add(piece, ring.keep(piece)); // ... and until the hashing thread read it
      await breather.breathe();
      if (res.destroyed) {
        release();
        held?.release(); // neither will be written (the hash is dropped below)
        return;
      }
      const last = held;
      held = { piece, release };
      if (last) await write(last.piece, last.release);
    }
    const digest = await sha?.digest();
    if (digest !== undefined && digest !== manifest.oid) throw new Error(`object ${manifest.oid} hashes to ${digest}`);
    const last = held;
    held = undefined;
    if (last) await write(last.piece, last.release);
    res.end();
  } catch {
    held?.release(); // never written: its buffer may go back
    res.destroy();
  } finally {
    sha?.drop(); // (after digest(), nothing)
    ring.close();
  }
}
