/**
 * How the web pages read stored objects: through their layout, every term of the manifest placed
 * in the file from the manifest alone, a term's chunks located when a read first touches it (the
 * records from the chunk index when it lists the xorb whole, else from the xorb's record headers),
 * and the chunk hashes of the whole object only when a diff fingerprints with them. So a read of
 * a header or a tensor opens only the xorbs holding it, and equal tensors are recognised from
 * chunk hashes without reading them. Used inside the content workers, never on the request thread.
 */
import type { ChunkSpan } from '../../diff/chunk-fingerprint.js';
import { IntegrityError, NotFoundError } from '../../errors.js';
import { CHUNK_HEADER_BYTES, type XorbRecord } from '../../formats/xorb.js';
import { xetHex } from '../../hash/xet-hex.js';
import { xorbChunkHashes } from '../../store/chunk-api.js';
import type { Store } from '../../store/store.js';
import { openStoredXorb } from '../../store/stored-xorb.js';
import type { XorbHandle } from '../../store/xorb-backend.js';
import { readSpan, type XorbFile } from '../../store/xorb-reader.js';

/** Largest single read from a xorb. */
export const READ_SPAN = 8 << 20;

/** A chunk of a stored object: where it is in the file, its hash, and its record in a xorb. */
export interface LaidChunk extends ChunkSpan {
  xorb: string;
  index: number;
}

/** A chunk of a term as a read needs it: where it is in the file and its record in the xorb (no hash). */
interface TermChunk {
  offset: number;
  length: number;
  index: number;
}

/** A term of a manifest placed in the file; its chunks are found when a read first touches it. */
interface LaidTerm {
  offset: number;
  bytes: number;
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  chunks?: TermChunk[];
}

/** An open xorb: its handle, its records (from the chunk index when it lists them all, else from the file's headers), its chunk hashes once asked. */
interface OpenXorb {
  handle: XorbHandle;
  file: XorbFile;
  records?: XorbRecord[];
  /** The chunk hashes the index gave with the records. */
  indexed?: Uint8Array[];
  hashes?: string[];
}

/**
 * Where the bytes of a stored object are: its manifest's terms placed in the file (from the
 * manifest alone); a term's chunks are located when a read first touches it, and the chunk
 * hashes of the whole object only when a diff asks for them ({@link StoreReader.chunks}). So a
 * page that reads a header opens one xorb, however large the file.
 */
export interface ObjectLayout {
  oid: string;
  size: number;
  terms: LaidTerm[];
  /** Every chunk with its hash, once {@link StoreReader.chunks} was asked. */
  chunks?: LaidChunk[];
}

/** Waits, in a background worker, while the server answers requests (content-pool.ts); called before each read. */
export type ReadGate = () => void;

/** Index of the span (a term or a chunk) holding byte `at` (spans sorted by offset, non-empty). */
function spanAt(spans: ReadonlyArray<{ offset: number }>, at: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (spans[mid].offset <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Open xorbs and object layouts of one worker (xorbs and objects are immutable, so both are kept
 * between tasks; {@link trim} closes what is over capacity once a task is done).
 */
export class StoreReader {
  private readonly files = new Map<string, OpenXorb>();
  private readonly layouts = new Map<string, ObjectLayout>();
  /**
   * Where xorb bytes land before the wanted ones are copied out: fresh large buffers cost page
   * faults on every read. Made at the first read (a worker warmed ahead and idle holds none, 8 MiB
   * each), one per read in flight: reads are async, and a diff reads both sides at once.
   */
  private readonly scratchFree: Buffer[] = [];

  constructor(
    readonly store: Store,
    private readonly capacity = { files: 128, layouts: 32 },
    /** Called before every read of xorb bytes (a background worker waits there while pages are answered). */
    private readonly gate: ReadGate = () => {},
  ) {}

  /** The layout of stored object `oid` (its manifest's terms placed; no xorb opened); NotFoundError when the store has no manifest for it. */
  async layout(oid: string, name: string): Promise<ObjectLayout> {
    const hit = this.layouts.get(oid);
    if (hit) {
      this.layouts.delete(oid);
      this.layouts.set(oid, hit);
      return hit;
    }
    const manifest = await this.store.manifests.readAsync(oid);
    if (!manifest) throw new NotFoundError(`${name}: content is not on this server`, { data: { oid } }, 'content_missing');
    const terms: LaidTerm[] = [];
    let offset = 0;
    for (const t of manifest.terms) {
      terms.push({ offset, bytes: t.bytes, xorb: t.xorb, chunkStart: t.chunkStart, chunkEnd: t.chunkEnd });
      offset += t.bytes;
    }
    if (offset !== manifest.size) throw new IntegrityError(`object ${oid}: its terms hold ${offset} bytes, the manifest says ${manifest.size}`, { data: { oid } }, 'corrupt_manifest');
    const layout: ObjectLayout = { oid, size: manifest.size, terms };
    this.layouts.set(oid, layout);
    return layout;
  }

  /** Every chunk of `layout` with its offset in the file and its hash (for fingerprints: every xorb of the object is opened). */
  async chunks(layout: ObjectLayout): Promise<LaidChunk[]> {
    if (layout.chunks) return layout.chunks;
    const chunks: LaidChunk[] = [];
    for (const t of layout.terms) {
      const x = await this.xorb(t.xorb);
      x.hashes ??= (this.records(x) && x.indexed ? x.indexed : xorbChunkHashes(this.store, x.file)).map((h) => xetHex(h));
      for (const c of await this.termChunks(layout.oid, t)) chunks.push({ offset: c.offset, length: c.length, hash: x.hashes[c.index], xorb: t.xorb, index: c.index });
    }
    layout.chunks = chunks;
    return chunks;
  }

  /** Bytes [start, end) of an object in a buffer of their own. */
  async read(layout: ObjectLayout, start: number, end: number): Promise<Uint8Array> {
    const from = Math.max(0, start);
    const to = Math.min(end, layout.size);
    if (to <= from) return new Uint8Array(0);
    return this.readInto(layout, from, to, Buffer.allocUnsafeSlow(to - from)); // its own ArrayBuffer (hyparquet keeps it)
  }

  /** Bytes [start, end) into `into` when they fit (the caller's reused buffer), else into a buffer of their own. */
  async readReusing(layout: ObjectLayout, start: number, end: number, into: Uint8Array): Promise<Uint8Array> {
    const from = Math.max(0, start);
    const to = Math.min(end, layout.size);
    if (to <= from) return new Uint8Array(0);
    if (to - from > into.length) return this.read(layout, from, to);
    return this.readInto(layout, from, to, into.subarray(0, to - from));
  }

  /** The chunks of term `t`, located in its xorb's records on first use (and checked against the term's byte count). */
  private async termChunks(oid: string, t: LaidTerm): Promise<TermChunk[]> {
    if (t.chunks) return t.chunks;
    const records = this.records(await this.xorb(t.xorb));
    if (t.chunkEnd > records.length) throw new IntegrityError(`object ${oid} names chunks ${t.chunkStart}..${t.chunkEnd} of xorb ${t.xorb}, which has ${records.length}`, { data: { oid } }, 'missing_chunk');
    const chunks: TermChunk[] = [];
    let offset = t.offset;
    for (let i = t.chunkStart; i < t.chunkEnd; i++) {
      chunks.push({ offset, length: records[i].length, index: i });
      offset += records[i].length;
    }
    if (offset - t.offset !== t.bytes) throw new IntegrityError(`object ${oid}: chunks ${t.chunkStart}..${t.chunkEnd} of xorb ${t.xorb} hold ${offset - t.offset} bytes, the manifest says ${t.bytes}`, { data: { oid } }, 'corrupt_manifest');
    t.chunks = chunks;
    return chunks;
  }

  private async readInto(layout: ObjectLayout, from: number, to: number, out: Uint8Array): Promise<Uint8Array> {
    for (let ti = spanAt(layout.terms, from); ti < layout.terms.length && layout.terms[ti].offset < to; ti++) {
      const t = layout.terms[ti];
      if (t.bytes === 0) continue;
      const chunks = await this.termChunks(layout.oid, t);
      const x = await this.xorb(t.xorb);
      const records = this.records(x);
      for (let i = spanAt(chunks, Math.max(from, t.offset)); i < chunks.length && chunks[i].offset < to; ) {
        // a run: following chunks of the term, stored one after another
        let j = i + 1;
        while (j < chunks.length && chunks[j].offset < to && chunks[j].offset + chunks[j].length - chunks[i].offset <= READ_SPAN) j++;
        const base = records[chunks[i].index].offset;
        const last = records[chunks[j - 1].index];
        const span = last.dataOffset + last.length - base;
        const scratch = this.scratchFree.pop() ?? Buffer.allocUnsafeSlow(READ_SPAN + 64 * CHUNK_HEADER_BYTES);
        try {
          const bytes = span <= scratch.length ? scratch.subarray(0, span) : Buffer.allocUnsafe(span);
          this.gate();
          await readSpan(x.handle, bytes, base);
          for (let k = i; k < j; k++) {
            const c = chunks[k];
            const r = records[c.index];
            const lo = Math.max(from, c.offset);
            const hi = Math.min(to, c.offset + c.length);
            out.set(bytes.subarray(r.dataOffset - base + (lo - c.offset), r.dataOffset - base + (hi - c.offset)), lo - from);
          }
        } finally {
          if (this.scratchFree.length < 2) this.scratchFree.push(scratch);
        }
        i = j;
      }
    }
    return out;
  }

  /**
   * The chunk records of `x`: from its chunk table when its backend keeps one (object storage),
   * or a local file's kept or indexed table (store/stored-xorb.ts opened it with one when its
   * chunk-index rows describe it whole), else from the record headers in the file (a read per chunk).
   */
  private records(x: OpenXorb): XorbRecord[] {
    if (x.records) return x.records;
    if (x.file.table) {
      x.records = x.file.table.records;
      x.indexed = x.file.table.hashes;
      return x.records;
    }
    x.records = x.file.records();
    return x.records;
  }

  /** Closes xorbs and forgets layouts beyond capacity (call between tasks). */
  trim(): void {
    while (this.layouts.size > this.capacity.layouts) this.layouts.delete(this.layouts.keys().next().value!);
    for (const [name, x] of this.files) {
      if (this.files.size <= this.capacity.files) break;
      x.file.close();
      this.files.delete(name);
    }
  }

  /** Closes every xorb. */
  close(): void {
    for (const x of this.files.values()) x.file.close();
    this.files.clear();
    this.layouts.clear();
  }

  private async xorb(name: string): Promise<OpenXorb> {
    let x = this.files.get(name);
    if (x) this.files.delete(name);
    else {
      const file = await openStoredXorb(this.store, name);
      x = { handle: file.handle, file };
    }
    this.files.set(name, x);
    return x;
  }
}
