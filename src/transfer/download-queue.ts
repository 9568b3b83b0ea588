/**
 * The download side of the transfer queue: the objects the store lacks (each once), asked for
 * in batches, worked on HUB_CONCURRENCY at a time (hub-chunks and Xet files also within the
 * queue's budget of files open at once, queue.ts OPEN_FILES), each received in one pass into the
 * writer the target hands out: through `hub-chunks` when the server offers it (chunk-adapter.ts),
 * else `basic` (whole objects, resumed with Range after a dropped connection). One progress meter
 * for all. A writer whose object failed is aborted; the results of finished ones are returned,
 * or handed to `discard` when anything fails.
 */
import { ProtocolError } from '../errors.js';
import { errorForStatus } from './http-client.js';
import { ChunkApi, type LfsAction } from './lfs-client.js';
import { BasicDownload } from './basic-transfer.js';
import { receiveChunks } from './chunk-adapter.js';
import { anonymous, type Authenticator, type LfsTarget } from './lfs-auth.js';
import type { TransferQueue } from './queue.js';
import type { DownloadTarget, ObjectWriter } from './store-interfaces.js';
import type { TransferMeter } from './transfer-queue.js';
import { XetCas } from './xet-cas.js';
import { receiveXet } from './xet-download.js';
import { actionHeader, XET_HEADERS, XetTokenSource } from './xet-token.js';

/** What a download moved. */
export interface Downloaded<R> {
  objects: number;
  /** Content bytes received in response bodies. */
  bytesReceived: number;
  transfer: string | null;
  /** oid -> what its writer's `finish` returned. */
  finished: Map<string, R>;
}

/** Where the objects come from: a Git LFS remote (batch API), or plain URLs (an HF server's `resolve`). */
export type DownloadRoute = { lfs: LfsTarget } | { urls: ReadonlyMap<string, string>; token?: string };

/** Downloads every object of `objects` the target lacks; see the module comment. */
export async function downloadObjects<L, R>(q: TransferQueue, target: DownloadTarget<L, R>, objects: ReadonlyArray<{ oid: string; size: number }>, route: DownloadRoute, discard: (finished: R[]) => void = () => {}): Promise<Downloaded<R>> {
  const wanted = [...new Map(objects.filter((o) => !target.has(o.oid)).map((o) => [o.oid, o])).values()];
  const result: Downloaded<R> = { objects: 0, bytesReceived: 0, transfer: null, finished: new Map() };
  if (!wanted.length) return result;
  const meter = q.meter(`download:${'lfs' in route ? route.lfs.url : 'urls'}`, `Downloading ${wanted.length} large file${wanted.length === 1 ? '' : 's'}`, wanted.reduce((n, o) => n + o.size, 0));
  const auth = 'lfs' in route ? route.lfs.auth : anonymous;
  /** One CAS client per token route (the objects of a batch share it, and its token). */
  const cases = new Map<string, XetCas>();
  const casFor = (action: LfsAction): XetCas => {
    let cas = cases.get(action.href);
    if (!cas) cases.set(action.href, (cas = new XetCas(new XetTokenSource(action, auth, q.signal), q.signal)));
    return cas;
  };
  const one = async (obj: { oid: string; size: number }, action: LfsAction, transfer: string): Promise<void> => {
    const into: Into<L, R> = { writer: target.receive(obj) };
    try {
      if (transfer === 'xet') {
        const xetHash = actionHeader(action, XET_HEADERS.hash);
        if (!xetHash || !/^[0-9a-f]{64}$/.test(xetHash)) throw new ProtocolError(`the LFS batch answer names no Xet hash (X-Xet-Hash) for ${obj.oid.slice(0, 12)}`, { data: { oid: obj.oid } }, 'bad_response');
        const got = await receiveXet(q, casFor(action), obj, xetHash, target, into.writer, meter);
        result.bytesReceived += got.received;
        result.finished.set(obj.oid, await into.writer.finish());
        target.xorbs.learn(got.learned); // only now: the object verified
        result.objects++;
        return;
      }
      const received = transfer === 'hub-chunks' ? await receiveChunks(q, new ChunkApi(action.href, action.header, q.signal), obj, target.local, into.writer, meter) : await receiveBasic(q, obj, action, target, into, meter, auth);
      result.bytesReceived += received; // after the await: objects run concurrently
      result.finished.set(obj.oid, await into.writer.finish());
      result.objects++;
    } catch (err) {
      await into.writer.abort();
      throw err;
    }
  };
  try {
    if ('lfs' in route) {
      for await (const batch of q.batches(route.lfs, 'download', wanted)) {
        result.transfer = batch.transfer;
        for (const obj of batch.objects) {
          if (obj.error || !obj.actions?.download) throw errorForStatus(obj.error?.code ?? 404, obj.error?.message ?? 'no download action', `downloading ${obj.oid.slice(0, 12)}`);
        }
        // a basic file is one request: there the files at once are the parallelism (git-lfs's 8)
        await q.each(batch.objects, (obj) => one(obj, obj.actions!.download!, batch.transfer), batch.transfer === 'basic' ? undefined : q.openFiles);
      }
    } else {
      const auth = route.token ? { authorization: `Bearer ${route.token}` } : undefined;
      await q.each(wanted, (o) => one(o, { href: route.urls.get(o.oid)!, ...(auth ? { header: auth } : {}) }, 'basic'));
      result.transfer = 'resolve';
    }
    meter.end(true, `${result.objects} file${result.objects === 1 ? '' : 's'}`);
    return result;
  } catch (err) {
    meter.end(false);
    discard([...result.finished.values()]);
    throw err;
  }
}

/** The writer of one object (a basic download that starts over replaces it). */
interface Into<L, R> {
  writer: ObjectWriter<L, R>;
}

/** basic: the whole object in one slot, fed to the writer as it arrives; a restart starts a fresh writer. */
async function receiveBasic<L, R>(q: TransferQueue, obj: { oid: string; size: number }, action: LfsAction, target: DownloadTarget<L, R>, into: Into<L, R>, meter: TransferMeter, auth: Authenticator): Promise<number> {
  const download = new BasicDownload(obj.oid, obj.size, action, {
    write: async (bytes) => {
      into.writer.bytes(bytes);
      meter.add(bytes.length);
      await into.writer.drained?.();
    },
    restart: async () => {
      meter.add(-into.writer.received);
      await into.writer.abort();
      into.writer = target.receive(obj);
    },
  }, q.signal, auth);
  await q.inSlot(() => download.attempt());
  return download.received;
}
