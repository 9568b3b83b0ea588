/**
 * Entry point of a worker thread of `hub serve` (work-pool.ts): opens its own Store on the
 * server's content store the first time a job needs one, then runs the jobs it is sent, one at
 * a time, answering each with `{ok, value}` or `{ok: false, error}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { StorageLocation } from '../store/storage-location.js';
import { Store } from '../store/store.js';
import { lowerPriority } from './background-priority.js';
import { LayoutCache } from './layout-cache.js';
import { runJob, serializeError, type JobName } from './work-jobs.js';

// Bulk hashing yields the CPU to the event loop: on Linux the nice value is per thread, and 0
// names the calling one, so this lowers this worker's priority only.
lowerPriority(0);

const { storeRoot, storage, env } = workerData as { storeRoot: string; storage: StorageLocation; env: NodeJS.ProcessEnv };
let store: Promise<Store> | undefined;
const layouts = new LayoutCache();

parentPort!.on('message', (m: { id: number; name: JobName; args: never }) => {
  void (async () => {
    try {
      store ??= Store.open(storeRoot, env, { storage });
      const value = await runJob({ store: await store, layouts }, m.name, m.args);
      parentPort!.postMessage({ ok: true, value });
    } catch (err) {
      parentPort!.postMessage({ ok: false, error: serializeError(err) });
    }
  })();
});
