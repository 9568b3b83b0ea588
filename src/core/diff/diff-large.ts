/**
 * Large-file content for `hub diff`: an object the store has is read from it; one it lacks is
 * read from the remote a chunk at a time, so a diff fetches only what it reads (a safetensors
 * header, the changed tensors), never the whole file: over Xet when the CAS sends hub's chunk
 * hashes (hub serve: transfer/xet-chunk-reads.ts), over hub-chunks when that is the transfer.
 * Other servers (plain LFS, a Xet CAS without the extension) get a whole-object fetch into the store. Also the chunk tables behind the "new versus
 * shared bytes" summary, which need no content at all.
 */
import type { ByteSource } from '../../diff/byte-source.js';
import { IntegrityError, NetworkError, NotFoundError, ProtocolError } from '../../errors.js';
import { CHUNK_HEADER_BYTES } from '../../formats/xorb.js';
import { objectChunks, type FileChunk } from '../../store/object-chunks.js';
import type { Store } from '../../store/store.js';
import { reconstructionWindows } from '../../transfer/chunk-adapter.js';
import { ChunkApi, lfsBatch, type LfsAction } from '../../transfer/lfs-client.js';
import { XetCas } from '../../transfer/xet-cas.js';
import { xetChunkTable } from '../../transfer/xet-chunk-reads.js';
import { actionHeader, XET_HEADERS, XetTokenSource } from '../../transfer/xet-token.js';
import type { LfsTarget } from '../../transfer/lfs-auth.js';
import { TransferQueue } from '../../transfer/queue.js';
import { ChunkFetcher, chunkedSource, hubChunksRemote, xetRemote, type RemoteChunk } from './diff-sources.js';
import { fetchContent } from '../sync/fetch-content.js';

/** Where content the store lacks may come from. */
export interface RemoteAccess {
  /** The remote's Git LFS endpoint (found only when content must be fetched: it reads git's configuration). */
  lfs: () => Promise<LfsTarget>;
  /** HUB_OFFLINE: never ask. */
  offline: boolean;
  /** Cancels requests to the remote. */
  signal?: AbortSignal;
}

/** Opens large files by oid for one diff; `close()` when done. */
export class LargeFiles {
  private readonly local: ChunkFetcher;
  private readonly remoteFetchers: ChunkFetcher[] = [];
  private readonly tables = new Map<string, Promise<{ chunks: Array<FileChunk | RemoteChunk>; fetcher: ChunkFetcher }>>();
  private wholeObjectBytes = 0;
  /** The requests of this diff: retried, at most HUB_CONCURRENCY default in flight. */
  private readonly queue: TransferQueue;

  constructor(private readonly store: Store, private readonly remote?: RemoteAccess) {
    this.local = new ChunkFetcher(store);
    this.queue = new TransferQueue({ signal: remote?.signal });
  }

  /** Content bytes received from the remote so far. */
  get bytesFetched(): number {
    return this.wholeObjectBytes + this.remoteFetchers.reduce((n, f) => n + f.bytesFetched, 0);
  }

  /** A ByteSource over the object `oid`. */
  async open(oid: string, size: number, name: string): Promise<ByteSource> {
    const { chunks, fetcher } = await this.table(oid, size, name);
    return chunkedSource(name, size, chunks, fetcher, oid);
  }

  /** The chunks of `oid` (from the store, or the remote's reconstruction), without reading content. */
  async chunks(oid: string, size: number, name: string): Promise<FileChunk[]> {
    return (await this.table(oid, size, name)).chunks;
  }

  /** Closes what the diff opened. */
  close(): void {
    this.local.close();
    for (const f of this.remoteFetchers) f.close();
  }

  private table(oid: string, size: number, name: string): Promise<{ chunks: Array<FileChunk | RemoteChunk>; fetcher: ChunkFetcher }> {
    let t = this.tables.get(oid);
    if (!t) {
      t = this.load(oid, size, name);
      this.tables.set(oid, t);
    }
    return t;
  }

  private async load(oid: string, size: number, name: string): Promise<{ chunks: Array<FileChunk | RemoteChunk>; fetcher: ChunkFetcher }> {
    const manifest = this.store.manifests.read(oid);
    if (manifest) return { chunks: objectChunks(this.store, manifest), fetcher: this.local };
    if (!this.remote) throw new NotFoundError(`${name}: content (oid ${oid.slice(0, 12)}) is not in the local store and there is no remote to fetch it from`, { data: { oid } }, 'content_missing');
    if (this.remote.offline) throw new NetworkError(`${name}: content (oid ${oid.slice(0, 12)}) is not in the local store, and HUB_OFFLINE is set`, { retriable: false, data: { oid } }, 'offline');
    const { signal } = this.remote;
    const lfs = await this.remote.lfs();
    const batch = await this.queue.retried(() => lfsBatch(lfs, 'download', [{ oid, size }], signal));
    const obj = batch.objects[0];
    const action = obj?.actions?.download;
    if (!action) throw new NotFoundError(`${name}: the remote does not have its content (oid ${oid.slice(0, 12)})`, { data: { oid } }, 'content_missing');
    const xet = batch.transfer === 'xet' ? await this.xetTable(action, lfs, size, name) : undefined;
    if (xet) return xet;
    if (batch.transfer !== 'hub-chunks') {
      // a plain LFS server, or a Xet CAS without hub's chunk hashes (nothing to read a range
      // by): the whole object, once, into the store, through the command's transfers (a Xet
      // download reuses every chunk the store has)
      const got = await fetchContent(this.store, lfs, [{ oid, size }], { signal });
      this.wholeObjectBytes += got.bytesReceived; // after the await: two files may load at once
      return this.load(oid, size, name);
    }
    const api = new ChunkApi(action.href, action.header, this.remote.signal);
    const chunks: RemoteChunk[] = [];
    let offset = 0;
    // a window at a time, as a download asks it: the server answers each from a worker, and a
    // 10 GiB file's answer at once (164,000 chunk hashes) peaked hub serve at 456 MiB
    for await (const rec of reconstructionWindows(this.queue, api, { oid, size })) {
      for (const t of rec.terms) {
        if (!t.hashes || !t.lengths || t.hashes.length !== t.lengths.length) throw new ProtocolError(`${action.href}: the reconstruction of ${name} lacks chunk hashes or lengths`, { data: { url: action.href } }, 'bad_reconstruction');
        let record = t.range.start;
        for (let i = 0; i < t.hashes.length; i++) {
          chunks.push({ offset, length: t.lengths[i], hash: t.hashes.hex(i), url: t.url, record });
          offset += t.lengths[i];
          record += CHUNK_HEADER_BYTES + t.lengths[i];
        }
      }
    }
    if (offset !== size) throw new IntegrityError(`${name}: the server's reconstruction holds ${offset} bytes, the pointer says ${size}`, { data: { oid } }, 'size_mismatch');
    const fetcher = new ChunkFetcher(this.store, hubChunksRemote(api, this.queue));
    this.remoteFetchers.push(fetcher);
    return { chunks, fetcher };
  }

  /**
   * The chunk table of a file on a Xet CAS that sends hub's chunk hashes (transfer/xet-chunk-reads.ts),
   * with a fetcher reading the chunks a diff lacks by range; undefined from any other CAS.
   */
  private async xetTable(action: LfsAction, lfs: LfsTarget, size: number, name: string): Promise<{ chunks: FileChunk[]; fetcher: ChunkFetcher } | undefined> {
    const fileHash = actionHeader(action, XET_HEADERS.hash);
    if (!fileHash || !/^[0-9a-f]{64}$/.test(fileHash)) throw new ProtocolError(`${name}: the LFS batch answer names no Xet hash (X-Xet-Hash)`, { data: { url: action.href } }, 'bad_response');
    const cas = new XetCas(new XetTokenSource(action, lfs.auth, this.remote?.signal), this.remote?.signal);
    const chunks = await xetChunkTable(this.queue, cas, fileHash, size, name);
    if (!chunks) return undefined;
    const fetcher = new ChunkFetcher(this.store, xetRemote(cas, this.queue, fileHash));
    this.remoteFetchers.push(fetcher);
    return { chunks, fetcher };
  }
}
