/**
 * Checking a file manifest against the store before a server registers it (store/chunk-api.ts
 * registerManifest), with no redundant work:
 * - the Xet file hash is the Merkle hash over the chunk hashes, taken from the chunk index (every
 *   indexed chunk was hashed when its xorb was imported or written); only chunks the index has no
 *   row for in that xorb (a chunk also stored in another xorb: the index keeps one row per hash)
 *   are read and hashed;
 * - the SHA-256 over the whole file is streamed from the xorbs in large sequential reads into one
 *   reused buffer (a fresh buffer per read costs 4x the hashing itself in page faults and GC).
 *
 * The SHA-256 has to cover every byte of the file, even when a new revision shares most of its
 * chunks with one already verified: SHA-256 is a sequential (Merkle-Damgard) hash, so its state
 * after a changed byte depends on everything before it, and no hash of the unchanged chunks can
 * stand in for reading them. (Only a prefix that ends on a 64-byte boundary before the first
 * change could be skipped, by keeping SHA-256 midstates, which node:crypto cannot export.)
 */
import { IntegrityError } from '../errors.js';
import type { FileManifest } from '../formats/manifest.js';
import type { XorbRecord } from '../formats/xorb.js';
import { fileHashFromRoot, MerkleBuilder } from '../hash/merkle.js';
import { createSha256 } from '../hash/sha256.js';
import { xetHex } from '../hash/xet-hex.js';
import type { Store } from './store.js';
import { openStoredXorb } from './stored-xorb.js';
import type { XorbFile } from './xorb-reader.js';

/** Bytes per read when streaming a file's SHA-256 out of its xorbs. */
const VERIFY_READ_BYTES = 8 << 20;
/** Xorbs opened at once (object storage: a table GET each). */
const OPEN_AT_ONCE = 8;

/** The xorbs a manifest names, each opened once (`openAll`, before the sync accessors), with their records. */
export class OpenXorbs {
  private readonly files = new Map<string, XorbFile>();

  constructor(private readonly store: Store) {}

  /** Opens every xorb `terms` name (an IntegrityError when the store lacks one), a few at a time. */
  async openAll(terms: ReadonlyArray<{ xorb: string }>): Promise<void> {
    const names = [...new Set(terms.map((t) => t.xorb))].filter((x) => !this.files.has(x));
    for (let i = 0; i < names.length; i += OPEN_AT_ONCE) {
      const opened = await Promise.allSettled(names.slice(i, i + OPEN_AT_ONCE).map((x) => openStoredXorb(this.store, x)));
      for (const o of opened) if (o.status === 'fulfilled') this.files.set(o.value.xorb, o.value);
      const failed = opened.find((o) => o.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
  }

  /** The open xorb `xorb` (opened by `openAll`). */
  get(xorb: string): XorbFile {
    const f = this.files.get(xorb);
    if (!f) throw new Error(`OpenXorbs: xorb ${xorb} was not opened`);
    return f;
  }

  /** The records of `xorb`, refusing a term that names chunks past its end. */
  records(oid: string, t: { xorb: string; chunkEnd: number }): XorbRecord[] {
    const records = this.get(t.xorb).records();
    if (t.chunkEnd > records.length) throw new IntegrityError(`file ${oid} names chunks past the end of xorb ${t.xorb}`, { data: { xorb: t.xorb } }, 'missing_chunk');
    return records;
  }

  /** ", xorb X is corrupt" for the first open xorb that fails verification, or why else bytes could be wrong: for an error message. */
  async culprit(): Promise<string> {
    for (const f of this.files.values()) {
      try {
        await f.verifyAsync(this.store.hashers);
      } catch {
        return ` (xorb ${f.xorb} is corrupt)`;
      }
    }
    return ' (the manifest is wrong: its xorbs are intact)';
  }

  /** Closes every xorb. */
  close(): void {
    for (const f of this.files.values()) f.close();
    this.files.clear();
  }
}

/**
 * The chunk hashes of xorb `f` in order: from its chunk table when its backend keeps one, else
 * from the index's rows of that xorb, hashing (reading) only the chunks it has no row for (a
 * local file: a remote xorb always comes with its table).
 */
export function indexedChunkHashes(store: Store, f: XorbFile): Uint8Array[] {
  if (f.table) return f.table.hashes;
  const records = f.records();
  const hashes = hashesOf(store, f, records);
  store.xorbs.rememberLayout?.(f.xorb, f.handle, { records, hashes }); // the next opening of this file needs neither (xorb-layouts.ts)
  return hashes;
}

function hashesOf(store: Store, f: XorbFile, records: readonly XorbRecord[]): Uint8Array[] {
  const rows = store.index.chunksOf(f.xorb);
  if (rows.length === records.length) return rows.map((r) => r.hash);
  const hashes: Array<Uint8Array | undefined> = new Array(records.length);
  for (const r of rows) if (r.index < records.length && r.length === records[r.index].length) hashes[r.index] = r.hash;
  const buf = new Uint8Array(Math.max(1, ...records.map((r) => r.length)));
  return records.map((r, i) => {
    const known = hashes[i];
    if (known) return known;
    const view = buf.subarray(0, r.length);
    f.readAt(view, r.dataOffset);
    return store.hashers.chunk.hash(view);
  });
}

/** Xorbs whose chunk hashes a {@link ChunkHashCache} keeps. */
const HASHED_XORBS_KEPT = 8;

/**
 * The chunk hashes (indexedChunkHashes) of the last few xorbs asked for. Those of every xorb of a
 * 10 GiB file at once were ~20 MiB of a server worker's heap (a Buffer per chunk); a file's terms
 * of one xorb mostly follow one another, and a shard's xorb blocks come one xorb each.
 */
export class ChunkHashCache {
  private readonly kept = new Map<string, Uint8Array[]>();

  constructor(private readonly store: Store, private readonly xorbs: OpenXorbs) {}

  get(xorb: string): Uint8Array[] {
    let hashes = this.kept.get(xorb);
    if (!hashes) {
      this.kept.set(xorb, (hashes = indexedChunkHashes(this.store, this.xorbs.get(xorb))));
      if (this.kept.size > HASHED_XORBS_KEPT) this.kept.delete(this.kept.keys().next().value!);
    }
    return hashes;
  }
}

/** Throws IntegrityError unless the chunks `manifest` names give its Xet file hash (`xorbs`: opened for its terms). */
export function checkXetHash(store: Store, manifest: FileManifest, xorbs: OpenXorbs): void {
  const hashesOf = new ChunkHashCache(store, xorbs);
  const merkle = new MerkleBuilder(store.hashers.node);
  for (const t of manifest.terms) {
    const records = xorbs.records(manifest.oid, t);
    const hashes = hashesOf.get(t.xorb);
    for (let i = t.chunkStart; i < t.chunkEnd; i++) merkle.push(hashes[i], records[i].length);
  }
  const actual = xetHex(fileHashFromRoot(merkle.root(), merkle.leaves, store.hashers.fileSalt));
  if (actual !== manifest.xetHash) throw new IntegrityError(`file ${manifest.oid}: its chunks give Xet hash ${actual}, the manifest says ${manifest.xetHash}`, { data: { oid: manifest.oid } }, 'xet_hash_mismatch');
}

/** One read of checkSha256: records [start, end) of one term, read as bytes [base, base + span) of its xorb. */
interface VerifyRead {
  f: XorbFile;
  records: XorbRecord[];
  start: number;
  end: number;
  base: number;
  span: number;
  /** Where the term's bytes end in the xorb (object storage reads that far in one GET). */
  until: number;
}

/** The reads covering `t`'s records, each at most `readBytes` (or one chunk, when a chunk is larger). */
function termReads(oid: string, t: FileManifest['terms'][number], xorbs: OpenXorbs, readBytes: number): VerifyRead[] {
  const f = xorbs.get(t.xorb);
  const records = xorbs.records(oid, t);
  if (t.chunkEnd <= t.chunkStart) return []; // (a manifest never has one: its own check refuses it)
  const until = records[t.chunkEnd - 1].dataOffset + records[t.chunkEnd - 1].length;
  const reads: VerifyRead[] = [];
  for (let start = t.chunkStart; start < t.chunkEnd; ) {
    let end = start + 1;
    while (end < t.chunkEnd && records[end].dataOffset + records[end].length - records[start].offset <= readBytes) end++;
    const base = records[start].offset;
    reads.push({ f, records, start, end, base, span: records[end - 1].dataOffset + records[end - 1].length - base, until });
    start = end;
  }
  return reads;
}

/**
 * Throws IntegrityError unless the bytes of `manifest`'s chunks, in order, are `size` bytes whose
 * SHA-256 is the oid (and each term holds the bytes it says). Reads each term's records in runs
 * of at most `readBytes` (8 MiB) and hashes the data between the 8-byte record headers. The next
 * run is read (on the thread pool, or from object storage) while this one is hashed, into the
 * other of two reused buffers: read and hashed in turn, a 512 MiB file took 20 ms more than its
 * 243 ms of hashing alone; overlapped, 12 ms (test/bench/registration.mjs).
 */
export async function checkSha256(manifest: FileManifest, xorbs: OpenXorbs, readBytes = VERIFY_READ_BYTES): Promise<void> {
  const sha = createSha256();
  const buffers = [new Uint8Array(readBytes), new Uint8Array(readBytes)];
  const start = (r: VerifyRead, i: number): Promise<Uint8Array> => {
    const bytes = r.span <= readBytes ? buffers[i % 2].subarray(0, r.span) : new Uint8Array(r.span);
    return r.f.readAtAsync(bytes, r.base, r.until, true).then(() => bytes);
  };
  let size = 0;
  let i = 0;
  let next: Promise<Uint8Array> | undefined;
  const terms = manifest.terms;
  const readsOf = terms.map(() => undefined as VerifyRead[] | undefined);
  const reads = (k: number): VerifyRead[] => (readsOf[k] ??= termReads(manifest.oid, terms[k], xorbs, readBytes));
  try {
    for (let k = 0; k < terms.length; k++) {
      const t = terms[k];
      const mine = reads(k);
      let termBytes = 0;
      for (let j = 0; j < mine.length; j++) {
        const r = mine[j];
        const bytes = await (next ?? start(r, i));
        // the read after this one: the next of this term, else the first of the next term
        const after = j + 1 < mine.length ? mine[j + 1] : k + 1 < terms.length ? reads(k + 1)[0] : undefined;
        next = after ? start(after, i + 1) : undefined;
        next?.catch(() => {}); // met when its turn comes
        for (let c = r.start; c < r.end; c++) {
          const rec = r.records[c];
          sha.update(bytes.subarray(rec.dataOffset - r.base, rec.dataOffset - r.base + rec.length));
          termBytes += rec.length;
        }
        i++;
      }
      if (termBytes !== t.bytes) throw new IntegrityError(`file ${manifest.oid}: xorb ${t.xorb} chunks ${t.chunkStart}..${t.chunkEnd} hold ${termBytes} bytes, the manifest says ${t.bytes}`, { data: { oid: manifest.oid, xorb: t.xorb } }, 'corrupt_xorb');
      size += termBytes;
    }
  } finally {
    await next?.catch(() => {}); // no read into a buffer after this returns
  }
  const actual = sha.digest('hex');
  if (actual !== manifest.oid || size !== manifest.size) {
    throw new IntegrityError(`object ${manifest.oid} failed verification: its ${size} bytes hash to ${actual}${await xorbs.culprit()}`, { data: { oid: manifest.oid } }, 'hash_mismatch');
  }
}
