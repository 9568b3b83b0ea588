/**
 * Garbage collection of a store whose xorbs and manifests live in an S3-compatible bucket shared
 * by several servers (`hub gc --root DIR --storage s3://...`). There is no lock to take: the
 * writers run on other machines. What makes it safe is the same pair as the local gc's, the
 * grace period and a rule about what a writer may newly reference, stated with the objects' own
 * modification times (S3's LastModified):
 *
 * 1. A writer writes bottom-up: xorb bytes, then the xorb's table (which publishes it), then the
 *    manifest naming it, then the repository's object record. Every object is young when written.
 * 2. A writer that newly relies on an object it did not just write (dedup against an old xorb,
 *    keeping an existing manifest) touches it first (XorbBackend.touchAsync: a copy onto itself,
 *    which renews LastModified and fails when the object is gone), and a manifest registration
 *    touches its xorbs again after writing it (a xorb removed meanwhile fails the registration).
 * 3. gc reads the repositories' objects (`keep`) first, then decides manifests, then xorbs:
 *    a manifest survives when held, or modified within the grace period; a xorb survives when a
 *    surviving manifest names it, or its table was modified within the grace period. Before
 *    removing anything, gc asks for its LastModified again (a HEAD) and spares it when that is
 *    now recent, so a touch that happened after the listing saves it.
 *
 * Hence: an object a concurrent writer references was either written or touched by it before
 * gc's HEAD of that object (then the HEAD sees it recent, provided the writer's step from touch
 * to the write that makes it reachable is shorter than the grace period: the local gc's
 * assumption too), or after gc's DELETE (then the touch fails and the writer uploads the bytes
 * anew or fails retriably). What remains is a touch landing between one object's HEAD and its
 * DELETE, two consecutive requests of gc: the registration's second touch turns that into a
 * failed (retriable) upload rather than a manifest naming a missing xorb, except when the
 * writer's whole registration fits in that gap. docs/server.md states this as the limit.
 *
 * Also collected: Xet lookup entries (`xet-files/...`) older than the grace period whose oid has
 * no manifest (looked up again after the removal: one that appeared meanwhile puts the entry
 * back, as its writer, which writes the manifest first, may have skipped an entry it found), and
 * multipart uploads begun before the grace period (a crashed server's parts).
 * gc's clock and the service's should agree to well within the grace period.
 */
import { pacer } from '../abort.js';
import type { ChunkIndex } from './chunk-index.js';
import { DEFAULT_GC_GRACE_MS, type GcOptions, type GcResult } from './gc.js';
import { parseStoredManifest } from './manifest-files.js';
import type { S3Objects } from './s3-objects.js';
import { parseEntry } from './xet-files.js';

/** What gc removed from a bucket (or would remove, with dryRun). */
export interface ObjectStoreGcResult extends GcResult {
  /** Xet lookup entries whose file is gone. */
  xetEntriesRemoved: number;
  /** Multipart uploads abandoned before the grace period. */
  uploadsAborted: number;
}

interface XorbObjects {
  table?: number;
  data?: { size: number; mtimeMs: number };
}

/** Collects garbage in the bucket of `objects`; `index`: a local chunk index to drop removed xorbs from. */
export async function gcObjectStore(objects: S3Objects, opts: GcOptions & { index?: ChunkIndex }): Promise<ObjectStoreGcResult> {
  const checkpoint = pacer(opts.signal);
  const cutoff = (opts.now ?? Date.now()) - (opts.graceMs ?? DEFAULT_GC_GRACE_MS);
  const dryRun = opts.dryRun ?? false;
  const result: ObjectStoreGcResult = { dryRun, manifestsRemoved: 0, xorbsRemoved: 0, bytesFreed: 0, tmpFilesRemoved: 0, manifestsKept: 0, xorbsKept: 0, xetEntriesRemoved: 0, uploadsAborted: 0 };
  /** Still old when asked again just before removal (see the module comment). */
  const stillOld = async (name: string) => {
    const now = await objects.stat(name);
    return now !== undefined && now.mtimeMs < cutoff;
  };
  const remove = async (name: string) => {
    if (!dryRun) await objects.remove([name]);
  };

  const live = new Set<string>();
  const manifests = new Set<string>();
  const keepManifest = async (oid: string, name: string) => {
    result.manifestsKept++;
    manifests.add(oid);
    try {
      const bytes = await objects.get(name);
      if (bytes) for (const t of parseStoredManifest(oid, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')).terms) live.add(t.xorb);
    } catch {
      /* a damaged manifest keeps nothing alive; fsck reports it */
    }
  };
  for await (const o of objects.list('manifests/')) {
    await checkpoint();
    const oid = /^manifests\/([0-9a-f]{64})\.json$/.exec(o.name)?.[1];
    if (!oid) continue;
    if (opts.keep.has(oid) || o.mtimeMs >= cutoff || !(await stillOld(o.name))) {
      await keepManifest(oid, o.name);
      continue;
    }
    result.manifestsRemoved++;
    await remove(o.name);
  }

  const collectXorb = async (xorb: string, x: XorbObjects) => {
    await checkpoint();
    const table = `xorbs/${xorb}.table`;
    const data = `xorbs/${xorb}.xorb`;
    if (live.has(xorb) || (x.table ?? -Infinity) >= cutoff || (x.data?.mtimeMs ?? -Infinity) >= cutoff) {
      result.xorbsKept++;
      return;
    }
    // unpublish first (the table), then the bytes unless a writer uploaded them again meanwhile
    if (x.table !== undefined && !(await stillOld(table))) {
      result.xorbsKept++;
      return;
    }
    result.xorbsRemoved++;
    result.bytesFreed += x.data?.size ?? 0;
    if (x.table !== undefined) await remove(table);
    if (!dryRun) opts.index?.removeXorb(xorb);
    if (x.data !== undefined && (await stillOld(data))) await remove(data);
  };
  let current: { xorb: string; objects: XorbObjects } | undefined;
  for await (const o of objects.list('xorbs/')) {
    const m = /^xorbs\/([0-9a-f]{64})\.(table|xorb)$/.exec(o.name);
    if (!m) continue;
    if (current?.xorb !== m[1]) {
      if (current) await collectXorb(current.xorb, current.objects);
      current = { xorb: m[1], objects: {} };
    }
    if (m[2] === 'table') current.objects.table = o.mtimeMs;
    else current.objects.data = { size: o.size, mtimeMs: o.mtimeMs };
  }
  if (current) await collectXorb(current.xorb, current.objects);

  for await (const o of objects.list('xet-files/')) {
    await checkpoint();
    if (o.mtimeMs >= cutoff) continue;
    const bytes = await objects.get(o.name);
    const oid = bytes && parseEntry(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    if (oid && (manifests.has(oid) || (await objects.stat(`manifests/${oid}.json`)) !== undefined)) continue;
    if (!(await stillOld(o.name))) continue;
    result.xetEntriesRemoved++;
    await remove(o.name);
    // a writer registers the manifest before its entries and skips an entry that exists: if the
    // manifest appeared meanwhile, that writer may have skipped this one, so it is put back
    if (!dryRun && (await objects.stat(`manifests/${oid}.json`)) !== undefined) {
      await objects.put(o.name, bytes!, 'text/plain');
      result.xetEntriesRemoved--;
    }
  }

  for await (const u of objects.listUploads()) {
    await checkpoint();
    if (u.startedMs >= cutoff) continue;
    result.uploadsAborted++;
    if (!dryRun) await objects.abortUpload(u.name, u.uploadId);
  }
  return result;
}
