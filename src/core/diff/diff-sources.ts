/**
 * The ByteSources `hub diff` reads through (src/diff/byte-source.ts): a local file; a blob of
 * the git object database; and a large file as a table of content-defined chunks, read from the
 * store, with chunks the store lacks fetched from the remote's chunk API on demand (verified by
 * hash, kept in the store for later). A chunked source can fingerprint a byte range from chunk
 * hashes, so equal tensors are recognised without reading them.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ConflictError, IntegrityError, NotFoundError, fromFsError } from '../../errors.js';
import type { ByteSource } from '../../diff/byte-source.js';
import { bufferSource } from '../../diff/byte-source.js';
import { chunkAt, chunkFingerprint } from '../../diff/chunk-fingerprint.js';
import { CHUNK_HEADER_BYTES } from '../../formats/xorb.js';
import { createSha256 } from '../../hash/sha256.js';
import { readBlob } from '../../repo/object-store.js';
import { ChunkSink } from '../../store/chunk-sink.js';
import { LocalChunkReader } from '../../store/local-chunks.js';
import type { FileChunk } from '../../store/object-chunks.js';
import type { Store } from '../../store/store.js';
import { fetchRuns } from '../../transfer/chunk-adapter.js';
import type { ChunkApi } from '../../transfer/lfs-client.js';
import type { TransferQueue } from '../../transfer/queue.js';
import type { XetCas } from '../../transfer/xet-cas.js';
import { readXetChunks } from '../../transfer/xet-chunk-reads.js';
import { ChunkHashList } from '../../hash/chunk-hash-list.js';
import { fromXetHex, xetHex } from '../../hash/xet-hex.js';

const READ_BYTES = 1 << 20;
const STREAM_SPAN = 8 << 20;

/** A file on disk. */
export function fileSource(path: string, name: string): ByteSource {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw fromFsError(err, path);
  }
  const readAt = (buf: Uint8Array, fd: number, position: number): void => {
    for (let at = 0; at < buf.length; ) {
      const n = readSync(fd, buf, at, buf.length - at, position + at);
      if (n === 0) throw new ConflictError(`${name} changed while it was read (shorter than ${size} bytes)`, { hint: 'retry when nothing is writing it' }, 'file_changed');
      at += n;
    }
  };
  const open = (): number => {
    try {
      return openSync(path, 'r');
    } catch (err) {
      throw fromFsError(err, path);
    }
  };
  return {
    name,
    size,
    async read(start, end) {
      const from = Math.max(0, start);
      const buf = Buffer.allocUnsafeSlow(Math.max(0, Math.min(end, size) - from)); // its own ArrayBuffer (never the shared pool)
      const fd = open();
      try {
        readAt(buf, fd, from);
      } finally {
        closeSync(fd);
      }
      return buf;
    },
    async *stream() {
      const fd = open();
      try {
        for (let at = 0; at < size; at += READ_BYTES) {
          const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, size - at));
          readAt(buf, fd, at);
          yield buf;
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** A blob of the object database (small files: read whole). */
export async function blobSource(gitdir: string, oid: string, name: string): Promise<ByteSource> {
  return bufferSource(name, await readBlob(gitdir, oid));
}

/** A chunk of a remote object: where its record is in which xorb. */
export interface RemoteChunk extends FileChunk {
  url: string;
  /** Offset of the chunk's record (header included) in the xorb. */
  record: number;
}

/**
 * Where chunks the store lacks come from: `fetch` yields the data of `chunks[i]` for each i of
 * `missing` (ascending), in that order, in batches as they arrive, each with the bytes received.
 */
export interface ChunkRemote {
  fetch(chunks: readonly FileChunk[], missing: readonly number[], what: string): AsyncIterable<{ data: Uint8Array[]; received: number }>;
}

/** Chunks of a hub-chunks reconstruction (RemoteChunk tables), fetched by their records' byte ranges. */
export function hubChunksRemote(api: ChunkApi, queue: TransferQueue): ChunkRemote {
  return {
    async *fetch(chunks, missing) {
      const remote = chunks as readonly RemoteChunk[];
      const runs = missing.map((i) => ({ url: remote[i].url, start: remote[i].record, end: remote[i].record + CHUNK_HEADER_BYTES + remote[i].length, hashes: ChunkHashList.of([fromXetHex(remote[i].hash)]) }));
      for await (const part of fetchRuns(queue, api, runs)) yield { data: part.chunks.map((c) => c.data), received: part.received };
    },
  };
}

/** Chunks of a Xet file by its chunk table (transfer/xet-chunk-reads.ts), fetched through range reconstructions. */
export function xetRemote(cas: XetCas, queue: TransferQueue, fileHash: string): ChunkRemote {
  return { fetch: (chunks, missing, what) => readXetChunks(queue, cas, fileHash, chunks, missing, what) };
}

/**
 * Reads chunks by hash from the store, fetching the missing ones from `remote` when given (each
 * checked against its hash and kept in the store). Counts the bytes fetched.
 */
export class ChunkFetcher {
  /** Response bytes received. */
  bytesFetched = 0;
  private readonly reader: LocalChunkReader;

  constructor(private readonly store: Store, private readonly remote?: ChunkRemote) {
    this.reader = new LocalChunkReader(store);
  }

  /** The data of `chunks`, in order. */
  async get(chunks: ReadonlyArray<FileChunk | RemoteChunk>, what: string): Promise<Uint8Array[]> {
    const out: Array<Uint8Array | undefined> = new Array(chunks.length);
    // one index transaction for all, and neighbouring local chunks read with one call
    const where = this.reader.locateEach(chunks.map((c) => c.hash));
    const present = where.flatMap((w, i) => (w ? [i] : []));
    const data = this.reader.read(present.map((i) => where[i]!));
    present.forEach((i, k) => (out[i] = data[k]));
    const missing = where.flatMap((w, i) => (w ? [] : [i]));
    if (missing.length) {
      if (!this.remote) throw new NotFoundError(`${what}: content is not in the local store`, { hint: 'fetch it first (hub fetch / hub pull)' }, 'content_missing');
      await this.fetch(chunks, missing, out, what);
    }
    return out as Uint8Array[];
  }

  /** Closes open xorbs. */
  close(): void {
    this.reader.close();
  }

  /** Fetches chunks `missing` (indices into `chunks`; neighbours in one request); verifies and stores them. */
  private async fetch(chunks: readonly FileChunk[], missing: number[], out: Array<Uint8Array | undefined>, what: string): Promise<void> {
    const sink = new ChunkSink(this.store);
    try {
      let k = 0;
      for await (const part of this.remote!.fetch(chunks, missing, what)) {
        this.bytesFetched += part.received;
        for (const data of part.data) {
          const i = missing[k++];
          const hash = this.store.hashers.chunk.hash(data);
          if (data.length !== chunks[i].length || xetHex(hash) !== chunks[i].hash) {
            throw new IntegrityError(`${what}: the server sent a chunk whose bytes do not match its hash ${chunks[i].hash}`, {}, 'chunk_mismatch');
          }
          sink.add(hash, data);
          out[i] = data;
        }
        await sink.drained();
      }
      if (k !== missing.length) throw new IntegrityError(`${what}: the server sent ${k} of ${missing.length} chunks`, {}, 'missing_chunk');
      await sink.finish(); // the fetched chunks stay in the store: a later pull does not fetch them again
    } catch (err) {
      await sink.abort();
      throw err;
    }
  }
}

/** A file as a table of chunks whose data comes from `fetcher`; `oid` (when known) is checked after a whole read. */
export function chunkedSource(name: string, size: number, chunks: ReadonlyArray<FileChunk | RemoteChunk>, fetcher: ChunkFetcher, oid?: string): ByteSource {
  const read = async (start: number, end: number): Promise<Uint8Array> => {
    const from = Math.max(0, start);
    const to = Math.min(end, size);
    if (to <= from) return new Uint8Array(0);
    const i = chunkAt(chunks, from);
    let j = i;
    while (j < chunks.length && chunks[j].offset < to) j++;
    const data = await fetcher.get(chunks.slice(i, j), name);
    const out = Buffer.allocUnsafe(to - from);
    for (let k = i; k < j; k++) {
      const c = chunks[k];
      const lo = Math.max(from, c.offset);
      const hi = Math.min(to, c.offset + c.length);
      out.set(data[k - i].subarray(lo - c.offset, hi - c.offset), lo - from);
    }
    return out;
  };
  return {
    name,
    size,
    read,
    async *stream() {
      const sha = createSha256();
      for (let i = 0; i < chunks.length; ) {
        let j = i + 1;
        while (j < chunks.length && chunks[j].offset + chunks[j].length - chunks[i].offset <= STREAM_SPAN) j++;
        for (const d of await fetcher.get(chunks.slice(i, j), name)) {
          sha.update(d);
          yield d;
        }
        i = j;
      }
      const actual = sha.digest('hex');
      if (oid && actual !== oid) throw new IntegrityError(`${name}: its stored content hashes to ${actual}, not ${oid}`, { data: { oid } }, 'hash_mismatch');
    },
    fingerprint: (start, end, exact) => chunkFingerprint(chunks, size, start, end, !!exact, read), // the rule every chunked source shares
  };
}
