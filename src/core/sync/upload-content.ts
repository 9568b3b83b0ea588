/**
 * Sending large-file content to a remote (the upload side of the transfer queue): objects asked
 * for in batches of 100 and worked on HUB_CONCURRENCY at a time, with at most that many requests
 * in flight. With `hub-chunks`, the server is asked which chunks it lacks and only the xorbs
 * holding them are sent (in parallel; a rerun after a failure sends only what is still missing),
 * then the manifest is registered; with `basic`, whole objects are streamed from the store.
 * Once the signal is aborted nothing new is sent and requests in flight are cancelled; what the
 * server already verified stays there, so the rerun sends only the rest.
 */
import { NotFoundError } from '../../errors.js';
import { xetHex } from '../../hash/xet-hex.js';
import { silentProgress, type ProgressSink } from '../../progress.js';
import { readManifest } from '../../store/manifest-files.js';
import { objectPieces } from '../../store/reassemble.js';
import type { Store } from '../../store/store.js';
import { readFully } from '../../store/xorb-reader.js';
import { basicUpload } from '../../transfer/basic-transfer.js';
import { errorForStatus } from '../../transfer/http-client.js';
import { ChunkApi, lfsBatch, lfsEndpoint, type BatchObject } from '../../transfer/lfs-client.js';
import { DEFAULT_CONCURRENCY, forEachLimit, Slots, TransferMeter } from '../../transfer/transfer-queue.js';

const BATCH_SIZE = 100;

/** What an upload moved. */
export interface UploadedContent {
  transfer: string | null;
  /** Objects the server did not have. */
  uploaded: number;
  /** Content bytes sent in request bodies (xorbs or whole objects). */
  bytesSent: number;
}

/** Uploads every object of `objects` the remote lacks; each must be in the store. */
export async function uploadContent(store: Store, remoteUrl: string, objects: Array<{ oid: string; size: number }>, token: string | undefined, opts: { progress?: ProgressSink; concurrency?: number; signal?: AbortSignal } = {}): Promise<UploadedContent> {
  const result: UploadedContent = { transfer: null, uploaded: 0, bytesSent: 0 };
  if (!objects.length) return result;
  const { signal } = opts;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const slots = new Slots(concurrency);
  let meter: TransferMeter | undefined;
  try {
    for (let i = 0; i < objects.length; i += BATCH_SIZE) {
      const batch = await lfsBatch(lfsEndpoint(remoteUrl), 'upload', objects.slice(i, i + BATCH_SIZE), token, signal);
      result.transfer = batch.transfer;
      const todo: BatchObject[] = [];
      for (const obj of batch.objects) {
        if (obj.error) throw errorForStatus(obj.error.code, obj.error.message, `uploading ${obj.oid.slice(0, 12)}`);
        if (!obj.actions?.upload) continue; // the server has it
        if (!store.hasObject(obj.oid)) throw new NotFoundError(`content of ${obj.oid} is not in the local store`, { hint: 'it was never fetched here' }, 'content_missing');
        todo.push(obj);
      }
      if (!todo.length) continue;
      meter ??= new TransferMeter(opts.progress ?? silentProgress, `upload:${remoteUrl}`, `Uploading ${todo.length} large file${todo.length === 1 ? '' : 's'}`, todo.reduce((n, o) => n + o.size, 0));
      const m = meter;
      await forEachLimit(todo, concurrency, async (obj) => {
        result.bytesSent += batch.transfer === 'hub-chunks' ? await uploadChunks(store, new ChunkApi(obj.actions!.upload!.href, obj.actions!.upload!.header, signal), obj.oid, slots, m) : await uploadBasic(store, obj, slots, m, signal);
        result.uploaded++;
      }, signal);
    }
    meter?.end(true, `${result.uploaded} file${result.uploaded === 1 ? '' : 's'}`);
    return result;
  } catch (err) {
    meter?.end(false);
    throw err;
  }
}

/** Reads a whole xorb from the store. */
function xorbBytes(store: Store, xorb: string): Buffer {
  const h = store.xorbs.open(xorb);
  try {
    const buf = Buffer.allocUnsafe(h.size);
    readFully(h, buf, 0);
    return buf;
  } finally {
    h.close();
  }
}

/** One object through the chunk API: the xorbs with missing chunks (in parallel), then the manifest. */
async function uploadChunks(store: Store, api: ChunkApi, oid: string, slots: Slots, meter: TransferMeter): Promise<number> {
  const manifest = readManifest(store.paths, oid)!;
  const xorbs = [...new Set(manifest.terms.map((t) => t.xorb))];
  const chunksOf = new Map(xorbs.map((x) => [x, store.index.chunksOf(x).map((c) => xetHex(c.hash))]));
  const missing = new Set(await api.missing([...chunksOf.values()].flat()));
  const bytesIn = new Map<string, number>();
  for (const t of manifest.terms) bytesIn.set(t.xorb, (bytesIn.get(t.xorb) ?? 0) + t.bytes);
  let sent = 0;
  await Promise.all(
    xorbs.map(async (x) => {
      const release = await slots.acquire(api.signal);
      try {
        if (chunksOf.get(x)!.some((h) => missing.has(h))) {
          const bytes = xorbBytes(store, x);
          await api.putXorb(x, bytes);
          sent += bytes.length;
        }
        meter.add(bytesIn.get(x)!);
      } finally {
        release();
      }
    }),
  );
  await api.putReconstruction(oid, manifest);
  return sent;
}

/** One object whole (the `basic` transfer), streamed from the store. */
async function uploadBasic(store: Store, obj: BatchObject, slots: Slots, meter: TransferMeter, signal: AbortSignal | undefined): Promise<number> {
  const manifest = readManifest(store.paths, obj.oid)!;
  const release = await slots.acquire(signal);
  try {
    await basicUpload(obj.oid, manifest.size, obj.actions!.upload!, obj.actions?.verify, function* () {
      for (const piece of objectPieces(store, manifest)) {
        meter.add(piece.length);
        yield piece;
      }
    }, signal);
    return manifest.size;
  } finally {
    release();
  }
}
