/**
 * Garbage collection: removes manifests that no registered repository needs and that were not
 * written recently, then xorbs that no remaining manifest uses, then leftovers of interrupted
 * writes. It holds the store lock exclusive, so it never races an add that has decided to reuse
 * a xorb; the grace period also protects anything written in the last `graceMs`.
 */
import { statSync, unlinkSync } from 'node:fs';
import { pacer } from '../abort.js';
import { manifestPath, type StorePaths } from './paths.js';
import { pidAlive } from '../fs/pid-alive.js';
import { lockExclusive } from './store-lock.js';
import type { Store } from './store.js';
import { listTmpFiles } from './xorb-files.js';

/** What gc should keep and whether to delete. */
export interface GcOptions {
  /** Oids some registered repository still needs. */
  keep: ReadonlySet<string>;
  /** Anything modified more recently than this is kept (default 1 hour). */
  graceMs?: number;
  dryRun?: boolean;
  now?: number;
  /** How long to wait for running adds to finish (default 30 s). */
  lockTimeoutMs?: number;
  /** Stops gc between two removals (every step leaves a healthy store). */
  signal?: AbortSignal;
}

/** What gc removed (or would remove, with dryRun). */
export interface GcResult {
  dryRun: boolean;
  manifestsRemoved: number;
  xorbsRemoved: number;
  bytesFreed: number;
  tmpFilesRemoved: number;
  manifestsKept: number;
  xorbsKept: number;
}

/** Default grace period: one hour. */
export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;

/** Collects garbage in `store`. */
export async function gc(store: Store, opts: GcOptions): Promise<GcResult> {
  opts.signal?.throwIfAborted();
  const lock = lockExclusive(store.paths.locks, opts.lockTimeoutMs);
  try {
    return await collect(store, opts);
  } finally {
    lock.release();
  }
}

async function collect(store: Store, opts: GcOptions): Promise<GcResult> {
  const checkpoint = pacer(opts.signal);
  const now = opts.now ?? Date.now();
  const cutoff = now - (opts.graceMs ?? DEFAULT_GC_GRACE_MS);
  const dryRun = opts.dryRun ?? false;
  const result: GcResult = { dryRun, manifestsRemoved: 0, xorbsRemoved: 0, bytesFreed: 0, tmpFilesRemoved: 0, manifestsKept: 0, xorbsKept: 0 };
  const live = new Set<string>();

  for (const oid of store.manifests.list()) {
    await checkpoint();
    const path = manifestPath(store.paths, oid);
    const recent = statSync(path).mtimeMs >= cutoff;
    if (opts.keep.has(oid) || recent) {
      result.manifestsKept++;
      try {
        for (const t of store.manifests.read(oid)?.terms ?? []) live.add(t.xorb);
      } catch {
        /* a damaged manifest keeps nothing alive; fsck reports it */
      }
      continue;
    }
    result.manifestsRemoved++;
    if (!dryRun) unlinkSync(path);
  }

  for (const x of store.xorbs.list()) {
    await checkpoint();
    if (live.has(x.xorb) || x.mtimeMs >= cutoff) {
      result.xorbsKept++;
      continue;
    }
    result.xorbsRemoved++;
    result.bytesFreed += x.bytes;
    if (!dryRun) {
      // rows first: a crash in between leaves an unindexed xorb, which is harmless
      store.index.removeXorb(x.xorb);
      store.xorbs.remove(x.xorb);
    }
  }
  if (!dryRun) {
    const present = new Set<string>();
    for (const x of store.xorbs.list()) present.add(x.xorb);
    for (const x of [...store.index.xorbs()]) if (!present.has(x.xorb)) store.index.removeXorb(x.xorb);
  }

  result.tmpFilesRemoved = removeTmpFiles(store.paths, cutoff, dryRun);
  return result;
}

/** Removes the temporary files of the store at `paths` whose writer is gone or that are older than `cutoff`; returns how many. */
export function removeTmpFiles(paths: StorePaths, cutoff: number, dryRun: boolean): number {
  let removed = 0;
  for (const t of listTmpFiles(paths)) {
    if (t.pid === process.pid) continue;
    if (pidAlive(t.pid) && t.mtimeMs >= cutoff) continue;
    removed++;
    if (!dryRun) {
      try {
        unlinkSync(t.path);
      } catch {
        /* gone meanwhile */
      }
    }
  }
  return removed;
}
