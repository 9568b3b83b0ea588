/**
 * Adding a file to the store: chunk it, look every chunk up in the index, append the new ones
 * to xorbs (64 MiB / 8192 chunks each), and write the manifest last. Order of durability:
 * xorb file (fsync + rename) -> its index rows -> the manifest. A crash at any point leaves a
 * healthy store, and rerunning reuses every xorb that was finished.
 */
import { existsSync } from 'node:fs';
import { Chunker, type Chunk } from '../chunking/chunker.js';
import { mergeTerm, type FileManifest, type ManifestTerm } from '../formats/manifest.js';
import { createSha256 } from '../hash/sha256.js';
import { fileHash, type MerkleEntry } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { chunkOpenedFile, openInputFile } from './file-source.js';
import { hasManifest, readManifest, writeManifest } from './manifest-files.js';
import { xorbPath } from './paths.js';
import { lockShared } from './store-lock.js';
import type { Store } from './store.js';
import { XorbWriter } from './xorb-writer.js';
import { closeSync } from 'node:fs';

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

/** A term whose xorb is still being written: `pending` is the writer's sequence number. */
interface PendingTerm extends ManifestTerm {
  pending?: number;
}

/** Adds the file at `path` to the store; see the module comment for the crash-safety order. */
export function addFile(store: Store, path: string, progress: ProgressSink = silentProgress): AddResult {
  const lock = lockShared(store.paths.locks);
  try {
    return addLocked(store, path, progress);
  } finally {
    lock.release();
  }
}

function addLocked(store: Store, path: string, progress: ProgressSink): AddResult {
  const file = openInputFile(path);
  const { index, hashers, paths } = store;
  const chunker = new Chunker(hashers.chunk);
  const sha = createSha256();
  const entries: MerkleEntry[] = [];
  const terms: PendingTerm[] = [];
  const knownXorbs = new Map<string, boolean>(); // xorb -> file exists
  const pendingChunks = new Map<string, number>(); // chunk key -> index in the open writer
  let writer: XorbWriter | undefined;
  let writerSeq = 0;
  let newBytes = 0;
  let dedupBytes = 0;
  let xorbsWritten = 0;

  const xorbExists = (xorb: string): boolean => {
    let ok = knownXorbs.get(xorb);
    if (ok === undefined) knownXorbs.set(xorb, (ok = existsSync(xorbPath(paths, xorb))));
    return ok;
  };

  const finishWriter = (): void => {
    if (!writer) return;
    const written = writer.finish();
    index.addXorb(written.xorb, written.bytes, written.chunks);
    knownXorbs.set(written.xorb, true);
    for (const t of terms) {
      if (t.pending === writerSeq) {
        t.xorb = written.xorb;
        delete t.pending;
      }
    }
    writer = undefined;
    pendingChunks.clear();
    xorbsWritten++;
  };

  const onChunk = (c: Chunk): void => {
    sha.update(c.data);
    entries.push({ hash: Uint8Array.from(c.hash), size: c.length });
    const key = Buffer.from(c.hash).toString('base64');
    const pendingIndex = pendingChunks.get(key);
    if (pendingIndex !== undefined) {
      dedupBytes += c.length;
      addTerm(terms, { xorb: '', pending: writerSeq, chunkStart: pendingIndex, chunkEnd: pendingIndex + 1, bytes: c.length });
      return;
    }
    const found = index.lookup(c.hash);
    if (found && xorbExists(found.xorb)) {
      dedupBytes += c.length;
      addTerm(terms, { xorb: found.xorb, chunkStart: found.index, chunkEnd: found.index + 1, bytes: c.length });
      return;
    }
    if (writer && !writer.fits(c.length)) finishWriter();
    if (!writer) {
      writer = new XorbWriter(paths, hashers);
      writerSeq++;
    }
    const at = writer.append(c.hash, c.data);
    pendingChunks.set(key, at);
    newBytes += c.length;
    addTerm(terms, { xorb: '', pending: writerSeq, chunkStart: at, chunkEnd: at + 1, bytes: c.length });
  };

  const task = `add:${path}`;
  progress({ type: 'start', id: task, label: `Storing ${path}`, total: file.stat.size, unit: 'bytes' });
  let size: number;
  try {
    size = chunkOpenedFile(file, chunker, onChunk, (done) => progress({ type: 'progress', id: task, done, total: file.stat.size }));
    finishWriter();
  } catch (err) {
    writer?.abort();
    progress({ type: 'end', id: task, ok: false });
    throw err;
  } finally {
    closeSync(file.fd);
  }
  const oid = sha.digest('hex');
  const manifest: FileManifest = {
    version: 1,
    oid,
    size,
    xetHash: xetHex(fileHash(entries, hashers)),
    terms: terms.reduce<ManifestTerm[]>((out, { xorb, chunkStart, chunkEnd, bytes }) => mergeTerm(out, { xorb, chunkStart, chunkEnd, bytes }), []),
  };
  const alreadyStored = hasManifest(paths, oid) && sameManifestIsReadable(store, oid);
  if (!alreadyStored) writeManifest(paths, manifest);
  progress({ type: 'end', id: task, ok: true });
  return { path, oid, size, xetHash: manifest.xetHash, chunks: entries.length, newBytes, dedupBytes, xorbsWritten, alreadyStored };
}

function addTerm(terms: PendingTerm[], term: PendingTerm): void {
  const prev = terms.at(-1);
  if (prev && prev.pending !== undefined && prev.pending === term.pending && prev.chunkEnd === term.chunkStart) {
    prev.chunkEnd = term.chunkEnd;
    prev.bytes += term.bytes;
  } else terms.push(term);
}

/** An existing manifest is kept only if it parses and its xorbs exist; otherwise it is rewritten. */
function sameManifestIsReadable(store: Store, oid: string): boolean {
  try {
    const m = readManifest(store.paths, oid);
    return !!m && m.terms.every((t) => existsSync(xorbPath(store.paths, t.xorb)));
  } catch {
    return false;
  }
}

