/**
 * Bringing large-file content from a remote into the local store: `hub-chunks` when the server
 * offers it (the file's terms fetched as xorb byte ranges), `basic` otherwise (the whole object).
 * The bytes land in a temporary file that is then added to the store, which re-derives every
 * chunk and the sha256: content whose hash is not the oid never enters the store.
 */
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import { parseXorbRecords } from '../formats/xorb.js';
import { localChunks } from '../store/chunk-api.js';
import { addFile } from '../store/ingest.js';
import type { Store } from '../store/store.js';
import { errorForStatus } from '../transfer/http-client.js';
import { basicDownload, ChunkApi, lfsBatch, lfsEndpoint } from '../transfer/lfs-client.js';
import { withRetries } from '../transfer/retry.js';

/** What a download moved. */
export interface FetchedContent {
  objects: number;
  /** Content bytes received in response bodies. */
  bytesReceived: number;
  transfer: string | null;
}

async function writeAll(out: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  if (!out.write(bytes)) await once(out as NodeJS.EventEmitter, 'drain');
}

async function viaChunks(store: Store, api: ChunkApi, oid: string, out: NodeJS.WritableStream): Promise<number> {
  const rec = await api.reconstruction(oid);
  let received = 0;
  for (const t of rec.terms) {
    // chunks the local store already has (an earlier revision, another repository) are not fetched
    const local = t.hashes ? localChunks(store, t.hashes) : undefined;
    if (local) {
      for (const data of local) await writeAll(out, data);
      continue;
    }
    const bytes = await api.range(t.url, t.range.start, t.range.end);
    received += bytes.length;
    for (const r of parseXorbRecords(bytes)) await writeAll(out, bytes.subarray(r.dataOffset, r.dataOffset + r.length));
  }
  return received;
}

/** Fetches every object of `objects` the store lacks from the remote at `remoteUrl`. */
export async function fetchContent(store: Store, remoteUrl: string, objects: Array<{ oid: string; size: number }>, token: string | undefined): Promise<FetchedContent> {
  const wanted = objects.filter((o) => !store.hasObject(o.oid));
  const result: FetchedContent = { objects: 0, bytesReceived: 0, transfer: null };
  if (!wanted.length) return result;
  const batch = await lfsBatch(lfsEndpoint(remoteUrl), 'download', wanted, token);
  result.transfer = batch.transfer;
  for (const obj of batch.objects) {
    if (obj.error || !obj.actions?.download) throw errorForStatus(obj.error?.code ?? 404, obj.error?.message ?? 'no download action', `downloading ${obj.oid.slice(0, 12)}`);
    const dl = obj.actions.download;
    // a failure mid-object starts that object again in a fresh temporary file (chunk ranges are
    // retried one by one inside viaChunks; chunks already in the store are never fetched again)
    result.bytesReceived += await withRetries(async () => {
      const tmp = join(store.paths.tmp, `download-${obj.oid.slice(0, 16)}-${process.pid}-${randomBytes(4).toString('hex')}`);
      const out = createWriteStream(tmp, { flags: 'wx' });
      try {
        const received = batch.transfer === 'hub-chunks' ? await viaChunks(store, new ChunkApi(dl.href, dl.header), obj.oid, out) : await basicDownload(obj.oid, dl, (b) => writeAll(out, b));
        out.end();
        await once(out, 'close');
        const added = await addFile(store, tmp);
        if (added.oid !== obj.oid) throw new IntegrityError(`the server sent content for ${obj.oid} that hashes to ${added.oid}`, { data: { oid: obj.oid } }, 'hash_mismatch');
        return received;
      } finally {
        out.destroy();
        rmSync(tmp, { force: true });
      }
    });
    result.objects++;
  }
  return result;
}
