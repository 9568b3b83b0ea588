/**
 * A repository of `hub serve` comes to hold an LFS object in one place: the object row and the
 * xorb ranges its manifest references are recorded together, so the repository can serve those
 * ranges and no others (chunk-visibility.ts, docs/protocol.md "Visibility"). Databases from
 * before those ranges existed are filled in from the store at server start.
 */
import { servedRanges, type ServedRange } from '../store/chunk-api.js';
import type { Store } from '../store/store.js';
import type { Metadata } from './metadata.js';

/**
 * Records that repository `repoId` holds `oid` with `ranges`, the xorb ranges the store's
 * manifest of it references (computed on a worker by the job that stored or checked it: reading
 * them means opening every xorb, O(file) work kept off the event loop). `wroteManifest`: the
 * store's manifest of `oid` was just written (new, or replacing a damaged one), so every
 * repository already holding `oid` may serve its ranges too: they are the same bytes, which those
 * repositories serve already.
 */
export async function holdObject(meta: Metadata, repoId: number, oid: string, size: number, wroteManifest: boolean, ranges: readonly ServedRange[]): Promise<void> {
  if (wroteManifest) await meta.visibility.addRangesToHolders(oid, ranges);
  await meta.addObject(repoId, oid, size, ranges);
}

/**
 * Records the served ranges of every object held before the metadata had them (schema version
 * 1), from the store's manifests; returns how many objects it did. An object whose manifest is
 * missing or damaged stays queued and unservable through the chunk API (`hub fsck` names it).
 * Runs once at server start, before any request.
 */
export async function backfillServedRanges(store: Store, meta: Metadata): Promise<number> {
  let done = 0;
  const failed = new Set<string>();
  for (;;) {
    const queue = (await meta.visibility.backfillQueue(1000 + failed.size)).filter((q) => !failed.has(`${q.repoId} ${q.oid}`));
    if (queue.length === 0) return done;
    for (const { repoId, oid } of queue) {
      let ranges;
      try {
        const manifest = await store.manifests.readAsync(oid);
        if (!manifest) throw new Error('no manifest');
        ranges = await servedRanges(store, manifest);
      } catch {
        failed.add(`${repoId} ${oid}`);
        continue;
      }
      await meta.visibility.completeBackfill(repoId, oid, ranges);
      done++;
    }
  }
}
