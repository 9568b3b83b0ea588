/**
 * Fingerprints of byte ranges of a file stored as content-defined chunks (the contract of
 * ByteSource.fingerprint): from the hashes of the chunks a range overlaps and where it starts and
 * ends in them, or with `exact` from the hashes of the interior chunks plus the SHA-256 of the
 * range's bytes in its two edge chunks. Pure over a chunk table and a read function, so every
 * source that knows its chunks (the client's store, a remote, the server's store) fingerprints
 * the same way (core/diff/diff-sources.ts and the server's web pages call it).
 */
import { sha256Hex } from '../hash/sha256.js';

/** One chunk of a file: bytes [offset, offset + length), with its hash (any stable text form). */
export interface ChunkSpan {
  offset: number;
  length: number;
  hash: string;
}

/** Index of the chunk holding byte `at` (chunks sorted by offset, non-empty). */
export function chunkAt(chunks: readonly ChunkSpan[], at: number): number {
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (chunks[mid].offset <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The fingerprint of bytes [start, end) of a file of `size` bytes split into `chunks`; `read`
 * gives bytes of the file (used only with `exact`, for the edge chunks). Undefined for an empty
 * range or a file without chunks.
 */
export async function chunkFingerprint(
  chunks: readonly ChunkSpan[],
  size: number,
  start: number,
  end: number,
  exact: boolean,
  read: (start: number, end: number) => Promise<Uint8Array>,
): Promise<string | undefined> {
  const from = Math.max(0, start);
  const to = Math.min(end, size);
  if (to <= from || chunks.length === 0) return undefined;
  const first = chunkAt(chunks, from);
  const parts: string[] = [];
  let k = first;
  for (; k < chunks.length && chunks[k].offset < to; k++) {
    const c = chunks[k];
    const inside = c.offset >= from && c.offset + c.length <= to;
    if (inside || !exact) parts.push(`c${c.hash}`);
    else parts.push(`b${sha256Hex(await read(Math.max(from, c.offset), Math.min(to, c.offset + c.length)))}`);
  }
  // without the edge bytes, where the range starts and ends inside its first and last chunk
  if (!exact) parts.push(`s${from - chunks[first].offset}`, `e${chunks[k - 1].offset + chunks[k - 1].length - to}`);
  return sha256Hex(Buffer.from(`${exact ? 'x' : 'm'}${parts.join(',')}`));
}

/** Bytes of `b` in chunks that `a` lacks, and the rest (shared), from the chunk tables alone. */
export function newVersusShared(a: readonly ChunkSpan[], b: readonly ChunkSpan[], sizeB: number): { newBytes: number; sharedBytes: number } {
  const have = new Set(a.map((c) => c.hash));
  const newBytes = b.reduce((n, c) => n + (have.has(c.hash) ? 0 : c.length), 0);
  return { newBytes, sharedBytes: sizeB - newBytes };
}
