/**
 * Entry point of a worker thread of `hub serve` (work-pool.ts): opens its own Store on the
 * server's content store the first time a job needs one, then runs the jobs it is sent, one at
 * a time, answering each with `{ok, value}` or `{ok: false, error}`.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../store/store.js';
import { runJob, serializeError, type JobName } from './work-jobs.js';

/** The nice value of worker threads (the event loop's thread keeps the process's). */
const WORKER_NICE = 10;

const { storeRoot, env } = workerData as { storeRoot: string; env: NodeJS.ProcessEnv };

// Bulk hashing yields the CPU to the event loop: on Linux the nice value is per thread, and 0
// names the calling one, so this lowers this worker's priority only. Elsewhere it may lower the
// whole process or fail; either is harmless.
try {
  setPriority(0, WORKER_NICE);
} catch {
  // not permitted here: run at the normal priority
}
let store: Promise<Store> | undefined;

parentPort!.on('message', (m: { id: number; name: JobName; args: never }) => {
  void (async () => {
    try {
      store ??= Store.open(storeRoot, env);
      const value = await runJob({ store: await store }, m.name, m.args);
      parentPort!.postMessage({ ok: true, value });
    } catch (err) {
      parentPort!.postMessage({ ok: false, error: serializeError(err) });
    }
  })();
});
