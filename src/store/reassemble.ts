/**
 * Reassembling a file from the store. Bytes are read term by term (at most 8 MiB at a time, so
 * memory does not grow with file size), handed to a sink, and the sha256 and size are checked
 * against the oid at the end. To a file, the output appears only once it is complete and
 * verified (tmp + fsync + rename; no fsync for a working-tree file); on any failure, or when the
 * signal aborts, nothing is left at the destination and the temporary file is removed.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pacer } from '../abort.js';
import { IntegrityError, NotFoundError, fromFsError } from '../errors.js';
import type { FileManifest } from '../formats/manifest.js';
import { createSha256 } from '../hash/sha256.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { commitFile, tmpPathFor } from '../fs/atomic-file.js';
import type { Store } from './store.js';
import { openStoredXorb } from './stored-xorb.js';
import type { XorbRecord } from '../formats/xorb.js';
import { XorbFile } from './xorb-reader.js';
import { replaceReleasingOld } from '../fs/release-old.js';

const READ_SPAN = 8 << 20;

/** What was reassembled. */
export interface CatResult {
  oid: string;
  size: number;
}

/** The manifest of `oid`, or a NotFoundError naming it. */
export function requireManifest(store: Store, oid: string): FileManifest {
  const manifest = store.manifests.read(oid);
  if (!manifest) throw new NotFoundError(`object ${oid} is not in the store`, { data: { oid } }, 'object_not_found');
  return manifest;
}

/** A byte range [start, end) of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * One step of {@link walkObject}: a piece of the object to hand on, or a request the driver
 * answers (open a xorb, read chunks of it, tell whether it verifies). The walk itself does no
 * I/O, so the synchronous and the asynchronous reader share it: one loop, one set of checks.
 */
type WalkStep =
  | { kind: 'piece'; bytes: Uint8Array }
  | { kind: 'open'; xorb: string }
  | { kind: 'read'; file: XorbFile; start: number; end: number; until: number }
  | { kind: 'corrupt'; file: XorbFile };
type WalkAnswer = XorbFile | { bytes: Uint8Array; records: XorbRecord[] } | boolean | undefined;

/**
 * The term-by-term walk over `manifest` (or `range` of it): chunks of a term that lie wholly
 * before `range.start` are skipped unread, each read spans at most 8 MiB and says how far the
 * term's reads go on (`until`: one ranged GET per term in object storage), a whole read is hashed
 * and checked against the oid at the end (unless `checkOid` is false: its caller hashes the pieces
 * itself). Opened xorbs are closed when the walk ends, however.
 */
function* walkObject(manifest: FileManifest, range?: ByteRange, span = READ_SPAN, checkOid = true): Generator<WalkStep, CatResult, WalkAnswer> {
  const sha = range || !checkOid ? undefined : createSha256();
  const files = new Map<string, XorbFile>();
  const from = range?.start ?? 0;
  const to = Math.min(range?.end ?? manifest.size, manifest.size);
  let offset = 0; // object offset of the next byte
  let size = 0;
  try {
    for (const term of manifest.terms) {
      if (offset + term.bytes <= from) {
        offset += term.bytes;
        continue;
      }
      if (offset >= to) break;
      let file = files.get(term.xorb);
      if (!file) files.set(term.xorb, (file = (yield { kind: 'open', xorb: term.xorb }) as XorbFile));
      const records = file.records();
      if (term.chunkEnd > records.length) {
        throw new IntegrityError(`object ${manifest.oid} names chunks ${term.chunkStart}..${term.chunkEnd} of xorb ${term.xorb}, which has ${records.length}`, { data: { oid: manifest.oid, xorb: term.xorb } }, 'missing_chunk');
      }
      let first = term.chunkStart;
      if (range) {
        while (first < term.chunkEnd - 1 && offset + records[first].length <= from) offset += records[first++].length;
      }
      // the last chunk this read needs: the backend is told it reads on up to its end
      let last = first;
      for (let at = offset + records[first].length; last < term.chunkEnd - 1 && at < to; at += records[++last].length);
      const until = records[last].dataOffset + records[last].length;
      let termBytes = 0;
      for (let start = first; start <= last && offset < to; ) {
        let end = start + 1;
        while (end <= last && records[end].dataOffset + records[end].length - records[start].offset <= span) end++;
        const { bytes, records: got } = (yield { kind: 'read', file, start, end, until }) as { bytes: Uint8Array; records: XorbRecord[] };
        const base = got[0].offset;
        for (const r of got) {
          const data = bytes.subarray(r.dataOffset - base, r.dataOffset - base + r.length);
          sha?.update(data);
          termBytes += r.length;
          const lo = Math.max(from - offset, 0);
          const hi = Math.min(to - offset, r.length);
          offset += r.length;
          if (hi > lo) {
            size += hi - lo;
            yield { kind: 'piece', bytes: lo === 0 && hi === r.length ? data : data.subarray(lo, hi) };
          }
        }
        start = end;
      }
      if (!range && termBytes !== term.bytes) {
        throw new IntegrityError(`object ${manifest.oid}: xorb ${term.xorb} chunks ${term.chunkStart}..${term.chunkEnd} hold ${termBytes} bytes, the manifest says ${term.bytes}`, { data: { oid: manifest.oid, xorb: term.xorb } }, 'corrupt_xorb');
      }
    }
    if (sha) {
      const actual = sha.digest('hex');
      if (actual !== manifest.oid || size !== manifest.size) {
        let culprit = ' (the manifest is wrong: its xorbs are intact)';
        for (const file of files.values()) {
          if ((yield { kind: 'corrupt', file }) as boolean) {
            culprit = ` (xorb ${file.xorb} is corrupt)`;
            break;
          }
        }
        throw new IntegrityError(`object ${manifest.oid} failed verification: reassembled ${size} bytes hash to ${actual}${culprit}`, { data: { oid: manifest.oid } }, 'hash_mismatch');
      }
    } else if (!range && size !== manifest.size) {
      throw new IntegrityError(`object ${manifest.oid}: its terms hold ${size} bytes, the manifest says ${manifest.size}`, { data: { oid: manifest.oid } }, 'corrupt_xorb');
    }
    return { oid: manifest.oid, size };
  } finally {
    for (const f of files.values()) f.close();
  }
}

/**
 * The bytes of `manifest` in order, one chunk (or part of one, at range edges) per step, read at
 * most 8 MiB at a time. A whole read is verified at the end: the generator throws IntegrityError
 * (naming the damaged xorb when one can be found) if the bytes do not hash to the oid. A range
 * read skips what lies before `start` and cannot check the whole-file hash (the chunks were
 * verified when they were stored; `hub fsck` re-verifies them).
 */
export function* objectPieces(store: Store, manifest: FileManifest, range?: ByteRange): Generator<Uint8Array, CatResult> {
  const walk = walkObject(manifest, range);
  try {
    let answer: WalkAnswer;
    for (;;) {
      const next = walk.next(answer);
      if (next.done) return next.value;
      const step = next.value;
      answer = undefined;
      if (step.kind === 'piece') yield step.bytes;
      else if (step.kind === 'open') answer = XorbFile.open(store.xorbs, step.xorb);
      else if (step.kind === 'read') answer = step.file.readChunks(step.start, step.end);
      else answer = isCorrupt(() => step.file.verify(store.hashers));
    }
  } finally {
    walk.return({ oid: manifest.oid, size: 0 }); // closes the walk's xorb files
  }
}

/** Where {@link objectPiecesAsync} reads into: buffers of `alloc`, each read at most `span` bytes (more only for a single chunk that is larger). */
export interface PieceReads {
  span: number;
  /** A buffer of exactly `length` bytes, which the pieces yielded from it are views of. */
  alloc: (length: number) => Uint8Array | Promise<Uint8Array>;
  /** The caller hashes the pieces of a whole object and checks the oid itself (server/send-object.ts, off its event loop): the walk checks only the sizes. */
  callerChecksOid?: boolean;
}

/**
 * objectPieces for a store of any kind (object storage included): the same walk, pieces, checks
 * and errors, each xorb opened with its records (stored-xorb.ts) and read asynchronously; into
 * `reads`' buffers when given (server/send-object.ts reuses them once the socket took them).
 */
export async function* objectPiecesAsync(store: Store, manifest: FileManifest, range?: ByteRange, reads?: PieceReads): AsyncGenerator<Uint8Array, CatResult> {
  const walk = walkObject(manifest, range, reads?.span, !reads?.callerChecksOid);
  try {
    let answer: WalkAnswer;
    for (;;) {
      const next = walk.next(answer);
      if (next.done) return next.value;
      const step = next.value;
      answer = undefined;
      if (step.kind === 'piece') yield step.bytes;
      else if (step.kind === 'open') answer = await openStoredXorb(store, step.xorb);
      else if (step.kind === 'read') answer = await step.file.readChunksAsync(step.start, step.end, step.until, reads?.alloc);
      else answer = await step.file.verifyAsync(store.hashers).then(() => false, () => true);
    }
  } finally {
    walk.return({ oid: manifest.oid, size: 0 }); // closes the walk's xorb files
  }
}

function isCorrupt(verify: () => void): boolean {
  try {
    verify();
    return false;
  } catch {
    return true;
  }
}

/**
 * Streams the bytes of `manifest` to `sink` in order and verifies them; throws IntegrityError
 * (naming the damaged xorb when one can be found) if the bytes do not hash to the oid. Stops
 * with the signal's reason once `signal` is aborted (yielding to the event loop now and then).
 */
export async function streamObject(store: Store, manifest: FileManifest, sink: (bytes: Uint8Array) => void, progress: ProgressSink = silentProgress, signal?: AbortSignal, label?: string): Promise<CatResult> {
  const task = `cat:${manifest.oid}`;
  progress({ type: 'start', id: task, label: label ?? `Reading ${manifest.oid.slice(0, 12)}`, total: manifest.size, unit: 'bytes' });
  const checkpoint = pacer(signal);
  let done = 0;
  let lastReport = 0;
  const pieces = objectPieces(store, manifest);
  try {
    for (;;) {
      await checkpoint();
      const next = pieces.next();
      if (next.done) {
        progress({ type: 'end', id: task, ok: true });
        return next.value;
      }
      sink(next.value);
      done += next.value.length;
      if (done - lastReport >= READ_SPAN) {
        lastReport = done;
        progress({ type: 'progress', id: task, done, total: manifest.size });
      }
    }
  } catch (err) {
    pieces.return({ oid: manifest.oid, size: done }); // closes its xorb files (the value is unused)
    progress({ type: 'end', id: task, ok: false });
    throw err;
  }
}

/** Options of {@link catToFile}. */
export interface CatToFileOptions {
  progress?: ProgressSink;
  /** Where the temporary file goes (default: beside `dest`; it must be on the same file system). */
  tmpDir?: string;
  signal?: AbortSignal;
  /** The progress label (name the path the user knows; default `Reading <oid>`). */
  label?: string;
  /** false: a working-tree file, atomic but not fsynced (fs/atomic-file.ts). Default true. */
  durable?: boolean;
  /** With `durable: false` and `tmpDir`: what becomes of a large old file `dest` replaces (fs/release-old.ts; default: removed in the background at once). */
  releaseOld?: (aside: string) => void;
}

/** Reassembles `oid` into `dest`; the file appears only when complete and verified. */
export async function catToFile(store: Store, oid: string, dest: string, opts: CatToFileOptions = {}): Promise<CatResult> {
  const manifest = requireManifest(store, oid);
  const dir = dirname(dest);
  let tmp: string;
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    if (opts.tmpDir) mkdirSync(opts.tmpDir, { recursive: true });
    tmp = tmpPathFor(opts.tmpDir ?? dir, dest);
    fd = openSync(tmp, 'wx', 0o644);
  } catch (err) {
    throw fromFsError(err, dest, 'output path');
  }
  try {
    const result = await streamObject(store, manifest, (bytes) => writeAll(fd, bytes), opts.progress, opts.signal, opts.label);
    if (opts.durable !== false) fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    if (opts.durable === false && opts.tmpDir) replaceReleasingOld(tmp, dest, opts.tmpDir, opts.releaseOld); // a working-tree file: a large old one goes in the background
    else commitFile(tmp, dest, { durable: opts.durable });
    return result;
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw fromFsError(err, dest, 'output path');
  }
}

/** Writes all of `bytes` to `fd`, retrying short writes and EAGAIN (non-blocking pipes). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
