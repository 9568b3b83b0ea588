/**
 * Bringing large-file content from a remote into the local store (the download side of the
 * transfer queue): objects asked for in batches of 100, worked on HUB_CONCURRENCY at a time,
 * with at most that many requests in flight. `hub-chunks` when the server offers it (chunks the
 * store has are read locally, the others fetched as xorb ranges and each verified against its
 * hash), `basic` otherwise (whole objects, resumed with Range after a dropped connection). Each
 * object is received in one pass (ObjectReceiver): chunked into the store, hashed, and with
 * `stageDir` also written to a staging file a checkout renames into place. Content whose
 * SHA-256 is not its oid never enters the store or a staging file that is handed out. Once
 * the signal is aborted nothing new starts, requests in flight are cancelled, and every object
 * being received is dropped (its staging file and unfinished xorb removed).
 */
import { rmSync } from 'node:fs';
import { pacer } from '../../abort.js';
import { IntegrityError, NotFoundError } from '../../errors.js';
import { fromXetHex } from '../../hash/xet-hex.js';
import { silentProgress, type ProgressSink } from '../../progress.js';
import { tmpPathFor } from '../../fs/atomic-file.js';
import { LocalChunkReader } from '../../store/local-chunks.js';
import { ObjectReceiver } from '../../store/object-receiver.js';
import type { Store } from '../../store/store.js';
import { basicDownload } from '../../transfer/basic-transfer.js';
import { downloadTerms } from '../../transfer/chunk-download.js';
import { errorForStatus } from '../../transfer/http-client.js';
import { ChunkApi, lfsBatch, lfsEndpoint, type BatchObject, type LfsAction } from '../../transfer/lfs-client.js';
import { concurrencyFrom, DEFAULT_CONCURRENCY, forEachLimit, Slots, TransferMeter } from '../../transfer/transfer-queue.js';
import type { CoreContext } from '../context.js';

/** Objects per batch request (git-lfs's default). */
const BATCH_SIZE = 100;

/** What a download moved. */
export interface FetchedContent {
  objects: number;
  /** Content bytes received in response bodies. */
  bytesReceived: number;
  transfer: string | null;
  /** oid -> a verified, fsynced staging file with its bytes (only with `stageDir`; the caller owns them). */
  staged?: Map<string, string>;
}

/** How to fetch. */
export interface FetchOptions {
  progress?: ProgressSink;
  /** Requests in flight at once (HUB_CONCURRENCY). */
  concurrency?: number;
  /** Also write each object to a staging file in this directory (same file system as the working tree). */
  stageDir?: string;
  /** Stops the download (see the module comment). */
  signal?: AbortSignal;
}

/** The options a command's context gives a transfer: its progress sink, HUB_CONCURRENCY and signal. */
export function transferOptions(ctx: CoreContext, stageDir?: string): FetchOptions {
  return { progress: ctx.progress, concurrency: concurrencyFrom(ctx.env), signal: ctx.signal, ...(stageDir ? { stageDir } : {}) };
}

/** Fetches every object of `objects` the store lacks from the remote at `remoteUrl`. */
export function fetchContent(store: Store, remoteUrl: string, objects: Array<{ oid: string; size: number }>, token: string | undefined, opts: FetchOptions = {}): Promise<FetchedContent> {
  const { signal } = opts;
  return runDownloads(store, objects, opts, `download:${remoteUrl}`, async (wanted, fetchOne, concurrency) => {
    let transfer: string | null = null;
    for (let i = 0; i < wanted.length; i += BATCH_SIZE) {
      const batch = await lfsBatch(lfsEndpoint(remoteUrl), 'download', wanted.slice(i, i + BATCH_SIZE), token, signal);
      transfer = batch.transfer;
      for (const obj of batch.objects) {
        if (obj.error || !obj.actions?.download) throw errorForStatus(obj.error?.code ?? 404, obj.error?.message ?? 'no download action', `downloading ${obj.oid.slice(0, 12)}`);
      }
      await forEachLimit(batch.objects, concurrency, (obj) => fetchOne(obj, obj.actions!.download!, batch.transfer), signal);
    }
    return transfer;
  });
}

/**
 * Fetches objects from plain URLs (an HF server's `resolve` URLs, when it offers no LFS batch
 * API), each received like a `basic` download: chunked into the store, its SHA-256 checked.
 */
export function fetchFromUrls(store: Store, objects: Array<{ oid: string; size: number; url: string }>, token: string | undefined, opts: FetchOptions = {}): Promise<FetchedContent> {
  return runDownloads(store, objects, opts, 'download:urls', async (wanted, fetchOne, concurrency) => {
    await forEachLimit(wanted, concurrency, (o) => fetchOne(o, { href: o.url, ...(token ? { header: { authorization: `Bearer ${token}` } } : {}) }, 'basic'), opts.signal);
    return 'resolve';
  });
}

/** Receives one object through `transfer` with the action `dl`. */
type FetchOne = (obj: { oid: string; size: number }, dl: LfsAction, transfer: string) => Promise<void>;

/**
 * The frame every download shares: the objects the store lacks (each once), the request slots,
 * one progress meter, one local chunk reader; `run` decides where each object comes from and
 * returns the transfer name. Staging files are removed again when anything fails.
 */
async function runDownloads<T extends { oid: string; size: number }>(store: Store, objects: readonly T[], opts: FetchOptions, id: string, run: (wanted: T[], fetchOne: FetchOne, concurrency: number) => Promise<string | null>): Promise<FetchedContent> {
  const wanted = [...new Map(objects.filter((o) => !store.hasObject(o.oid)).map((o) => [o.oid, o])).values()];
  const staged = new Map<string, string>();
  const result: FetchedContent = { objects: 0, bytesReceived: 0, transfer: null, staged };
  if (!wanted.length) return result;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const slots = new Slots(concurrency);
  const meter = new TransferMeter(opts.progress ?? silentProgress, id, `Downloading ${wanted.length} large file${wanted.length === 1 ? '' : 's'}`, wanted.reduce((n, o) => n + o.size, 0));
  const reader = new LocalChunkReader(store);
  const fetchOne: FetchOne = async (obj, dl, transfer) => {
    const one = { store, obj: { oid: obj.oid, size: obj.size }, dl, slots, meter, reader, stageDir: opts.stageDir, signal: opts.signal };
    const got = transfer === 'hub-chunks' ? await viaChunks(one) : await viaBasic(one);
    result.bytesReceived += got.received;
    if (got.staged) staged.set(obj.oid, got.staged);
    result.objects++;
  };
  try {
    result.transfer = await run(wanted, fetchOne, concurrency);
    meter.end(true, `${result.objects} file${result.objects === 1 ? '' : 's'}`);
    return result;
  } catch (err) {
    meter.end(false);
    for (const path of staged.values()) rmSync(path, { force: true });
    throw err;
  } finally {
    reader.close();
  }
}

/** One object to fetch. */
interface OneObject {
  store: Store;
  obj: BatchObject;
  dl: LfsAction;
  slots: Slots;
  meter: TransferMeter;
  reader: LocalChunkReader;
  stageDir?: string;
  signal?: AbortSignal;
}

function receiver(one: OneObject): ObjectReceiver {
  return new ObjectReceiver(one.store, { oid: one.obj.oid, size: one.obj.size }, one.stageDir ? tmpPathFor(one.stageDir, one.obj.oid) : undefined, one.signal);
}

/** hub-chunks: local chunks from the store, the rest as verified xorb ranges. */
async function viaChunks(one: OneObject): Promise<{ received: number; staged?: string }> {
  const { obj, reader, meter } = one;
  const api = new ChunkApi(one.dl.href, one.dl.header, one.signal);
  const rec = await api.reconstruction(obj.oid);
  if (rec.size !== obj.size) throw new IntegrityError(`the server describes ${obj.oid} as ${rec.size} bytes, the pointer says ${obj.size}`, { data: { oid: obj.oid } }, 'size_mismatch');
  const recv = receiver(one);
  const checkpoint = pacer(one.signal);
  let received = 0;
  try {
    for await (const part of downloadTerms(api, rec.terms, (t) => reader.has(t.hashes ?? []), one.slots)) {
      await checkpoint(); // local terms are read without any request that would notice an abort
      if (part.kind === 'local') {
        const hashes = part.term.hashes!;
        const where = reader.locate(hashes);
        if (!where) throw new IntegrityError(`chunks of ${obj.oid.slice(0, 12)} vanished from the local store`, {}, 'missing_chunk');
        reader.read(where).forEach((data, k) => recv.localChunk(fromXetHex(hashes[k]), data, where[k]));
        meter.add(part.term.bytes);
      } else {
        let bytes = 0;
        for (const c of part.chunks) {
          recv.chunk(c.hash, c.data, `fetching ${obj.oid.slice(0, 12)}`);
          bytes += c.data.length;
        }
        received += part.received;
        meter.add(bytes);
      }
    }
    const done = await recv.finish();
    return { received, staged: done.staged };
  } catch (err) {
    await recv.abort();
    throw err;
  }
}

/** basic: the whole object, chunked into the store as it arrives. */
async function viaBasic(one: OneObject): Promise<{ received: number; staged?: string }> {
  const { obj, meter } = one;
  const release = await one.slots.acquire(one.signal);
  let recv = receiver(one);
  try {
    const received = await basicDownload(obj.oid, obj.size, one.dl, {
      write: (bytes) => {
        recv.bytes(bytes);
        meter.add(bytes.length);
      },
      restart: async () => {
        meter.add(-recv.received);
        await recv.abort();
        recv = receiver(one);
      },
    }, one.signal);
    const done = await recv.finish();
    return { received, staged: done.staged };
  } catch (err) {
    await recv.abort();
    throw err;
  } finally {
    release();
  }
}
