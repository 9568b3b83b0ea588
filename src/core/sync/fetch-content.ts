/**
 * Bringing large-file content from a remote into the local store: the transfer queue's download
 * side (transfer/download-queue.ts) wired to this store. Each object is received in one pass by
 * an ObjectReceiver (chunked into the store, hashed, and with `stageDir` also written to a
 * staging file a checkout renames into place); content whose SHA-256 is not its oid never
 * enters the store or a staging file that is handed out. Staging files are removed again when
 * anything fails; once the signal is aborted nothing new starts and what is being received is dropped.
 */
import { rmSync } from 'node:fs';
import { tmpPathFor } from '../../fs/atomic-file.js';
import type { ProgressSink } from '../../progress.js';
import type { ChunkLocation } from '../../store/chunk-index.js';
import { ChunkSink } from '../../store/chunk-sink.js';
import { LocalChunkReader } from '../../store/local-chunks.js';
import { ObjectReceiver, type ReceivedObject } from '../../store/object-receiver.js';
import type { Store } from '../../store/store.js';
import { downloadObjects, type DownloadRoute } from '../../transfer/download-queue.js';
import type { LfsTarget } from '../../transfer/lfs-auth.js';
import { TransferQueue } from '../../transfer/queue.js';
import type { DownloadTarget, XorbChunkMap } from '../../transfer/store-interfaces.js';
import { concurrencyFrom } from '../../transfer/transfer-queue.js';
import type { CoreContext } from '../context.js';

/** What a download moved. */
export interface FetchedContent {
  objects: number;
  /** Content bytes received in response bodies. */
  bytesReceived: number;
  transfer: string | null;
  /** oid -> a verified staging file with its bytes (only with `stage`; fsynced when `stage.durable`; the caller owns them). */
  staged?: Map<string, string>;
}

/** How to fetch. */
export interface FetchOptions {
  progress?: ProgressSink;
  /** Requests in flight at once (HUB_CONCURRENCY). */
  concurrency?: number;
  /**
   * Also write each object to a staging file in `dir` (same file system as its destination),
   * fsynced when `durable` (a download's file; a working-tree file is not: fs/atomic-file.ts).
   */
  stage?: { dir: string; durable: boolean };
  /** Stops the download (see the module comment). */
  signal?: AbortSignal;
}

/** The options a command's context gives a transfer: its progress sink, HUB_CONCURRENCY and signal. */
export function transferOptions(ctx: CoreContext, stage?: { dir: string; durable: boolean }): FetchOptions {
  return { progress: ctx.progress, concurrency: concurrencyFrom(ctx.env), signal: ctx.signal, ...(stage ? { stage } : {}) };
}

/** The store's knowledge of xorbs by name, as the Xet adapter reads and extends it (chunk-index.ts, schema version 2). */
export function xorbChunkMap(store: Store): XorbChunkMap {
  return {
    chunks: (xorb, start, end) => store.index.xorbChunks(xorb, start, end),
    learn: (entries) => store.index.learnXorbChunks(entries),
  };
}

/** Fetches every object of `objects` the store lacks from the Git LFS endpoint `lfs`. */
export function fetchContent(store: Store, lfs: LfsTarget, objects: Array<{ oid: string; size: number }>, opts: FetchOptions = {}): Promise<FetchedContent> {
  return fetchInto(store, objects, { lfs }, opts);
}

/**
 * Fetches objects from plain URLs (an HF server's `resolve` URLs, when it offers no LFS batch
 * API), each received like a `basic` download: chunked into the store, its SHA-256 checked.
 */
export function fetchFromUrls(store: Store, objects: Array<{ oid: string; size: number; url: string }>, token: string | undefined, opts: FetchOptions = {}): Promise<FetchedContent> {
  return fetchInto(store, objects, { urls: new Map(objects.map((o) => [o.oid, o.url])), ...(token ? { token } : {}) }, opts);
}

/** The store as a download's target (transfer/store-interfaces.ts): each object received by the writer `receive` makes. */
export function storeTarget(store: Store, local: LocalChunkReader, receive: (o: { oid: string; size: number }) => ObjectReceiver): DownloadTarget<ChunkLocation, ReceivedObject> {
  return {
    has: (oid) => store.hasObject(oid),
    local,
    hashers: store.hashers,
    xorbs: xorbChunkMap(store),
    stash: () => {
      const sink = new ChunkSink(store);
      return { add: (hash, data) => sink.add(hash, data), drained: () => sink.drained(), finish: async () => void (await sink.finish()), abort: () => sink.abort() };
    },
    receive,
  };
}

async function fetchInto(store: Store, objects: ReadonlyArray<{ oid: string; size: number }>, route: DownloadRoute, opts: FetchOptions): Promise<FetchedContent> {
  const local = new LocalChunkReader(store);
  const removeStaged = (done: ReceivedObject[]): void => {
    for (const r of done) if (r.staged) rmSync(r.staged, { force: true });
  };
  try {
    const target = storeTarget(store, local, (o) => new ObjectReceiver(store, o, opts.stage ? { path: tmpPathFor(opts.stage.dir, o.oid), durable: opts.stage.durable } : undefined, opts.signal));
    const got = await downloadObjects(new TransferQueue(opts), target, objects, route, removeStaged);
    const staged = new Map([...got.finished].flatMap(([oid, r]) => (r.staged ? [[oid, r.staged] as const] : [])));
    return { objects: got.objects, bytesReceived: got.bytesReceived, transfer: got.transfer, staged };
  } finally {
    local.close();
  }
}
