/**
 * The upload side of the transfer queue: the batch API says which objects the remote lacks;
 * those are sent HUB_CONCURRENCY at a time through `hub-chunks` (only xorbs holding chunks the
 * server lacks, then the manifest; chunk-adapter.ts) or `basic` (whole objects streamed from
 * the store). One progress meter; what the server verified before a failure stays there, so a
 * rerun sends only the rest.
 */
import { NotFoundError } from '../errors.js';
import { basicPut, basicVerify } from './basic-transfer.js';
import { sendChunks } from './chunk-adapter.js';
import { errorForStatus } from './http-client.js';
import { ChunkApi, type BatchObject } from './lfs-client.js';
import type { Authenticator, LfsTarget } from './lfs-auth.js';
import type { TransferQueue } from './queue.js';
import type { UploadSource } from './store-interfaces.js';
import type { TransferMeter } from './transfer-queue.js';
import { XetCas } from './xet-cas.js';
import { XetTokenSource } from './xet-token.js';
import { XetUpload } from './xet-upload.js';
import type { XetCompression } from './xet-xorb-encode.js';

/** What an upload moved. */
export interface Uploaded {
  transfer: string | null;
  /** Objects the server did not have. */
  uploaded: number;
  /** Content bytes sent in request bodies (xorbs or whole objects). */
  bytesSent: number;
}

/** How uploads run. */
export interface UploadOptions {
  /** How the `xet` transfer compresses xorbs (HUB_XET_COMPRESSION; default `auto`). */
  xetCompression?: XetCompression;
  /**
   * Called once every object is on the server or being registered under a mark the server's
   * pre-receive hook waits for (hub serve's two-line answer, ChunkApi.putReconstruction): the
   * history may be sent from then on. Not called when the upload fails first.
   */
  onReady?: () => void;
}

/** Uploads every object of `objects` the remote lacks; each must be in `source`. */
export async function uploadObjects(q: TransferQueue, source: UploadSource, target: LfsTarget, objects: ReadonlyArray<{ oid: string; size: number }>, opts: UploadOptions = {}): Promise<Uploaded> {
  const result: Uploaded = { transfer: null, uploaded: 0, bytesSent: 0 };
  let meter: TransferMeter | undefined;
  /** One Xet upload per token route, across the batches of this push (what the CAS said it has is kept). */
  const xets = new Map<string, XetUpload>();
  // the objects the batches have named so far, and those of them not yet ready (see onReady)
  let named = 0;
  let unready = 0;
  let told = false;
  const ready = () => {
    if (told || named < objects.length || unready > 0) return;
    told = true;
    opts.onReady?.();
  };
  try {
    for await (const batch of q.batches(target, 'upload', objects)) {
      named += batch.objects.length;
      result.transfer = batch.transfer;
      const todo: BatchObject[] = [];
      for (const obj of batch.objects) {
        if (obj.error) throw errorForStatus(obj.error.code, obj.error.message, `uploading ${obj.oid.slice(0, 12)}`);
        if (!obj.actions?.upload) continue; // the server has it
        if (!source.has(obj.oid)) throw new NotFoundError(`content of ${obj.oid} is not in the local store`, { hint: 'it was never fetched here' }, 'content_missing');
        todo.push(obj);
      }
      if (!todo.length) {
        ready();
        continue;
      }
      meter ??= q.meter(`upload:${target.url}`, `Uploading ${todo.length} large file${todo.length === 1 ? '' : 's'}`, todo.reduce((n, o) => n + o.size, 0));
      const m = meter;
      if (batch.transfer === 'xet') {
        const action = todo[0].actions!.upload!;
        let xet = xets.get(action.href);
        if (!xet) xets.set(action.href, (xet = new XetUpload(q, new XetCas(new XetTokenSource(action, target.auth, q.signal), q.signal), source, opts.xetCompression)));
        const before = xet.bytesSent;
        await xet.upload(todo.map((o) => o.oid), m);
        result.bytesSent += xet.bytesSent - before;
        result.uploaded += todo.length;
        ready();
        continue;
      }
      unready += todo.length;
      await q.each(todo, async (obj) => {
        const upload = obj.actions!.upload!;
        let registered = false;
        const registering = () => {
          if (registered) return;
          registered = true;
          unready--;
          ready();
        };
        const sent = batch.transfer === 'hub-chunks' ? await sendChunks(q, new ChunkApi(upload.href, upload.header, q.signal), obj.oid, source, m, registering) : await sendBasic(q, source, obj, m, target.auth);
        registering(); // done
        result.bytesSent += sent; // after the await: objects run concurrently
        result.uploaded++;
      });
    }
    meter?.end(true, `${result.uploaded} file${result.uploaded === 1 ? '' : 's'}`);
    return result;
  } catch (err) {
    meter?.end(false);
    throw err;
  }
}

/** basic: the whole object streamed from the store in one slot, then the verify action if any. */
async function sendBasic(q: TransferQueue, source: UploadSource, obj: BatchObject, meter: TransferMeter, auth: Authenticator): Promise<number> {
  const manifest = source.manifest(obj.oid);
  let counted = 0;
  await q.inSlot(() => {
    meter.add(-counted); // a retry sends it again from the start
    counted = 0;
    return basicPut(obj.oid, manifest.size, obj.actions!.upload!, function* () {
      for (const piece of source.pieces(manifest)) {
        counted += piece.length;
        meter.add(piece.length);
        yield piece;
      }
    }, q.signal, auth);
  });
  const verify = obj.actions?.verify;
  if (verify) await q.retried(() => basicVerify(obj.oid, manifest.size, verify, q.signal, auth));
  return manifest.size;
}
