/**
 * The worker jobs of hub serve's Xet CAS (work-jobs.ts runs them): each reads or verifies what
 * grows with a xorb, a shard or a batch, off the event loop.
 */
import { readFileSync } from 'node:fs';
import { dedupCandidates, dedupShard, type DedupCandidates, type DedupXorb } from '../store/xet-dedup.js';
import { readXetShard, registerXetShard, type XetShardFile, type XetShardSummary } from '../store/xet-shard-register.js';
import { importXetXorb, type XetXorbImported } from '../store/xet-xorb-import.js';
import type { FileManifest } from '../formats/manifest.js';
import { fetchTerms, termLayouts } from '../store/chunk-api.js';
import type { JobContext } from './job-context.js';
import { planReconstruction, type ReconstructionPlan } from './xet-reconstruction.js';

/** The Xet jobs, by name. */
export const XET_JOBS = {
  /** Verifies the received Xet xorb file `tmp` and stores it as `xorb`, uncompressed (store/xet-xorb-import.ts). */
  async importXetXorb(ctx: JobContext, a: { tmp: string; xorb: string }): Promise<XetXorbImported> {
    return await importXetXorb(ctx.store, a.tmp, a.xorb);
  },
  /** Parses the shard upload in file `path`: what it names, for the access check (store/xet-shard-register.ts). */
  async readXetShard(_ctx: JobContext, a: { path: string }): Promise<XetShardSummary> {
    return readXetShard(readFileSync(a.path));
  },
  /** Checks the shard upload in file `path` against the store and registers its files (store/xet-shard-register.ts). */
  async registerXetShard(ctx: JobContext, a: { path: string }): Promise<XetShardFile[]> {
    return registerXetShard(ctx.store, readFileSync(a.path));
  },
  /** The Xet file hash of the store's manifest of each of `oids` (those it has), each recorded as naming its oid. */
  async xetHashes(ctx: JobContext, a: { oids: string[] }): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const oid of a.oids) {
      const manifest = await ctx.store.manifests.readAsync(oid);
      if (!manifest) continue;
      await ctx.store.xetFiles.recordFile(manifest.xetHash, oid);
      out[oid] = manifest.xetHash;
    }
    return out;
  },
  /**
   * The reconstruction of bytes [start, end) of the file `manifest` describes (xet-reconstruction.ts):
   * its xorbs' headers read here, and only the plan (a few values per term) sent back; with
   * `chunkHashes`, each term's chunk hashes and lengths too (from the chunk index: hub's extension).
   */
  async xetReconstruction(ctx: JobContext, a: { manifest: FileManifest; start: number; end: number; chunkHashes?: boolean }): Promise<ReconstructionPlan> {
    const hashes = a.chunkHashes === true;
    const load = () => (hashes ? fetchTerms(ctx.store, a.manifest) : termLayouts(ctx.store, a.manifest));
    return planReconstruction(await (ctx.layouts ? ctx.layouts.get(a.manifest, hashes, load) : load()), a.start, a.end);
  },
  /** Where a dedup query's chunk is, and the xorbs worth describing with it (store/xet-dedup.ts). */
  async xetDedupCandidates(ctx: JobContext, a: { chunk: string }): Promise<DedupCandidates | null> {
    return dedupCandidates(ctx.store, a.chunk);
  },
  /** A global dedup answer describing `xorbs` (store/xet-dedup.ts). */
  async xetDedupShard(ctx: JobContext, a: { xorbs: DedupXorb[] }): Promise<Uint8Array> {
    return dedupShard(ctx.store, a.xorbs);
  },
};
