/**
 * The jobs of the server's worker threads (work-pool.ts): each is O(file) or O(body) work that
 * must not run on the event loop, takes plain data (structured-cloneable, buffers movable) and
 * returns small plain data. Errors cross the thread boundary as {@link SerializedError} and
 * are rebuilt with their class.
 */
import { parseManifest, type FileManifest } from '../formats/manifest.js';
import { parseJsonBody } from './json-scan.js';
import { fetchTerms, importXorb, locateChunks, mergeRanges, xorbChunkCounts, registerManifest, servedRanges, type FetchTerm, type Registered, type ServedRange } from '../store/chunk-api.js';
import { IntegrityError } from '../errors.js';
import { addFile } from '../store/ingest.js';
import type { Store } from '../store/store.js';
import { lfsPlan, type AttributeFile, type LfsPlan } from './hf-attributes.js';
import { stageCreateBody, stageJsonPayload, stageLine, type CreateFields, type StagedLine, type StagedOperation } from './hf-commit-stage.js';
import type { CommitHeader } from './hf-commit-payload.js';
import { preuploadAnswer } from './hf-preupload.js';
import { recordXetManifest } from '../store/xet-manifest-record.js';
import { XET_JOBS } from './xet-jobs.js';

/** What a job runs with: the Store of its thread. */
export type { JobContext } from './job-context.js';
import type { JobContext } from './job-context.js';

/** The jobs, by name. */
export const JOBS = {
  /** Nothing: a worker that answers has opened its Store (work-pool.ts `warm`). */
  async ping(_ctx: JobContext, _a: Record<string, never>): Promise<true> {
    return true;
  },
  /**
   * Chunks the file at `path` into the store (store/ingest.ts); its oid, size and the xorb ranges
   * of the store's manifest of it. `expectSha256`: the oid the bytes must hash to (an upload), else
   * IntegrityError `hash_mismatch` before any manifest is written.
   */
  async addFile(ctx: JobContext, a: { path: string; expectSha256?: string }): Promise<{ oid: string; size: number; alreadyStored: boolean; ranges: ServedRange[] }> {
    const r = await addFile(ctx.store, a.path, undefined, undefined, a.expectSha256);
    return { oid: r.oid, size: r.size, alreadyStored: r.alreadyStored, ranges: await storedRanges(ctx.store, r.oid) };
  },
  /** Checks `manifest` against the store's bytes, then writes it; with the xorb ranges it references (store/chunk-api.ts). */
  async registerManifest(ctx: JobContext, a: { manifest: FileManifest }): Promise<Registered> {
    const r = await registerManifest(ctx.store, a.manifest);
    await recordXetManifest(ctx.store, a.manifest); // verified: a Xet CAS may be asked for it by its hash and first chunk
    return r;
  },
  /**
   * Reads a manifest upload (JSON scan, parse, validation) off the event loop: its oid, size and
   * the chunk runs it names, merged per xorb (what the access check needs, however many terms).
   */
  async readManifestBody(_ctx: JobContext, a: { body: Uint8Array }): Promise<{ oid: string; size: number; runs: { xorb: string; chunkStart: number; chunkEnd: number }[] }> {
    const manifest = manifestOfBody(a.body);
    const runs = mergeRanges(manifest.terms.map((t) => ({ xorb: t.xorb, chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, start: 0, end: 0 })));
    return { oid: manifest.oid, size: manifest.size, runs: runs.map(({ xorb, chunkStart, chunkEnd }) => ({ xorb, chunkStart, chunkEnd })) };
  },
  /** registerManifest of a manifest upload, parsed here again (sending the bytes costs less than cloning 6,000 terms). */
  async registerManifestBody(ctx: JobContext, a: { body: Uint8Array }): Promise<Registered> {
    const manifest = manifestOfBody(a.body);
    const r = await registerManifest(ctx.store, manifest);
    await recordXetManifest(ctx.store, manifest);
    return r;
  },
  /** Verifies and imports the received xorb file `tmp` as `xorb` (store/chunk-api.ts). */
  async importXorb(ctx: JobContext, a: { tmp: string; xorb: string }): Promise<{ xorb: string; chunks: number; bytes: number }> {
    return importXorb(ctx.store, a.tmp, a.xorb);
  },
  /** Where the store holds each of `hashes` (null: no such chunk); the caller decides what the asker may know (store/chunk-api.ts). */
  async locateChunks(ctx: JobContext, a: { hashes: string[] }): Promise<({ xorb: string; index: number } | null)[]> {
    return locateChunks(ctx.store, a.hashes);
  },
  /** How many chunks the store holds of each of `xorbs` (null: not stored); the caller decides what the asker may know. */
  async xorbChunkCounts(ctx: JobContext, a: { xorbs: string[] }): Promise<(number | null)[]> {
    return xorbChunkCounts(ctx.store, a.xorbs);
  },
  /** The terms of `manifest` with the xorb byte ranges and chunk hashes a client fetches them with (store/chunk-api.ts). */
  async fetchTerms(ctx: JobContext, a: { manifest: FileManifest }): Promise<FetchTerm[]> {
    return fetchTerms(ctx.store, a.manifest);
  },
  /** Parses and stages one NDJSON line of an HF commit (hf-commit-stage.ts). */
  async stageLine(_ctx: JobContext, a: { line: Uint8Array; lineNo: number; first: boolean; tmp: string }): Promise<StagedLine> {
    return stageLine(a.line, a.lineNo, a.first, a.tmp);
  },
  /** Parses and stages a JSON HF commit payload (hf-commit-stage.ts). */
  async stageJson(_ctx: JobContext, a: { body: Uint8Array; workDir: string }): Promise<{ header: CommitHeader; operations: StagedOperation[] }> {
    return stageJsonPayload(a.body, a.workDir);
  },
  /** Parses a repository-creation body and stages its files (hf-commit-stage.ts). */
  async stageCreate(_ctx: JobContext, a: { body: Uint8Array; workDir: string }): Promise<{ fields: CreateFields; operations: StagedOperation[] }> {
    return stageCreateBody(a.body, a.workDir);
  },
  /** The preupload answer (hf-preupload.ts). */
  async preupload(_ctx: JobContext, a: { dir: string; tip?: string; body: Uint8Array }): Promise<string> {
    return preuploadAnswer(a);
  },
  /** Which paths of a new tree are LFS, and the root `.gitattributes` for untracked pointers (hf-attributes.ts). */
  async lfsPlan(_ctx: JobContext, a: { dir: string; files: AttributeFile[]; paths: string[]; track: string[]; rootOut: string }): Promise<LfsPlan> {
    return lfsPlan(a);
  },
  ...XET_JOBS,
};

/** The xorb ranges of the store's manifest of `oid` (the one a repository holding it serves); records what a Xet CAS looks it up by (xet-files.ts). */
async function storedRanges(store: Store, oid: string): Promise<ServedRange[]> {
  const manifest = await store.manifests.readAsync(oid);
  if (!manifest) throw new IntegrityError(`the store has no manifest of ${oid}`, { data: { oid } }, 'missing_manifest');
  await recordXetManifest(store, manifest);
  return servedRanges(store, manifest);
}

/** A job's name. */
export type JobName = keyof typeof JOBS;
/** A job's arguments. */
export type JobArgs<K extends JobName> = Parameters<(typeof JOBS)[K]>[1];
/** What a job resolves with. */
export type JobResult<K extends JobName> = Awaited<ReturnType<(typeof JOBS)[K]>>;

/** An error as it crosses from a worker. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  status?: number;
  headers?: Record<string, string>;
  data?: Record<string, unknown>;
}

/** Runs job `name` with `args` on this thread. */
export function runJob<K extends JobName>(ctx: JobContext, name: K, args: JobArgs<K>): Promise<JobResult<K>> {
  const job = JOBS[name] as (ctx: JobContext, a: JobArgs<K>) => Promise<JobResult<K>>;
  return job(ctx, args);
}

/** `err` as plain data for postMessage. */
export function serializeError(err: unknown): SerializedError {
  const e = err as { name?: string; constructor?: { name?: string }; message?: string; code?: unknown; status?: unknown; headers?: unknown; data?: unknown };
  const name = e?.constructor?.name ?? 'Error';
  return {
    name,
    message: String(e?.message ?? err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.status === 'number' ? { status: e.status, headers: e.headers as Record<string, string> } : {}),
    ...(e?.data && typeof e.data === 'object' ? { data: JSON.parse(JSON.stringify(e.data)) as Record<string, unknown> } : {}),
  };
}

/** The manifest a request body holds (400 for JSON that is not, FormatError for a bad manifest), as putReconstruction read it before. */
function manifestOfBody(body: Uint8Array): FileManifest {
  return parseManifest(JSON.stringify(parseJsonBody(body)));
}
