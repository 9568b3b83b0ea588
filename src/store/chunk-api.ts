/**
 * Store operations behind the `hub-chunks` transfer (docs/protocol.md): which chunks are
 * missing, importing a xorb received from a client (every chunk hash and the xorb hash
 * verified before it is named), registering a file manifest (checked against the oid, size and
 * Xet hash before it is written: store/object-verify.ts), and the xorb byte ranges a client
 * needs to fetch a file's terms.
 */
import { rmSync } from 'node:fs';
import { IntegrityError } from '../errors.js';
import { datasyncFile } from '../fs/atomic-file.js';
import type { FileManifest, ManifestTerm } from '../formats/manifest.js';
import type { XorbRecord } from '../formats/xorb.js';
import { xorbHash } from '../hash/merkle.js';
import { fromXetHex, xetHex } from '../hash/xet-hex.js';
import { checkSha256, checkXetHash, indexedChunkHashes, OpenXorbs } from './object-verify.js';
import type { Store } from './store.js';
import { openFileHandle } from './xorb-backend.js';
import { XorbFile } from './xorb-reader.js';
import { chunkTable } from './xorb-table.js';

/** Xorbs touched at once by a registration (one small request each on object storage). */
const TOUCHES_AT_ONCE = 16;

/** Where the store holds each chunk of `hashes` (Xet hex), or null. */
export function locateChunks(store: Store, hashes: readonly string[]): ({ xorb: string; index: number } | null)[] {
  return store.index.readBatch(() =>
    hashes.map((h) => {
      const at = store.index.lookup(fromXetHex(h));
      return at ? { xorb: at.xorb, index: at.index } : null;
    }),
  );
}

/** How many chunks the store holds of each of `xorbs` (Xet hex), or null for one it does not hold. */
export function xorbChunkCounts(store: Store, xorbs: readonly string[]): (number | null)[] {
  return store.index.readBatch(() => xorbs.map((x) => store.index.xorbChunkCount(x) ?? null));
}

/**
 * The subset of `hashes` (Xet hex) the store has no chunk for, or whose chunk `usable` refuses
 * (given where the index has it): a server counts chunks its caller may not read as missing.
 */
export function missingChunks(store: Store, hashes: readonly string[], usable: (at: { xorb: string; index: number }) => boolean = () => true): string[] {
  return store.index.readBatch(() =>
    hashes.filter((h) => {
      const at = store.index.lookup(fromXetHex(h));
      return !at || !usable(at);
    }),
  );
}

/**
 * Imports the xorb file at `tmp` (received from a client) as `expected`: parses every record,
 * hashes every chunk, recomputes the xorb hash. On any mismatch the file is removed and an
 * IntegrityError thrown; otherwise it is committed to the backend and indexed. A xorb the store
 * already has is verified all the same (so the sender provably had its bytes) and kept as it is:
 * one copy on disk.
 */
export async function importXorb(store: Store, tmp: string, expected: string): Promise<{ xorb: string; chunks: number; bytes: number }> {
  let file: XorbFile | undefined;
  // the received file becomes the stored xorb by a rename: its bytes reach the disk while they are verified (as a Xet upload's do)
  const synced = store.xorbs.remote ? Promise.resolve() : datasyncFile(tmp);
  synced.catch(() => {}); // awaited below when the file is kept
  try {
    // read the received file directly; only a verified xorb reaches the store's backend
    file = XorbFile.fromHandle(expected, openFileHandle(tmp));
    const records = file.records();
    const hashes = file.chunkHashes(store.hashers);
    const actual = xetHex(xorbHash(hashes.map((hash, i) => ({ hash, size: records[i].length })), store.hashers));
    if (actual !== expected) throw new IntegrityError(`xorb ${expected} does not match its content (its chunks hash to ${actual})`, { data: { xorb: expected } }, 'xorb_mismatch');
    file.close();
    file = undefined;
    await synced;
    const bytes = records.length ? records[records.length - 1].dataOffset + records[records.length - 1].length : 0;
    await store.xorbs.commitAsync(tmp, expected, chunkTable(records.map((r, i) => ({ hash: hashes[i], length: r.length }))));
    store.index.addXorb(expected, bytes, records.map((r, i) => ({ hash: hashes[i], index: r.index, offset: r.offset, length: r.length })));
    return { xorb: expected, chunks: records.length, bytes };
  } finally {
    file?.close();
    rmSync(tmp, { force: true });
  }
}

/** What registering a manifest did. */
export interface Registered {
  /** True only when the manifest was written (a usable one the store had for the oid is kept: others may serve its ranges). */
  wrote: boolean;
  /** The xorb ranges the registered manifest references (what a server holding the file may serve). */
  ranges: ServedRange[];
}

/**
 * Registers `manifest` once the store's bytes prove it (store/object-verify.ts): the chunk hashes
 * it names, taken from the index (each chunk was verified when its xorb was imported), must give
 * its Xet file hash; its bytes, streamed from the xorbs, must be `size` bytes hashing to the oid.
 * Throws IntegrityError (nothing written) otherwise. A usable manifest the store already has for
 * the oid is kept. Also returns the served ranges of the manifest the store now has for the oid
 * (read from xorb headers, here on the caller's worker rather than on a server's event loop).
 */
export async function registerManifest(store: Store, manifest: FileManifest): Promise<Registered> {
  const xorbs = new OpenXorbs(store);
  try {
    await xorbs.openAll(manifest.terms);
    checkXetHash(store, manifest, xorbs);
    await checkSha256(manifest, xorbs);
    const kept = await usableManifest(store, manifest.oid);
    if (kept) return { wrote: false, ranges: await servedRanges(store, kept) }; // the bytes the server serves for the oid
    // the xorbs it names are touched before it is written and looked up after: a gc elsewhere
    // either sees them as recent writes or removed one first, which fails this registration
    await touchAll(store, manifest.terms);
    await store.manifests.writeAsync(manifest); // last: its xorbs are all published
    if (store.remote) await touchAll(store, manifest.terms);
    return { wrote: true, ranges: manifest.terms.map((t) => ({ xorb: t.xorb, chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, ...termRange(xorbs.records(manifest.oid, t), t) })) };
  } finally {
    xorbs.close();
  }
}

/** Touches every xorb `terms` name (XorbBackend.touchAsync); IntegrityError `missing_xorb` (retriable) when one is gone. */
async function touchAll(store: Store, terms: readonly { xorb: string }[]): Promise<void> {
  const names = [...new Set(terms.map((t) => t.xorb))];
  let next = 0;
  const touchNext = async (): Promise<void> => {
    while (next < names.length) {
      const x = names[next++];
      if (!(await store.xorbs.touchAsync(x))) throw new IntegrityError(`xorb ${x} is missing from the store`, { retriable: true, data: { xorb: x } }, 'missing_xorb');
    }
  };
  await Promise.all(Array.from({ length: Math.min(TOUCHES_AT_ONCE, names.length) }, touchNext));
}

/** The store's manifest of `oid` when it parses and every xorb it names exists; it and they are touched (the caller keeps it). */
async function usableManifest(store: Store, oid: string): Promise<FileManifest | undefined> {
  try {
    const m = await store.manifests.readAsync(oid);
    if (!m) return undefined;
    for (const x of new Set(m.terms.map((t) => t.xorb))) if (!(await store.xorbs.touchAsync(x))) return undefined;
    if (!(await store.manifests.touchAsync(oid))) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/**
 * The chunk hashes of an open xorb, in order: from the index's rows (the index keeps one row per
 * chunk hash, so a chunk stored in two xorbs has a row for one only: such chunks are hashed).
 */
export function xorbChunkHashes(store: Store, f: XorbFile): Uint8Array[] {
  return indexedChunkHashes(store, f);
}

/** One term of a file with the byte range of its chunk records in the xorb. */
export interface FetchTerm {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  bytes: number;
  /** Byte range [start, end) of the records (headers included) in the xorb. */
  range: { start: number; end: number };
  /** The chunk hashes (Xet hex) of chunks [chunkStart, chunkEnd), so a client can skip what it has. */
  hashes: string[];
  /** The data length of each of those chunks, so a client can fetch just the chunks a byte range needs. */
  lengths: number[];
}

/** The terms of `manifest` with the xorb byte ranges a client fetches them with. */
export async function fetchTerms(store: Store, manifest: FileManifest): Promise<FetchTerm[]> {
  const hashesOf = new Map<string, string[]>();
  return withRecords(store, manifest, (t, records, f) => {
    let hashes = hashesOf.get(t.xorb);
    if (!hashes) {
      hashes = xorbChunkHashes(store, f).map((h) => xetHex(h));
      hashesOf.set(t.xorb, hashes);
    }
    return { ...t, range: termRange(records, t), hashes: hashes.slice(t.chunkStart, t.chunkEnd), lengths: records.slice(t.chunkStart, t.chunkEnd).map((r) => r.length) };
  });
}

/** A term with where its records lie, without the chunk hashes (what a Xet reconstruction needs). */
export type TermLayout = Omit<FetchTerm, 'hashes'>;

/** The terms of `manifest` with their records' byte ranges and chunk lengths (xorb headers only: nothing is hashed). */
export async function termLayouts(store: Store, manifest: FileManifest): Promise<TermLayout[]> {
  return withRecords(store, manifest, (t, records) => ({ ...t, range: termRange(records, t), lengths: records.slice(t.chunkStart, t.chunkEnd).map((r) => r.length) }));
}

/**
 * A run of chunk records of one xorb that a file's term references: chunks [chunkStart,
 * chunkEnd) and their records' bytes [start, end) (headers included), exactly a FetchTerm's range.
 */
export interface ServedRange {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  start: number;
  end: number;
}

/** The xorb ranges `manifest`'s terms reference: what a server holding the file may serve (docs/protocol.md "Visibility"). */
export async function servedRanges(store: Store, manifest: FileManifest): Promise<ServedRange[]> {
  return mergeRanges(await withRecords(store, manifest, (t, records) => ({ xorb: t.xorb, chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, ...termRange(records, t) })));
}

/**
 * The same ranges merged: per xorb, overlapping or adjacent chunk runs become one (a manifest
 * repeating one xorb 6,000 times is one range, not 6,000 rows for the event loop to record).
 */
export function mergeRanges(ranges: readonly ServedRange[]): ServedRange[] {
  const sorted = [...ranges].sort((a, b) => (a.xorb < b.xorb ? -1 : a.xorb > b.xorb ? 1 : a.chunkStart - b.chunkStart));
  const out: ServedRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.xorb === r.xorb && r.chunkStart <= last.chunkEnd) {
      if (r.chunkEnd > last.chunkEnd) {
        last.chunkEnd = r.chunkEnd;
        last.end = r.end;
      }
    } else out.push({ ...r });
  }
  return out;
}

/** Byte range [start, end) of the records of chunks [chunkStart, chunkEnd). */
function termRange(records: readonly XorbRecord[], t: ManifestTerm): { start: number; end: number } {
  const last = records[t.chunkEnd - 1];
  return { start: records[t.chunkStart].offset, end: last.dataOffset + last.length };
}

/** Maps each term of `manifest` with its xorb's records (each xorb opened once, with its records: no byte of data read). */
async function withRecords<T>(store: Store, manifest: FileManifest, fn: (t: ManifestTerm, records: XorbRecord[], f: XorbFile) => T): Promise<T[]> {
  const xorbs = new OpenXorbs(store);
  try {
    await xorbs.openAll(manifest.terms);
    return manifest.terms.map((t) => fn(t, xorbs.records(manifest.oid, t), xorbs.get(t.xorb)));
  } finally {
    xorbs.close();
  }
}
