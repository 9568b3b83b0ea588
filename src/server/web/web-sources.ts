/**
 * The ByteSources the web pages read files through (src/diff/byte-source.ts): a large file as an
 * object of the server's content store, and a small file as a git blob. A stored object is read
 * through its layout: every chunk with its offset in the file, its hash, and its record in an
 * open xorb, built once from the manifest, the xorbs' record headers and the chunk index (no
 * chunk data), so a read of a header or a tensor touches only the chunks holding it, and equal
 * tensors are recognised from chunk hashes (fingerprints) without reading them. Used inside the
 * content worker (content-worker.ts), never on the request thread.
 */
import type { ByteSource } from '../../diff/byte-source.js';
import { bufferSource } from '../../diff/byte-source.js';
import { chunkAt, chunkFingerprint, type ChunkSpan } from '../../diff/chunk-fingerprint.js';
import { IntegrityError, NotFoundError, UsageError } from '../../errors.js';
import { xetHex } from '../../hash/xet-hex.js';
import { xorbChunkHashes } from '../../store/chunk-api.js';
import { readManifest } from '../../store/manifest-files.js';
import type { Store } from '../../store/store.js';
import { readFully, XorbFile } from '../../store/xorb-reader.js';
import type { XorbHandle } from '../../store/xorb-backend.js';
import { CHUNK_HEADER_BYTES } from '../../formats/xorb.js';
import type { BareRepo } from '../git-read.js';

/** A file version as the pages name it: an LFS object of the store, or a git blob. */
export type FileRef = { kind: 'lfs'; oid: string; size: number } | { kind: 'git'; oid: string; size: number };

/** Largest git blob read into memory to compare or preview (bigger ones are summarised). */
export const MAX_GIT_BLOB_BYTES = 16 << 20;
/** Largest single read from a xorb. */
const READ_SPAN = 8 << 20;

/** A chunk of a stored object: where it is in the file, its hash, and its record in a xorb. */
interface LaidChunk extends ChunkSpan {
  xorb: string;
  index: number;
}

/** An open xorb: its handle, its records (parsed once by XorbFile), its chunk hashes once asked. */
interface OpenXorb {
  handle: XorbHandle;
  file: XorbFile;
  hashes?: string[];
}

/** Where every chunk of a stored object is. */
export interface ObjectLayout {
  oid: string;
  size: number;
  chunks: LaidChunk[];
}

/**
 * Open xorbs and object layouts of one worker (xorbs and objects are immutable, so both are kept
 * between tasks; {@link trim} closes what is over capacity once a task is done).
 */
export class StoreReader {
  private readonly files = new Map<string, OpenXorb>();
  private readonly layouts = new Map<string, ObjectLayout>();
  /** Where xorb bytes land before the wanted ones are copied out: fresh large buffers cost page faults on every read. Made at the first read (a worker that never reads holds none). */
  private scratch: Buffer | undefined;

  constructor(readonly store: Store, private readonly capacity = { files: 128, layouts: 32 }) {}

  /** The layout of stored object `oid`; NotFoundError when the store has no manifest for it. */
  layout(oid: string, name: string): ObjectLayout {
    const hit = this.layouts.get(oid);
    if (hit) {
      this.layouts.delete(oid);
      this.layouts.set(oid, hit);
      return hit;
    }
    const manifest = readManifest(this.store.paths, oid);
    if (!manifest) throw new NotFoundError(`${name}: content is not on this server`, { data: { oid } }, 'content_missing');
    const chunks: LaidChunk[] = [];
    let offset = 0;
    for (const t of manifest.terms) {
      const x = this.xorb(t.xorb);
      const records = x.file.records();
      if (t.chunkEnd > records.length) throw new IntegrityError(`object ${oid} names chunks ${t.chunkStart}..${t.chunkEnd} of xorb ${t.xorb}, which has ${records.length}`, { data: { oid } }, 'missing_chunk');
      x.hashes ??= xorbChunkHashes(this.store, x.file).map((h) => xetHex(h));
      for (let i = t.chunkStart; i < t.chunkEnd; i++) {
        chunks.push({ offset, length: records[i].length, hash: x.hashes[i], xorb: t.xorb, index: i });
        offset += records[i].length;
      }
    }
    if (offset !== manifest.size) throw new IntegrityError(`object ${oid}: its chunks hold ${offset} bytes, the manifest says ${manifest.size}`, { data: { oid } }, 'corrupt_manifest');
    const layout = { oid, size: manifest.size, chunks };
    this.layouts.set(oid, layout);
    return layout;
  }

  /** Bytes [start, end) of an object in a buffer of their own. */
  read(layout: ObjectLayout, start: number, end: number): Uint8Array {
    const from = Math.max(0, start);
    const to = Math.min(end, layout.size);
    if (to <= from) return new Uint8Array(0);
    return this.readInto(layout, from, to, Buffer.allocUnsafeSlow(to - from)); // its own ArrayBuffer (hyparquet keeps it)
  }

  /** Bytes [start, end) into `into` when they fit (the caller's reused buffer), else into a buffer of their own. */
  readReusing(layout: ObjectLayout, start: number, end: number, into: Uint8Array): Uint8Array {
    const from = Math.max(0, start);
    const to = Math.min(end, layout.size);
    if (to <= from) return new Uint8Array(0);
    if (to - from > into.length) return this.read(layout, from, to);
    return this.readInto(layout, from, to, into.subarray(0, to - from));
  }

  private readInto(layout: ObjectLayout, from: number, to: number, out: Uint8Array): Uint8Array {
    const chunks = layout.chunks;
    for (let i = chunkAt(chunks, from); i < chunks.length && chunks[i].offset < to; ) {
      // a run: following chunks of the same xorb, stored one after another
      let j = i + 1;
      while (j < chunks.length && chunks[j].offset < to && chunks[j].xorb === chunks[i].xorb && chunks[j].index === chunks[j - 1].index + 1 && chunks[j].offset + chunks[j].length - chunks[i].offset <= READ_SPAN) j++;
      const x = this.xorb(chunks[i].xorb);
      const records = x.file.records();
      const base = records[chunks[i].index].offset;
      const last = records[chunks[j - 1].index];
      const span = last.dataOffset + last.length - base;
      const scratch = (this.scratch ??= Buffer.allocUnsafeSlow(READ_SPAN + 64 * CHUNK_HEADER_BYTES));
      const bytes = span <= scratch.length ? scratch.subarray(0, span) : Buffer.allocUnsafe(span);
      readFully(x.handle, bytes, base);
      for (let k = i; k < j; k++) {
        const c = chunks[k];
        const r = records[c.index];
        const lo = Math.max(from, c.offset);
        const hi = Math.min(to, c.offset + c.length);
        out.set(bytes.subarray(r.dataOffset - base + (lo - c.offset), r.dataOffset - base + (hi - c.offset)), lo - from);
      }
      i = j;
    }
    return out;
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

  private xorb(name: string): OpenXorb {
    let x = this.files.get(name);
    if (x) this.files.delete(name);
    else {
      const handle = this.store.xorbs.open(name);
      x = { handle, file: XorbFile.fromHandle(name, handle) };
    }
    this.files.set(name, x);
    return x;
  }
}

/** Reads of at least this many bytes land in one of a source's two reused buffers. */
export const REUSED_READ_BYTES = 1 << 20;

/**
 * A stored object as a ByteSource, with chunk fingerprints. A read of {@link REUSED_READ_BYTES}
 * or more returns a view into one of two buffers of this source, alternately, so it stays valid
 * until the second-next such read: enough for every reader of src/diff (a tensor comparison uses
 * a piece of each side before reading the next; headers, indexes and text are parsed or copied
 * at once), and it spares the page faults of two fresh 8 MiB buffers per piece.
 */
export function storeSource(reader: StoreReader, oid: string, name: string): ByteSource {
  const layout = reader.layout(oid, name);
  const pair: Uint8Array[] = [];
  let turn = 0;
  const read = async (start: number, end: number) => {
    const n = Math.min(end, layout.size) - Math.max(0, start);
    if (n < REUSED_READ_BYTES || n > READ_SPAN) return reader.read(layout, start, end);
    turn ^= 1;
    return reader.readReusing(layout, start, end, (pair[turn] ??= Buffer.allocUnsafeSlow(READ_SPAN)));
  };
  let edges: Uint8Array | undefined;
  // the edge bytes of a fingerprint are hashed before this source reads again (its calls are
  // sequential), so they may land in a buffer of the source's own, reused
  const edge = async (start: number, end: number) => reader.readReusing(layout, start, end, (edges ??= Buffer.allocUnsafeSlow(256 * 1024)));
  return {
    name,
    size: layout.size,
    read,
    async *stream() {
      for (let at = 0; at < layout.size; at += READ_SPAN) yield reader.read(layout, at, at + READ_SPAN);
    },
    fingerprint: (start, end, exact) => chunkFingerprint(layout.chunks, layout.size, start, end, exact === true, edge),
  };
}

/** A git blob as a ByteSource, read whole on first use; UsageError `too_large` past {@link MAX_GIT_BLOB_BYTES}. */
export function gitBlobSource(bare: BareRepo, oid: string, size: number, name: string): ByteSource {
  let whole: Promise<ByteSource> | undefined;
  const load = () => {
    if (size > MAX_GIT_BLOB_BYTES) throw new UsageError(`${name}: a ${size}-byte git blob is too large to read on a web page`, {}, 'too_large');
    whole ??= bare.readBlobs([oid]).then(([bytes]) => bufferSource(name, bytes));
    return whole;
  };
  return {
    name,
    size,
    read: async (start, end) => (await load()).read(start, end),
    async *stream() {
      yield* (await load()).stream();
    },
  };
}

/** The source of `ref` (`bare` for git blobs, the store for LFS objects). */
export function openRef(ref: FileRef, name: string, bare: BareRepo, reader: StoreReader): ByteSource {
  return ref.kind === 'lfs' ? storeSource(reader, ref.oid, name) : gitBlobSource(bare, ref.oid, ref.size, name);
}
