/**
 * Sending large-file content to a remote: the transfer queue's upload side
 * (transfer/upload-queue.ts) reading this store. Once the signal is aborted nothing new is sent
 * and requests in flight are cancelled; what the server already verified stays there, so the
 * rerun sends only the rest.
 */
import type { ProgressSink } from '../../progress.js';
import { XorbFile } from '../../store/xorb-reader.js';
import { objectPieces } from '../../store/reassemble.js';
import type { Store } from '../../store/store.js';
import { xetHex } from '../../hash/xet-hex.js';
import type { LfsTarget } from '../../transfer/lfs-auth.js';
import { TransferQueue } from '../../transfer/queue.js';
import type { UploadSource } from '../../transfer/store-interfaces.js';
import { uploadObjects, type Uploaded } from '../../transfer/upload-queue.js';
import { xetCompressionFrom } from '../../transfer/xet-xorb-encode.js';
import { xorbChunkMap } from './fetch-content.js';

/** What an upload moved. */
export type UploadedContent = Uploaded;

/** Uploads every object of `objects` the remote lacks; each must be in the store. */
export function uploadContent(store: Store, lfs: LfsTarget, objects: Array<{ oid: string; size: number }>, opts: { progress?: ProgressSink; concurrency?: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv; onReady?: () => void } = {}): Promise<UploadedContent> {
  if (!objects.length) return Promise.resolve({ transfer: null, uploaded: 0, bytesSent: 0 });
  return uploadObjects(new TransferQueue(opts), uploadSource(store), lfs, objects, { xetCompression: xetCompressionFrom(opts.env ?? {}), onReady: opts.onReady });
}

/** The store as the upload queue reads it. */
export function uploadSource(store: Store): UploadSource {
  return {
    has: (oid) => store.hasObject(oid),
    hashers: store.hashers,
    xorbs: xorbChunkMap(store),
    xorbChunks: (xorb) => {
      const f = XorbFile.open(store.xorbs, xorb);
      try {
        const records = f.records();
        return f.chunkHashes(store.hashers).map((hash, i) => ({ index: i, hash, length: records[i].length }));
      } finally {
        f.close();
      }
    },
    manifest: (oid) => store.manifests.read(oid)!,
    chunksOf: (xorb) => store.index.chunksOf(xorb).map((c) => xetHex(c.hash)),
    openXorb: (xorb) => store.xorbs.open(xorb),
    pieces: (manifest) => objectPieces(store, manifest),
  };
}
