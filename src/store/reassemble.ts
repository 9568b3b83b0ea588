/**
 * Reassembling a file from the store. Bytes are read term by term (at most 8 MiB at a time, so
 * memory does not grow with file size), handed to a sink, and the sha256 and size are checked
 * against the oid at the end. To a file, the output appears only once it is complete and
 * verified (tmp + fsync + rename); on any failure nothing is left at the destination.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { IntegrityError, NotFoundError, fromFsError } from '../errors.js';
import type { FileManifest } from '../formats/manifest.js';
import { createSha256 } from '../hash/sha256.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { commitFile, tmpPathFor } from './atomic-file.js';
import { readManifest } from './manifest-files.js';
import type { Store } from './store.js';
import { XorbFile } from './xorb-reader.js';

const READ_SPAN = 8 << 20;

/** What was reassembled. */
export interface CatResult {
  oid: string;
  size: number;
}

/** The manifest of `oid`, or a NotFoundError naming it. */
export function requireManifest(store: Store, oid: string): FileManifest {
  const manifest = readManifest(store.paths, oid);
  if (!manifest) throw new NotFoundError(`object ${oid} is not in the store`, { data: { oid } }, 'object_not_found');
  return manifest;
}

/**
 * Streams the bytes of `manifest` to `sink` in order and verifies them; throws IntegrityError
 * (naming the damaged xorb when one can be found) if the bytes do not hash to the oid.
 */
export function streamObject(store: Store, manifest: FileManifest, sink: (bytes: Uint8Array) => void, progress: ProgressSink = silentProgress): CatResult {
  const sha = createSha256();
  const files = new Map<string, XorbFile>();
  let size = 0;
  const task = `cat:${manifest.oid}`;
  progress({ type: 'start', id: task, label: `Reading ${manifest.oid.slice(0, 12)}`, total: manifest.size, unit: 'bytes' });
  try {
    for (const term of manifest.terms) {
      let file = files.get(term.xorb);
      if (!file) files.set(term.xorb, (file = XorbFile.open(store.paths, term.xorb)));
      const records = file.records();
      if (term.chunkEnd > records.length) {
        throw new IntegrityError(`object ${manifest.oid} names chunks ${term.chunkStart}..${term.chunkEnd} of xorb ${term.xorb}, which has ${records.length}`, { data: { oid: manifest.oid, xorb: term.xorb } }, 'missing_chunk');
      }
      let termBytes = 0;
      for (let start = term.chunkStart; start < term.chunkEnd; ) {
        let end = start + 1;
        while (end < term.chunkEnd && records[end].dataOffset + records[end].length - records[start].offset <= READ_SPAN) end++;
        const { bytes, records: got } = file.readChunks(start, end);
        const base = got[0].offset;
        for (const r of got) {
          const data = bytes.subarray(r.dataOffset - base, r.dataOffset - base + r.length);
          sha.update(data);
          sink(data);
          size += r.length;
          termBytes += r.length;
        }
        progress({ type: 'progress', id: task, done: size, total: manifest.size });
        start = end;
      }
      if (termBytes !== term.bytes) {
        throw new IntegrityError(`object ${manifest.oid}: xorb ${term.xorb} chunks ${term.chunkStart}..${term.chunkEnd} hold ${termBytes} bytes, the manifest says ${term.bytes}`, { data: { oid: manifest.oid, xorb: term.xorb } }, 'corrupt_xorb');
      }
    }
    const actual = sha.digest('hex');
    if (actual !== manifest.oid || size !== manifest.size) {
      throw new IntegrityError(
        `object ${manifest.oid} failed verification: reassembled ${size} bytes hash to ${actual}${culprit(store, files)}`,
        { data: { oid: manifest.oid } },
        'hash_mismatch',
      );
    }
    progress({ type: 'end', id: task, ok: true });
    return { oid: manifest.oid, size };
  } catch (err) {
    progress({ type: 'end', id: task, ok: false });
    throw err;
  } finally {
    for (const f of files.values()) f.close();
  }
}

/** Names the first xorb among `files` that fails verification, for the error message. */
function culprit(store: Store, files: Map<string, XorbFile>): string {
  for (const f of files.values()) {
    try {
      f.verify(store.hashers);
    } catch {
      return ` (xorb ${f.xorb} is corrupt)`;
    }
  }
  return ' (the manifest is wrong: its xorbs are intact)';
}

/**
 * Reassembles `oid` into `dest`; the file appears only when complete and verified. The temporary
 * file goes in `tmpDir` (default: beside `dest`; it must be on the same file system).
 */
export function catToFile(store: Store, oid: string, dest: string, progress: ProgressSink = silentProgress, tmpDir?: string): CatResult {
  const manifest = requireManifest(store, oid);
  const dir = dirname(dest);
  let tmp: string;
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    if (tmpDir) mkdirSync(tmpDir, { recursive: true });
    tmp = tmpPathFor(tmpDir ?? dir, dest);
    fd = openSync(tmp, 'wx', 0o644);
  } catch (err) {
    throw fromFsError(err, dest, 'output path');
  }
  try {
    const result = streamObject(store, manifest, (bytes) => writeAll(fd, bytes), progress);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    commitFile(tmp, dest);
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
