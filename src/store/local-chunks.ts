/**
 * Reading chunks by hash from the local store, for a download that takes every chunk the store
 * already has instead of fetching it: index lookups in one read transaction, xorbs opened once
 * per reader, and runs of neighbouring chunks read with one call.
 */
import { BufferPool } from '../fs/buffer-pool.js';
import { alignedArrayBuffer, blockCeil, DIRECT_BLOCK } from '../fs/direct-io.js';
import { readFully, readFullyAsync } from './xorb-reader.js';
import type { ChunkHashList } from '../hash/chunk-hash-list.js';
import { fromXetHex } from '../hash/xet-hex.js';
import { CHUNK_HEADER_BYTES } from '../formats/xorb.js';
import type { ChunkLocation } from './chunk-index.js';
import type { Store } from './store.js';
import type { XorbHandle } from './xorb-backend.js';

/** Largest single read. */
const READ_SPAN = 8 << 20;

/** Reads chunks of the local store by hash; close it when done. */
export class LocalChunkReader {
  private readonly handles = new Map<string, XorbHandle>();
  private readonly exists = new Map<string, boolean>();
  /** Lookups by hash list: `has` at planning and `locate` at reading cost one round of queries. */
  private readonly found = new WeakMap<ChunkHashList, ChunkLocation[] | null>();
  /** Buffers of readEach's long runs, reused once their data is released (fs/buffer-pool.ts); page-aligned, and a block longer at each end, for direct reads. */
  private readonly pool = new BufferPool(READ_SPAN + 2 * DIRECT_BLOCK, Number.POSITIVE_INFINITY, alignedArrayBuffer);

  constructor(private readonly store: Store) {}

  /** Where each of `hashes` is, or undefined when any is missing. */
  locate(hashes: ChunkHashList): ChunkLocation[] | undefined {
    let where = this.found.get(hashes);
    if (where === undefined) this.found.set(hashes, (where = this.lookup(hashes) ?? null));
    return where ?? undefined;
  }

  private lookup(hashes: ChunkHashList): ChunkLocation[] | undefined {
    const where = this.locateAll(hashes.length, (i) => hashes.at(i)!);
    return where.every((w) => w !== undefined) ? (where as ChunkLocation[]) : undefined;
  }

  /** Where each of `hashes` (Xet hex) is (undefined for each the store lacks), in one read transaction. */
  locateEach(hashes: readonly string[]): Array<ChunkLocation | undefined> {
    return this.locateAll(hashes.length, (i) => fromXetHex(hashes[i]));
  }

  private locateAll(n: number, hash: (i: number) => Uint8Array): Array<ChunkLocation | undefined> {
    const where = this.store.index.readBatch(() => Array.from({ length: n }, (_, i) => this.store.index.lookup(hash(i))));
    return where.map((w) => {
      if (!w) return undefined;
      let ok = this.exists.get(w.xorb);
      if (ok === undefined) this.exists.set(w.xorb, (ok = this.store.xorbs.exists(w.xorb)));
      return ok ? w : undefined;
    });
  }

  /** True when the store has every chunk of `hashes`. */
  has(hashes: ChunkHashList): boolean {
    return this.locate(hashes) !== undefined;
  }

  /** The data of the chunks at `where`, in order (views into fresh buffers). */
  read(where: readonly ChunkLocation[]): Uint8Array[] {
    return runsOf(where).flatMap((run) => {
      const buf = Buffer.allocUnsafe(run.bytes);
      readFully(this.handle(run.xorb), buf, run.offset);
      return viewsOf(run, buf);
    });
  }

  /**
   * The same, read on the thread pool (a download goes on receiving meanwhile), handed to
   * `each` run by run (at most READ_SPAN bytes each), in order. A run longer than half of
   * READ_SPAN is read into a reused buffer, given back when `each` calls `release`; a shorter
   * one into a buffer of its own (a reused one would hold READ_SPAN for a few bytes). A long run
   * is read past the page cache (whole blocks around it: XorbHandle.readDirectAsync): its bytes
   * go to a file and are not read again, and the store wrote them that way.
   */
  async readEach(where: readonly ChunkLocation[], each: (data: Uint8Array[], from: number, release: () => void) => void | Promise<void>): Promise<void> {
    let from = 0;
    for (const run of runsOf(where)) {
      const pooled = run.bytes > READ_SPAN / 2;
      let buf: Buffer;
      let base = run.offset;
      if (pooled) {
        base -= run.offset % DIRECT_BLOCK;
        buf = this.pool.take(blockCeil(run.offset + run.bytes) - base);
        await readBlocks(this.handle(run.xorb), buf, base, run.offset + run.bytes - base);
      } else {
        buf = Buffer.allocUnsafe(run.bytes);
        await readFullyAsync(this.handle(run.xorb), buf, run.offset);
      }
      const views = viewsOf(run, buf, base);
      let released = false;
      await each(views, from, () => {
        if (pooled && !released) this.pool.give(buf);
        released = true;
      });
      from += views.length;
    }
  }

  /** Closes every open xorb. */
  close(): void {
    for (const h of this.handles.values()) h.close();
    this.handles.clear();
  }

  private handle(xorb: string): XorbHandle {
    let h = this.handles.get(xorb);
    if (!h) this.handles.set(xorb, (h = this.store.xorbs.open(xorb)));
    return h;
  }
}

/** A run of neighbouring chunks of one xorb: `bytes` from `offset` hold their records. */
interface Run {
  xorb: string;
  offset: number;
  bytes: number;
  members: readonly ChunkLocation[];
}

/** The runs of `where` (at most READ_SPAN bytes each), in order. */
function runsOf(where: readonly ChunkLocation[]): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < where.length; ) {
    const first = where[i];
    let j = i + 1;
    while (j < where.length && where[j].xorb === first.xorb && where[j].index === where[j - 1].index + 1 && where[j].offset + CHUNK_HEADER_BYTES + where[j].length - first.offset <= READ_SPAN) j++;
    const last = where[j - 1];
    runs.push({ xorb: first.xorb, offset: first.offset, bytes: last.offset + CHUNK_HEADER_BYTES + last.length - first.offset, members: where.slice(i, j) });
    i = j;
  }
  return runs;
}

/** The chunk data of `run` within `buf` (read from file offset `base`, by default the run's own). */
function viewsOf(run: Run, buf: Buffer, base = run.offset): Uint8Array[] {
  return run.members.map((w) => {
    const at = w.offset - base + CHUNK_HEADER_BYTES;
    return buf.subarray(at, at + w.length);
  });
}

/** Reads the whole blocks of `buf` from `position` (direct where the handle can), needing at least `need` bytes: only the file's end may cut the rest short. */
async function readBlocks(handle: XorbHandle, buf: Buffer, position: number, need: number): Promise<void> {
  const at = handle.readDirectAsync ? Math.min(await handle.readDirectAsync(buf, position), need) : 0;
  if (at < need) await readFullyAsync(handle, buf.subarray(at, need), position + at);
}
