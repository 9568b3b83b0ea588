/**
 * Receiving one object from a remote straight into the store, in one pass: bytes arrive in file
 * order either as verified chunks (the `hub-chunks` transfer: every chunk's keyed BLAKE3 is
 * compared with the hash the server named) or as raw bytes (the `basic` transfer: they are
 * chunked here). Each chunk goes to a ChunkSink (new ones into xorbs), every byte into the
 * SHA-256, and optionally into a staging file that a checkout can rename into the working tree
 * (fsynced only when asked: a working-tree file is not, fs/atomic-file.ts).
 * `finish` writes the manifest only when the SHA-256 and size equal the oid's: content whose
 * hash is not its oid never becomes an object of the store, and the staging file is handed out
 * only then. Holds the store's shared lock (gc waits) until finished or aborted. Once `signal`
 * is aborted, `finish` stops waiting for the hash (rejecting with the signal's reason); the
 * caller's `abort` then removes the staging file and the unfinished xorb.
 */
import { closeSync, fsync, openSync, unlinkSync, writev } from 'node:fs';
import { raceAbort } from '../abort.js';
import { IntegrityError } from '../errors.js';
import { Chunker, type Chunk } from '../chunking/chunker.js';
import type { FileManifest } from '../formats/manifest.js';
import { xetHex } from '../hash/xet-hex.js';
import { ChunkSink } from './chunk-sink.js';
import { followFileSha256, inlineSha256, type FileSha256 } from './file-sha256.js';
import { lockShared, type StoreLock } from './store-lock.js';
import type { Store } from './store.js';

/** What receiving one object did. */
export interface ReceivedObject {
  oid: string;
  size: number;
  /** Chunk bytes that were new to the store. */
  newBytes: number;
  /** The verified staging file, when one was asked for (the caller owns it now). */
  staged?: string;
}

/** One object being received. */
export class ObjectReceiver {
  private readonly sink: ChunkSink;
  private sha: (FileSha256 & { wrote(n: number): void }) | undefined;
  private readonly lock: StoreLock;
  private chunker: Chunker | undefined;
  private stageFd = -1;
  private size = 0;
  private closed = false;
  /**
   * The staging-file bytes of the next write, in order: chunks received or read from the store
   * as they are (their buffers are this receiver's: no copy), and the chunker's bytes copied into
   * `gathered` (the chunker reuses its buffer, and the bytes hashed must be the bytes written).
   */
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  private gathered: Buffer | undefined;
  private gatheredBytes = 0;
  private stagePos = 0;
  /** The staging file is written on the thread pool, one write after another, while the next bytes arrive. */
  private stageWrites: Promise<void> = Promise.resolve();
  private stagePending = 0;

  private readonly stagePath: string | undefined;
  private readonly stageDurable: boolean;

  /**
   * Starts receiving `expected` into `store`; with `stage`, the bytes are also written to the new
   * file `stage.path`, fsynced before `finish` returns only when `stage.durable` (a download's
   * file, not a working-tree file: fs/atomic-file.ts).
   */
  constructor(private readonly store: Store, readonly expected: { oid: string; size: number }, stage?: { path: string; durable: boolean }, private readonly signal?: AbortSignal) {
    this.stagePath = stage?.path;
    this.stageDurable = stage?.durable ?? true;
    const stagePath = this.stagePath;
    this.lock = lockShared(store.paths.locks);
    try {
      this.sink = new ChunkSink(store);
      if (stagePath) {
        this.stageFd = openSync(stagePath, 'wx', 0o644);
        // a large staged file is hashed by a worker reading behind the writes (the second core)
        this.sha = followFileSha256(stagePath, expected.size);
      } else this.sha = { ...inlineSha256(), wrote() {} };
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }

  /** Bytes received so far. */
  get received(): number {
    return this.size;
  }

  /** The next chunk, as the server named it: its hash is checked before anything is kept. */
  chunk(expected: Uint8Array, data: Uint8Array, what: string): void {
    const actual = this.store.hashers.chunk.hash(data);
    if (Buffer.compare(actual, expected) !== 0) {
      throw new IntegrityError(`${what}: the server sent a chunk whose bytes do not match its hash ${xetHex(expected)}`, { data: { oid: this.expected.oid } }, 'chunk_mismatch');
    }
    this.take(actual, data, undefined, true);
  }

  /** The hashes of the chunks `chunk` is about to be given (a received piece): looked up in the store's index together (ChunkSink.expect). */
  expect(hashes: readonly Uint8Array[]): void {
    this.sink.expect(hashes);
  }

  /** The next chunk, hashed by the caller from these bytes (a Xet download; its file hash and the SHA-256 check it as a whole). */
  hashedChunk(hash: Uint8Array, data: Uint8Array): void {
    this.take(hash, data, undefined, true);
  }

  /** The next chunk, read from this store at `where` (its hash is the index's; the final SHA-256 covers it). */
  localChunk(hash: Uint8Array, data: Uint8Array, where: { xorb: string; index: number }): void {
    this.take(hash, data, where, true);
  }

  /** Resolves once the staging-file and xorb writes in flight are bounded (memory stays bounded). */
  async drained(): Promise<void> {
    while (this.stagePending > STAGE_AHEAD) await this.stageWrites;
    await this.sink.drained();
  }

  /**
   * Calls `fn` once this receiver references none of the buffers handed to it so far (their
   * staging writes have landed, or failed): the caller may reuse them then. The parts not yet
   * written are flushed now, so a caller waits for no more than its own bytes.
   */
  whenWritten(fn: () => void): void {
    if (!this.closed) this.flushStage();
    if (this.stageFd < 0) return fn();
    void this.stageWrites.then(fn, fn);
  }

  /** The next raw bytes of the object (chunked here). */
  bytes(data: Uint8Array): void {
    this.chunker ??= new Chunker(this.store.hashers.chunk);
    this.chunker.push(data, this.onChunk);
  }

  /**
   * Checks the whole object and commits it; see the module comment. The staging file's fsync and
   * the last xorbs' seal and fsync run while the SHA-256 finishes; the manifest is written, and
   * the staging file handed out, only once all three are done and the hash is right.
   */
  async finish(): Promise<ReceivedObject> {
    this.sink.check();
    this.chunker?.finish(this.onChunk);
    const { oid, size } = this.expected;
    const fd = this.stageFd;
    this.flushStage();
    const synced = fd >= 0 && this.stageDurable ? this.stageWrites.then(() => new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())))) : Promise.resolve();
    const sealed = this.sink.finish();
    const settled = Promise.allSettled([synced, sealed]);
    let actual: string;
    try {
      // the staged bytes are hashed from the file: only once every write has landed (a failed write fails here)
      actual = (await raceAbort(this.stageWrites.then(() => this.sha!.digest()), this.signal)).oid;
    } catch (err) {
      await settled;
      await this.abort();
      throw err;
    }
    if (actual !== oid || this.size !== size) {
      await settled;
      await this.abort();
      throw new IntegrityError(`the server sent ${this.size} bytes for ${oid} that hash to ${actual}`, { data: { oid } }, 'hash_mismatch');
    }
    try {
      const [, stored] = await Promise.all([synced, sealed]);
      const manifest: FileManifest = { version: 1, oid, size, xetHash: xetHex(stored.fileHash), terms: stored.terms };
      if (!(await this.store.manifests.touchAsync(oid))) await this.store.manifests.writeAsync(manifest); // one kept is touched: this upload relies on it
      if (fd >= 0) {
        closeSync(fd);
        this.stageFd = -1;
      }
      this.closed = true;
      this.lock.release();
      return { oid, size, newBytes: stored.newBytes, staged: this.stagePath };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Drops everything not yet committed (finished xorbs stay: they are valid). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sha?.cancel();
    await this.sink.abort();
    await this.stageWrites.catch(() => {}); // no write may land on the descriptor after it is closed
    if (this.stageFd >= 0) {
      closeSync(this.stageFd);
      this.stageFd = -1;
      try {
        unlinkSync(this.stagePath!);
      } catch {
        /* gone */
      }
    }
    this.lock.release();
  }

  private readonly onChunk = (c: Chunk): void => this.take(c.hash, c.data);

  /** `owned`: `data` is this receiver's to keep until written (see `parts`). */
  private take(hash: Uint8Array, data: Uint8Array, stored?: { xorb: string; index: number }, owned = false): void {
    if (this.closed) throw new Error('ObjectReceiver: used after finish or abort');
    this.size += data.length;
    if (this.size > this.expected.size) throw new IntegrityError(`the server sent more than the ${this.expected.size} bytes of ${this.expected.oid}`, { data: { oid: this.expected.oid } }, 'size_mismatch');
    if (stored) this.sink.addStored(hash, data.length, stored);
    else this.sink.add(hash, data);
    this.sha!.update(data);
    if (this.stageFd < 0) return;
    if (owned) {
      this.closeGathered();
      this.parts.push(data);
      this.partsBytes += data.length;
    } else {
      for (let at = 0; at < data.length; ) {
        this.gathered ??= Buffer.allocUnsafe(STAGE_WRITE);
        const n = Math.min(data.length - at, STAGE_WRITE - this.gatheredBytes);
        this.gathered.set(data.subarray(at, at + n), this.gatheredBytes);
        this.gatheredBytes += n;
        at += n;
        if (this.gatheredBytes === STAGE_WRITE) this.closeGathered();
      }
    }
    if (this.partsBytes >= STAGE_WRITE || this.parts.length >= STAGE_PARTS) this.flushStage();
  }

  /** Ends the copy buffer being filled: it becomes the next part. */
  private closeGathered(): void {
    if (!this.gatheredBytes) return;
    this.parts.push(this.gathered!.subarray(0, this.gatheredBytes));
    this.partsBytes += this.gatheredBytes;
    this.gathered = undefined;
    this.gatheredBytes = 0;
  }

  /** Queues the parts as one write at their place in the staging file; the hash worker is told once they are there. */
  private flushStage(): void {
    this.closeGathered();
    if (!this.partsBytes) return;
    const fd = this.stageFd;
    const n = this.partsBytes;
    const parts = this.parts;
    const at = this.stagePos;
    this.parts = [];
    this.partsBytes = 0;
    this.stagePos += n;
    this.stagePending += n;
    this.stageWrites = this.stageWrites.then(async () => {
      for (let done = 0; done < n; ) done += await writevAt(fd, skip(parts, done), at + done);
      this.stagePending -= n;
      this.sha!.wrote(n);
    });
    this.stageWrites.catch(() => {}); // rethrown by finish (it awaits the writes before the fsync)
  }
}

/** Bytes of one write of the staging file. */
const STAGE_WRITE = 1 << 20;
/** Most parts in one write (IOV_MAX is 1,024 on Linux). */
const STAGE_PARTS = 512;
/** Staging-file bytes that may wait for the disk before the receiver asks the sender to wait. */
const STAGE_AHEAD = 8 << 20;

/** fs.writev at `position`, as a promise of the bytes written. */
function writevAt(fd: number, parts: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) => writev(fd, parts as NodeJS.ArrayBufferView[], position, (err, n) => (err ? reject(err) : resolve(n))));
}

/** `parts` without their first `n` bytes (after a short write). */
function skip(parts: Uint8Array[], n: number): Uint8Array[] {
  if (n === 0) return parts;
  const out: Uint8Array[] = [];
  for (const p of parts) {
    if (n >= p.length) n -= p.length;
    else {
      out.push(p.subarray(n));
      n = 0;
    }
  }
  return out;
}
