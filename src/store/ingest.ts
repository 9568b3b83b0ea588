/**
 * Adding a file to the store: chunk it, look every chunk up in the index, append the new ones
 * to xorbs (64 MiB / 8192 chunks each), and write the manifest last. Order of durability:
 * xorb file (fsync + rename) -> its index rows -> the manifest. A crash at any point leaves a
 * healthy store, and rerunning reuses every xorb that was finished.
 *
 * Throughput: the whole-file SHA-256 runs on a worker thread and each xorb's fsync on the libuv
 * thread pool, so the main thread only reads, chunks, hashes chunks and writes.
 */
import { closeSync } from 'node:fs';
import { Chunker, type Chunk } from '../chunking/chunker.js';
import { mergeTerm, type FileManifest, type ManifestTerm } from '../formats/manifest.js';
import { fileHash, type MerkleEntry } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { assertUnchanged, chunkOpenedFile, openInputFile, type OpenedFile } from './file-source.js';
import { startFileSha256 } from './file-sha256.js';
import { hasManifest, readManifest, writeManifest } from './manifest-files.js';
import { lockShared } from './store-lock.js';
import type { Store } from './store.js';
import { XorbWriter } from './xorb-writer.js';

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

/** A chunk run of the manifest; `pending` marks a xorb still being written (its writer number). */
interface PendingTerm extends ManifestTerm {
  pending?: number;
}

/** Adds the file at `path` to the store; see the module comment for the crash-safety order. */
export async function addFile(store: Store, path: string, progress: ProgressSink = silentProgress): Promise<AddResult> {
  const lock = lockShared(store.paths.locks);
  try {
    const file = openInputFile(path);
    try {
      return await new Ingest(store, file, progress).run();
    } finally {
      closeSync(file.fd);
    }
  } finally {
    lock.release();
  }
}

/** One add in progress. */
class Ingest {
  private readonly entries: MerkleEntry[] = [];
  private readonly terms: PendingTerm[] = [];
  private readonly knownXorbs = new Map<string, boolean>(); // xorb -> its file exists
  /** Chunks written by this add whose xorb is not indexed yet: key -> where. */
  private readonly unindexed = new Map<string, { xorb: string; index: number; pending?: number }>();
  private readonly durable: Array<Promise<void>> = [];
  private writer: XorbWriter | undefined;
  private writerSeq = 0;
  private newBytes = 0;
  private dedupBytes = 0;
  private xorbsWritten = 0;
  private failed: unknown;

  constructor(private readonly store: Store, private readonly file: OpenedFile, private readonly progress: ProgressSink) {}

  async run(): Promise<AddResult> {
    const { store, file, progress } = this;
    const sha = startFileSha256(file.path, file.stat.size);
    const task = `add:${file.path}`;
    const total = file.stat.size;
    progress({ type: 'start', id: task, label: `Storing ${file.path}`, total, unit: 'bytes' });
    let size: number;
    try {
      size = await chunkOpenedFile(file, new Chunker(store.hashers.chunk), (c) => this.onChunk(c, sha.update), async (done) => {
        progress({ type: 'progress', id: task, done, total });
        if (this.durable.length) await new Promise(setImmediate); // let finished fsyncs commit
        if (this.failed) throw this.failed;
      }, (run) => store.index.readBatch(run));
      this.sealWriter();
      await Promise.all(this.durable);
    } catch (err) {
      this.writer?.abort();
      sha.cancel();
      await Promise.allSettled(this.durable);
      progress({ type: 'end', id: task, ok: false });
      throw err;
    }
    const digest = await sha.digest();
    assertUnchanged(file, digest.size); // the worker read the file on its own
    const { oid } = digest;
    const manifest: FileManifest = {
      version: 1,
      oid,
      size,
      xetHash: xetHex(fileHash(this.entries, store.hashers)),
      terms: this.terms.reduce<ManifestTerm[]>((out, { xorb, chunkStart, chunkEnd, bytes }) => mergeTerm(out, { xorb, chunkStart, chunkEnd, bytes }), []),
    };
    const alreadyStored = hasManifest(store.paths, oid) && this.manifestIsReadable(oid);
    if (!alreadyStored) writeManifest(store.paths, manifest);
    progress({ type: 'end', id: task, ok: true });
    return {
      path: file.path,
      oid,
      size,
      xetHash: manifest.xetHash,
      chunks: this.entries.length,
      newBytes: this.newBytes,
      dedupBytes: this.dedupBytes,
      xorbsWritten: this.xorbsWritten,
      alreadyStored,
    };
  }

  private onChunk(c: Chunk, hashFileBytes: (data: Uint8Array) => void): void {
    hashFileBytes(c.data);
    this.entries.push({ hash: Uint8Array.from(c.hash), size: c.length });
    const key = Buffer.from(c.hash).toString('base64');
    const mine = this.unindexed.get(key);
    if (mine) {
      this.dedupBytes += c.length;
      this.addTerm({ xorb: mine.xorb, pending: mine.pending, chunkStart: mine.index, chunkEnd: mine.index + 1, bytes: c.length });
      return;
    }
    const found = this.store.index.lookup(c.hash);
    if (found && this.xorbExists(found.xorb)) {
      this.dedupBytes += c.length;
      this.addTerm({ xorb: found.xorb, chunkStart: found.index, chunkEnd: found.index + 1, bytes: c.length });
      return;
    }
    if (this.writer && !this.writer.fits(c.length)) this.sealWriter();
    if (!this.writer) {
      this.writer = new XorbWriter(this.store.paths, this.store.hashers, this.store.xorbs);
      this.writerSeq++;
    }
    const at = this.writer.append(c.hash, c.data);
    this.unindexed.set(key, { xorb: '', index: at, pending: this.writerSeq });
    this.newBytes += c.length;
    this.addTerm({ xorb: '', pending: this.writerSeq, chunkStart: at, chunkEnd: at + 1, bytes: c.length });
  }

  /** Seals the open xorb: names its terms now, indexes it once it is durable. */
  private sealWriter(): void {
    if (!this.writer) return;
    const sealed = this.writer.seal();
    const seq = this.writerSeq;
    this.writer = undefined;
    this.xorbsWritten++;
    for (const t of this.terms) {
      if (t.pending === seq) {
        t.xorb = sealed.xorb;
        delete t.pending;
      }
    }
    const keys: string[] = [];
    for (const [key, where] of this.unindexed) {
      if (where.pending === seq) {
        where.xorb = sealed.xorb;
        delete where.pending;
        keys.push(key);
      }
    }
    const done = sealed.durable.then(() => {
      this.store.index.addXorb(sealed.xorb, sealed.bytes, sealed.chunks);
      this.knownXorbs.set(sealed.xorb, true);
      for (const key of keys) this.unindexed.delete(key);
    });
    done.catch((err) => (this.failed ??= err));
    this.durable.push(done);
  }

  private addTerm(term: PendingTerm): void {
    const prev = this.terms.at(-1);
    if (prev && prev.pending !== undefined && prev.pending === term.pending && prev.chunkEnd === term.chunkStart) {
      prev.chunkEnd = term.chunkEnd;
      prev.bytes += term.bytes;
    } else this.terms.push(term);
  }

  private xorbExists(xorb: string): boolean {
    let ok = this.knownXorbs.get(xorb);
    if (ok === undefined) this.knownXorbs.set(xorb, (ok = this.store.xorbs.exists(xorb)));
    return ok;
  }

  /** An existing manifest is kept only if it parses and its xorbs exist; otherwise it is rewritten. */
  private manifestIsReadable(oid: string): boolean {
    try {
      const m = readManifest(this.store.paths, oid);
      return !!m && m.terms.every((t) => this.xorbExists(t.xorb));
    } catch {
      return false;
    }
  }
}
