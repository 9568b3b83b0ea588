/**
 * Verifying a store: every xorb against its name (each chunk re-hashed, the Merkle root
 * recomputed), every index row against the xorb it names, and every manifest by reassembling
 * its bytes and checking sha256, size and Xet file hash. Each problem names the damaged object
 * and the file contents (oids) it affects.
 */
import { pacer } from '../abort.js';
import { HubError } from '../errors.js';
import type { FileManifest } from '../formats/manifest.js';
import { fileHashFromRoot, MerkleBuilder } from '../hash/merkle.js';
import { xetHex } from '../hash/xet-hex.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { streamObject } from './reassemble.js';
import type { Store } from './store.js';
import { listTmpFiles } from './xorb-files.js';
import { XorbFile } from './xorb-reader.js';
import { lockShared } from './store-lock.js';

/** One thing wrong with the store. */
export interface FsckProblem {
  kind: string;
  /** The damaged object: `xorb <hash>`, `manifest <oid>` or `index <xorb>`. */
  object: string;
  message: string;
  /** Oids of stored files whose content this damages. */
  affects: string[];
}

/** The result of a check. */
export interface FsckReport {
  healthy: boolean;
  checked: { xorbs: number; chunks: number; indexedChunks: number; manifests: number; bytesVerified: number };
  problems: FsckProblem[];
  /** Harmless findings (leftovers of interrupted writes that gc removes). */
  notes: string[];
}

/**
 * Checks the whole store. Read-only; holds the store lock shared so gc cannot delete anything
 * mid-check. Concurrent adds are fine: what is listed first (manifests, then index rows) can
 * only name xorbs that were already durable when the xorb files are listed after it. Once
 * `signal` is aborted it stops (rejecting with the signal's reason) between two objects.
 */
export async function fsck(store: Store, progress: ProgressSink = silentProgress, signal?: AbortSignal): Promise<FsckReport> {
  const lock = lockShared(store.paths.locks);
  try {
    return await check(store, progress, signal);
  } finally {
    lock.release();
  }
}

async function check(store: Store, progress: ProgressSink, signal: AbortSignal | undefined): Promise<FsckReport> {
  const checkpoint = pacer(signal);
  const problems: FsckProblem[] = [];
  const notes: string[] = [];
  const checked = { xorbs: 0, chunks: 0, indexedChunks: 0, manifests: 0, bytesVerified: 0 };

  // Manifests first, to know which oids each xorb serves.
  const manifests: FileManifest[] = [];
  const users = new Map<string, string[]>();
  for (const oid of store.manifests.list()) {
    await checkpoint();
    try {
      const m = store.manifests.read(oid)!;
      manifests.push(m);
      for (const t of m.terms) {
        const list = users.get(t.xorb) ?? [];
        if (list.at(-1) !== oid) list.push(oid);
        users.set(t.xorb, list);
      }
    } catch (err) {
      problems.push({ kind: codeOf(err, 'corrupt_manifest'), object: `manifest ${oid}`, message: messageOf(err), affects: [oid] });
    }
  }

  const indexedXorbs = [...store.index.xorbs()].map((x) => x.xorb);
  progress({ type: 'start', id: 'fsck:xorbs', label: 'Verifying xorbs', unit: 'items' });
  const chunkCounts = new Map<string, number>();
  const bad = new Set<string>();
  const onDisk = new Set<string>();
  for (const x of store.xorbs.list()) {
    await checkpoint();
    onDisk.add(x.xorb);
    checked.xorbs++;
    let file: XorbFile | undefined;
    try {
      file = XorbFile.open(store.xorbs, x.xorb);
      const hashes = file.verify(store.hashers);
      const records = file.records();
      chunkCounts.set(x.xorb, records.length);
      checked.chunks += records.length;
      checked.bytesVerified += x.bytes;
      for (const row of store.index.chunksOf(x.xorb)) {
        checked.indexedChunks++;
        const r = records[row.index];
        if (!r || r.offset !== row.offset || r.length !== row.length || !equal(hashes[row.index], row.hash)) {
          problems.push({ kind: 'bad_index_entry', object: `index ${x.xorb}`, message: `index row for chunk ${xetHex(row.hash)} does not match chunk ${row.index} of xorb ${x.xorb}`, affects: [] });
        }
      }
    } catch (err) {
      bad.add(x.xorb);
      problems.push({ kind: codeOf(err, 'corrupt_xorb'), object: `xorb ${x.xorb}`, message: messageOf(err), affects: users.get(x.xorb) ?? [] });
    } finally {
      file?.close();
    }
    progress({ type: 'progress', id: 'fsck:xorbs', done: checked.xorbs });
  }
  progress({ type: 'end', id: 'fsck:xorbs', ok: true });
  for (const xorb of indexedXorbs) {
    if (!onDisk.has(xorb)) {
      problems.push({ kind: 'missing_xorb', object: `xorb ${xorb}`, message: `the index lists xorb ${xorb}, which is missing from the store`, affects: users.get(xorb) ?? [] });
      bad.add(xorb);
    }
  }

  progress({ type: 'start', id: 'fsck:manifests', label: 'Verifying files', total: manifests.length, unit: 'items' });
  for (const m of manifests) {
    await checkpoint();
    checked.manifests++;
    const missing = m.terms.find((t) => !onDisk.has(t.xorb) || (chunkCounts.has(t.xorb) && t.chunkEnd > chunkCounts.get(t.xorb)!));
    if (missing) {
      if (!bad.has(missing.xorb)) {
        problems.push({
          kind: 'missing_chunk',
          object: `manifest ${m.oid}`,
          message: `manifest ${m.oid} names chunks ${missing.chunkStart}..${missing.chunkEnd} of xorb ${missing.xorb}, which the store does not have`,
          affects: [m.oid],
        });
      }
      continue;
    }
    if (m.terms.some((t) => bad.has(t.xorb))) continue; // reported with the xorb
    const merkle = new MerkleBuilder(store.hashers.node);
    try {
      await streamObject(store, m, (data) => merkle.push(store.hashers.chunk.hash(data), data.length), silentProgress, signal);
      if (xetHex(fileHashFromRoot(merkle.root(), merkle.leaves, store.hashers.fileSalt)) !== m.xetHash) {
        problems.push({ kind: 'xet_hash_mismatch', object: `manifest ${m.oid}`, message: `manifest ${m.oid} records Xet hash ${m.xetHash}, its chunks give another`, affects: [m.oid] });
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      problems.push({ kind: codeOf(err, 'hash_mismatch'), object: `manifest ${m.oid}`, message: messageOf(err), affects: [m.oid] });
    }
    progress({ type: 'progress', id: 'fsck:manifests', done: checked.manifests, total: manifests.length });
  }
  progress({ type: 'end', id: 'fsck:manifests', ok: true });

  const indexed = new Set<string>(indexedXorbs);
  const unindexed = [...onDisk].filter((x) => !indexed.has(x) && !bad.has(x)).length;
  if (unindexed) notes.push(`${unindexed} xorb(s) not in the chunk index (an add was interrupted; their chunks are re-stored when needed)`);
  const tmp = listTmpFiles(store.paths).length;
  if (tmp) notes.push(`${tmp} temporary file(s) from interrupted writes (hub gc removes them)`);
  return { healthy: problems.length === 0, checked, problems, notes };
}

function equal(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return !!a && a.length === b.length && a.every((v, i) => v === b[i]);
}

function codeOf(err: unknown, fallback: string): string {
  return err instanceof HubError ? err.code : fallback;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
