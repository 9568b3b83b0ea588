/**
 * The chunk tables of local xorbs this thread has already read or written, kept so that the next
 * reader of the same xorb needs neither the header scan (a pread per chunk: ~8,300 for a 512 MiB
 * file, 176 ms of a server's reconstruction here) nor the chunk index's rows of it (one query per
 * xorb, ~10 ms each). A server asks for the same xorbs' layouts again and again: a push registers
 * a file (its Xet hash and SHA-256 are checked against them), a clone and a pull ask for its
 * reconstruction, a new revision shares most of its xorbs with the last one
 * (docs/performance.md, "Xorb layouts kept").
 *
 * A table is kept for one file: the xorb's name with its file's identity (device, inode, size and
 * modification time, from the open descriptor's fstat). A file replaced under the same name (gc,
 * then the same xorb written again) is another identity, and its table is read anew. A file whose
 * bytes change in place without its modification time (a failing disk) keeps its table here: its
 * data is still checked by every reader against the chunk hashes, and `hub fsck` (a process of
 * its own) reads its headers. Kept
 * compactly (a Uint32Array of chunk lengths, one Uint8Array of hashes: 36 bytes a chunk) and at
 * most LAYOUT_CHUNKS chunks in all, the least recently used going first.
 */
import { CHUNK_HEADER_BYTES } from '../formats/xorb.js';
import { chunkTable, type ChunkTable } from './xorb-table.js';

/** Chunks whose layouts a cache keeps, in all its xorbs (~64 xorbs of 64 MiB; ~2.3 MiB). */
export const LAYOUT_CHUNKS = 65_536;

interface Kept {
  id: string;
  lengths: Uint32Array;
  hashes: Uint8Array;
}

/** Kept chunk tables of local xorbs, least recently used out first. */
export class XorbLayouts {
  private readonly kept = new Map<string, Kept>();
  private chunks = 0;

  constructor(private readonly maxChunks = LAYOUT_CHUNKS) {}

  /** The table of xorb `xorb` when it was kept for the file of identity `id`. */
  get(xorb: string, id: string): ChunkTable | undefined {
    const k = this.kept.get(xorb);
    if (!k || k.id !== id) return undefined;
    this.kept.delete(xorb); // most recently used: to the end
    this.kept.set(xorb, k);
    return chunkTable(Array.from(k.lengths, (length, i) => ({ hash: k.hashes.subarray(i * 32, i * 32 + 32), length })));
  }

  /**
   * Keeps `table` for xorb `xorb` in the file of identity `id`, when it describes that file whole:
   * its records numbered from 0, each right after the one before, the last ending at `size`.
   */
  remember(xorb: string, id: string, size: number, table: Pick<ChunkTable, 'records' | 'hashes'>): void {
    const n = table.records.length;
    if (n === 0 || n > this.maxChunks || table.hashes.length !== n) return;
    const lengths = new Uint32Array(n);
    const hashes = new Uint8Array(n * 32);
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const r = table.records[i];
      const h = table.hashes[i];
      if (r.index !== i || r.offset !== offset || r.dataOffset !== offset + CHUNK_HEADER_BYTES || h.length !== 32) return;
      lengths[i] = r.length;
      hashes.set(h, i * 32);
      offset += CHUNK_HEADER_BYTES + r.length;
    }
    if (offset !== size) return;
    this.forget(xorb);
    this.kept.set(xorb, { id, lengths, hashes });
    this.chunks += n;
    for (const [name, k] of this.kept) {
      if (this.chunks <= this.maxChunks) break;
      this.kept.delete(name);
      this.chunks -= k.lengths.length;
    }
  }

  /** Drops what is kept of `xorb` (its file is being removed). */
  forget(xorb: string): void {
    const k = this.kept.get(xorb);
    if (!k) return;
    this.kept.delete(xorb);
    this.chunks -= k.lengths.length;
  }

  /** Xorbs kept (tests). */
  get size(): number {
    return this.kept.size;
  }
}

/** The identity of an open file's contents as `XorbLayouts` keys them. */
export function fileIdentity(st: { dev: number; ino: number; size: number; mtimeMs: number }): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}
