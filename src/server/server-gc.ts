/**
 * Garbage collection of a `hub serve` root (`hub gc --root DIR`, on the server machine): what
 * keeps content alive on a server is not a registered working repository, as in a user's store,
 * but an object some repository holds (the metadata's object records). Stored files no repository
 * holds (a deleted repository's, an upload never registered) and the xorbs only they used are
 * removed once older than the grace period.
 *
 * Local store: the store's exclusive lock makes gc wait for the servers' writes in progress (each
 * holds the lock shared while it receives or registers), and the grace period covers an upload
 * whose registration comes later (xorbs first, then the file). A bucket (`--storage s3://...`,
 * shared by servers on other machines): no lock reaches them; the grace period by the objects'
 * modification times and the writers' touches do (store/s3-gc.ts states the argument).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { ChunkIndex } from '../store/chunk-index.js';
import { gc, removeTmpFiles, DEFAULT_GC_GRACE_MS, type GcResult } from '../store/gc.js';
import { storePaths } from '../store/paths.js';
import { Store } from '../store/store.js';
import type { StorageLocation } from '../store/storage-location.js';
import { checkRootStorage } from './root-storage.js';
import { openServerMetadata } from './server-root.js';

/** What server gc removed, and how many objects the repositories hold. */
export interface ServerGcResult extends GcResult {
  repositories: number;
  objectsHeld: number;
  /** With object storage: Xet lookup entries whose file is gone, and abandoned multipart uploads. */
  xetEntriesRemoved?: number;
  uploadsAborted?: number;
}

/**
 * Collects the garbage of the server root `root`, whose metadata is `database` (a `postgres://`
 * URL) or `<root>/meta.sqlite`, and whose content is in `storage` (default: the root's store).
 */
export async function collectServerGarbage(
  root: string,
  opts: { database?: string; storage?: StorageLocation; graceMs: number; dryRun?: boolean; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<ServerGcResult> {
  const storage = opts.storage ?? { kind: 'local' };
  checkRootStorage(root, storage, 'hub gc --root');
  const meta = await openServerMetadata(root, opts.database);
  let keep: Set<string>;
  let repositories: number;
  try {
    const repos = await meta.listRepos();
    repositories = repos.length;
    keep = new Set<string>();
    for (const r of repos) for (const o of await meta.listObjects(r.id)) keep.add(o.oid);
  } finally {
    await meta.close();
  }
  // objects registered after the list was read are younger than any sane grace period (or were touched: s3-gc.ts)
  if (storage.kind === 's3') return { ...(await collectBucket(root, storage, keep, opts)), repositories, objectsHeld: keep.size };
  const store = await Store.open(join(root, 'store'), opts.env);
  try {
    const result = await gc(store, { keep, graceMs: opts.graceMs, dryRun: opts.dryRun, signal: opts.signal });
    return { ...result, repositories, objectsHeld: keep.size };
  } finally {
    store.close();
  }
}

async function collectBucket(root: string, storage: StorageLocation & { kind: 's3' }, keep: Set<string>, opts: { graceMs: number; dryRun?: boolean; signal?: AbortSignal; env?: NodeJS.ProcessEnv }) {
  if (!(opts.graceMs >= 1000)) throw new UsageError('--grace 0 on a bucket would remove what servers elsewhere are writing: give at least 1 second', {}, 'bad_grace');
  const { S3Objects } = await import('../store/s3-objects.js'); // the AWS SDK loads only for a bucket
  const { gcObjectStore } = await import('../store/s3-gc.js');
  const objects = new S3Objects(storage, opts.env);
  const paths = storePaths(join(root, 'store'));
  mkdirSync(paths.root, { recursive: true }); // an admin root of a server elsewhere may have no store folder yet
  const index = new ChunkIndex(paths.index);
  try {
    await objects.ensureBucket();
    const result = await gcObjectStore(objects, { keep, graceMs: opts.graceMs, dryRun: opts.dryRun, signal: opts.signal, index });
    result.tmpFilesRemoved = removeTmpFiles(paths, Date.now() - (opts.graceMs ?? DEFAULT_GC_GRACE_MS), opts.dryRun ?? false);
    return result;
  } finally {
    index.close();
    objects.close();
  }
}
