/**
 * Adding a file to the store: chunk it, look every chunk up in the index, append the new ones
 * to xorbs (64 MiB / 8192 chunks each), and write the manifest last. Order of durability:
 * xorb file (fsync + rename) -> its index rows -> the manifest. A crash at any point leaves a
 * healthy store, and rerunning reuses every xorb that was finished.
 *
 * Throughput: the whole-file SHA-256 runs on a worker thread and each xorb's fsync on the libuv
 * thread pool, so the main thread only reads, chunks, hashes chunks and writes.
 *
 * Aborted (`signal`), an add stops after the read in progress (~1 MiB): the hashing worker is
 * terminated, the unfinished xorb's temporary file removed, and no manifest written; xorbs
 * already sealed stay (valid, indexed, reused by the next add).
 */
import { closeSync } from 'node:fs';
import { pacer, raceAbort } from '../abort.js';
import { IntegrityError } from '../errors.js';
import { Chunker, type Chunk } from '../chunking/chunker.js';
import type { FileManifest } from '../formats/manifest.js';
import { xetHex } from '../hash/xet-hex.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { assertUnchanged, chunkOpenedFile, openInputFile, type OpenedFile } from './file-source.js';
import { startFileSha256 } from './file-sha256.js';
import { lockShared } from './store-lock.js';
import type { Store } from './store.js';
import { ChunkSink, type SinkResult } from './chunk-sink.js';

/** What adding one file did. */
export interface AddResult {
  path: string;
  oid: string;
  size: number;
  xetHash: string;
  chunks: number;
  /** Chunk bytes written to new xorbs by this add. */
  newBytes: number;
  /** Chunk bytes found already in the store (or earlier in this file). */
  dedupBytes: number;
  xorbsWritten: number;
  /** True when the store already had a manifest for this content. */
  alreadyStored: boolean;
}

/**
 * Adds the file at `path` to the store; see the module comment for the crash-safety order and
 * aborts. `expectedSha256`: the SHA-256 the bytes must have (a server's received upload, named by
 * its oid): hashed as always, and an IntegrityError (`hash_mismatch`) before any manifest is
 * written when they do not.
 */
export async function addFile(store: Store, path: string, progress: ProgressSink = silentProgress, signal?: AbortSignal, expectedSha256?: string): Promise<AddResult> {
  signal?.throwIfAborted();
  const lock = lockShared(store.paths.locks);
  try {
    const file = openInputFile(path);
    try {
      return await new Ingest(store, file, progress, signal, expectedSha256).run();
    } finally {
      closeSync(file.fd);
    }
  } finally {
    lock.release();
  }
}

/** One add in progress. */
class Ingest {
  private readonly sink: ChunkSink;

  constructor(private readonly store: Store, private readonly file: OpenedFile, private readonly progress: ProgressSink, private readonly signal: AbortSignal | undefined, private readonly expected?: string) {
    this.sink = new ChunkSink(store);
  }

  async run(): Promise<AddResult> {
    const { store, file, progress, sink, signal } = this;
    const sha = startFileSha256(file.path, file.stat.size);
    const checkpoint = pacer(signal);
    const task = `add:${file.path}`;
    const total = file.stat.size;
    progress({ type: 'start', id: task, label: `Storing ${file.path}`, total, unit: 'bytes' });
    let size: number;
    let stored: SinkResult;
    let digest: { oid: string; size: number };
    try {
      size = await chunkOpenedFile(file, new Chunker(store.hashers.chunk), (c: Chunk) => {
        sha.update(c.data);
        sink.add(c.hash, c.data);
      }, async (done) => {
        progress({ type: 'progress', id: task, done, total });
        if (sink.hasPending) await new Promise(setImmediate); // let finished fsyncs commit
        await sink.drained(); // xorb writes waiting for the disk stay bounded
        sink.check();
        await checkpoint();
      }, (run) => store.index.readBatch(run));
      stored = await sink.finish();
      digest = await raceAbort(sha.digest(), signal); // the worker may still be reading
    } catch (err) {
      sha.cancel();
      await sink.abort();
      progress({ type: 'end', id: task, ok: false });
      throw err;
    }
    assertUnchanged(file, digest.size); // the worker read the file on its own
    const { oid } = digest;
    if (this.expected !== undefined && oid !== this.expected) {
      // refused before its manifest is written: the repository never holds it, and the chunks
      // stored on the way are named by no manifest (gc removes them), so no one can read them
      progress({ type: 'end', id: task, ok: false });
      throw new IntegrityError(`the bytes hash to ${oid}, not to ${this.expected}`, { data: { oid: this.expected, actual: oid } }, 'hash_mismatch');
    }
    const manifest: FileManifest = { version: 1, oid, size, xetHash: xetHex(stored.fileHash), terms: stored.terms };
    const alreadyStored = await this.manifestIsReadable(oid);
    if (!alreadyStored) await store.manifests.writeAsync(manifest); // last: every xorb it names is durable
    progress({ type: 'end', id: task, ok: true });
    return {
      path: file.path,
      oid,
      size,
      xetHash: manifest.xetHash,
      chunks: stored.chunks,
      newBytes: stored.newBytes,
      dedupBytes: stored.dedupBytes,
      xorbsWritten: stored.xorbsWritten,
      alreadyStored,
    };
  }

  /** An existing manifest is kept only if it parses and its xorbs exist; otherwise it is rewritten. */
  private async manifestIsReadable(oid: string): Promise<boolean> {
    try {
      const m = await this.store.manifests.readAsync(oid);
      return !!m && (await this.sink.xorbsExistAsync(m.terms)) && (await this.store.manifests.touchAsync(oid));
    } catch {
      return false;
    }
  }
}

