/**
 * Garbage collection of a `hub serve` root (`hub gc --root DIR`, on the server machine): what
 * keeps content alive on a server is not a registered working repository, as in a user's store,
 * but an object some repository holds (the metadata's object records). Stored files no repository
 * holds (a deleted repository's, an upload never registered) and the xorbs only they used are
 * removed once older than the grace period; the store's exclusive lock makes gc wait for the
 * servers' writes in progress (each holds the lock shared while it receives or registers), and
 * the grace period covers an upload whose registration comes later (xorbs first, then the file).
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { gc, type GcResult } from '../store/gc.js';
import { Store } from '../store/store.js';
import { rootObjectStorage } from './root-storage.js';
import { openServerMetadata } from './server-root.js';

/** What server gc removed, and how many objects the repositories hold. */
export interface ServerGcResult extends GcResult {
  repositories: number;
  objectsHeld: number;
}

/** Collects the garbage of the server root `root`, whose metadata is `database` (a `postgres://` URL) or `<root>/meta.sqlite`. */
export async function collectServerGarbage(root: string, opts: { database?: string; graceMs: number; dryRun?: boolean; signal?: AbortSignal; env?: NodeJS.ProcessEnv }): Promise<ServerGcResult> {
  const remote = rootObjectStorage(root);
  if (remote) {
    // the folder holds no xorb or manifest: collecting it would remove nothing but the index rows of the bucket's xorbs
    throw new UsageError(`the server of ${root} keeps its content in ${remote}: hub gc --root cannot collect a bucket yet (nothing was removed)`, { data: { root, storage: remote } }, 'gc_on_object_store');
  }
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
  const store = await Store.open(join(root, 'store'), opts.env);
  try {
    // objects registered after the list was read are younger than any sane grace period
    const result = await gc(store, { keep, graceMs: opts.graceMs, dryRun: opts.dryRun, signal: opts.signal });
    return { ...result, repositories, objectsHeld: keep.size };
  } finally {
    store.close();
  }
}
