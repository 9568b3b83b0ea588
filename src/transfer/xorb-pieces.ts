/**
 * The bytes of a local xorb as a request body, in pieces read from disk as the socket takes them.
 *
 * The pieces come from three buffers used in turn instead of a fresh 1 MiB buffer each: fresh
 * ones made a 512 MiB push allocate 512 MiB of garbage, and collecting it took a fifth to a half
 * of the client's main thread during the upload (0.66-0.78 s of CPU for the push against
 * 0.43-0.49 s reused; docs/performance.md, "Upload pieces reused"). A buffer may be filled again only once the socket has
 * let go of the piece it held, which undici does not report. What makes three enough: the body
 * reaches undici through `Readable.from` with a 64 KiB high-water mark (ChunkApi.putXorb), which
 * reads one piece ahead of the one undici holds, and undici writes a piece and waits for the
 * socket to drain before it takes the next (a 1 MiB write is always past the socket's high-water
 * mark). So when piece k+3 is read, piece k+2 is the read-ahead, piece k+1 is at most the one
 * being written, and piece k is on the wire. `test/integration/xorb-pieces-upload.test.ts`
 * sends a xorb this way to a server that reads slowly and compares every byte; a change in
 * either library that held pieces longer would fail it, and a server would refuse the xorb
 * (its chunk hashes).
 *
 * The buffers are page-aligned and each piece is read past the page cache where the store allows
 * (XorbHandle.readDirect): the store writes xorbs that way too, so a push right after an add
 * finds them on disk, and reading them through the page cache would cost the memory the add
 * saved (docs/performance.md, "Xorbs past the page cache").
 */
import { IntegrityError } from '../errors.js';
import { alignedArrayBuffer, blockCeil } from '../fs/direct-io.js';
import type { UploadSource } from './store-interfaces.js';

/** Bytes per piece. */
export const UPLOAD_PIECE = 1 << 20;

/** Buffers a body takes its pieces from, in turn (see the module comment). */
const RING = 3;

/** The bytes of local xorb `xorb` in pieces; `sent` hears of each piece as it is handed out. */
export function* xorbPieces(source: Pick<UploadSource, 'openXorb'>, xorb: string, sent: (n: number) => void): Generator<Uint8Array> {
  const h = source.openXorb(xorb);
  try {
    const count = Math.min(RING, Math.ceil(h.size / UPLOAD_PIECE));
    const memory = alignedArrayBuffer(count * UPLOAD_PIECE); // one aligned allocation for the ring
    const ring = Array.from({ length: count }, (_, i) => Buffer.from(memory, i * UPLOAD_PIECE, UPLOAD_PIECE));
    for (let at = 0, k = 0; at < h.size; k++) {
      const piece = ring[k % ring.length];
      const buf = piece.subarray(0, Math.min(UPLOAD_PIECE, h.size - at));
      let filled = 0;
      // whole blocks from a block boundary, so the last piece may be read direct too (it ends short at the file's end)
      if (h.readDirect) filled = Math.min(h.readDirect(piece.subarray(0, blockCeil(buf.length)), at), buf.length);
      while (filled < buf.length) {
        const n = h.read(buf.subarray(filled), at + filled);
        if (n === 0) throw new IntegrityError(`xorb ${xorb} of the local store is shorter than ${h.size} bytes`, { data: { xorb } }, 'corrupt_xorb');
        filled += n;
      }
      at += buf.length;
      sent(buf.length);
      yield buf;
    }
  } finally {
    h.close();
  }
}
