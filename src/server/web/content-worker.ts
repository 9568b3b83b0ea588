/**
 * Entry point of a content worker thread (content-pool.ts): opens the server's store once, then
 * runs one task at a time (content-tasks.ts) and answers with its result as JSON text, or with
 * the error (name, code, message, exit code). A diff asks the request thread which LFS objects
 * the repository holds (`held`): the metadata lives there. A page worker runs at the process's
 * priority; the background worker at the idle nice value (19), and before each read of stored
 * content it waits while the server answers requests (the pool's shared count) and until none has
 * been answered for `quietMs` (a clone's requests come tens of milliseconds apart), at most
 * `pauseMs` at a time so that it still advances under a steady stream of requests. (When a task
 * starts is the pool's to decide, by the same count: it does not wait here a second time.)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HubError } from '../../errors.js';
import type { StorageLocation } from '../../store/storage-location.js';
import { Store } from '../../store/store.js';
import { IDLE_NICE, lowerPriority } from '../background-priority.js';
import { PAUSE_MS, QUIET_MS, waitForQuiet } from './request-quiet.js';
import { runContentTask, type ContentTask } from './content-tasks.js';
import { GitObjects } from './git-objects.js';
import { StoreReader } from './store-reader.js';

/** What a worker is started with. */
export interface WorkerSetup {
  storeDir: string;
  /** Where the store's xorbs and manifests live (default: the store folder). */
  storage?: StorageLocation;
  env: NodeJS.ProcessEnv;
  /** Set for the background worker: how many requests are being answered, and when the last ended (content-pool.ts)... */
  busy?: Int32Array;
  /** ...for at most this long at a time... */
  pauseMs?: number;
  /** ...and until none was answered for this long. */
  quietMs?: number;
}

/** A message from the request thread. */
export type ToWorker = { id: number; task: ContentTask } | { answer: number; held: boolean[] };

/** A message to the request thread. */
export type FromWorker =
  | { id: number; json: string }
  | { id: number; error: { name: string; code?: string; message: string; exitCode?: number } }
  | { id: number; ask: number; oids: string[] };

const port = parentPort!;
const { storeDir, storage, env, busy, pauseMs = PAUSE_MS, quietMs = QUIET_MS } = workerData as WorkerSetup;
// per-thread nice on Linux. Page work is what a visitor waits for, and it is bounded (headers, a
// table's first rows, a card, a diff without content), so it keeps the process's priority (at
// nice 10 it would wait behind every other busy process of the machine). Work computed ahead
// runs at the idle nice value (below the server's git processes) and pauses for requests.
if (busy) lowerPriority(0, IDLE_NICE);

const store = await Store.open(storeDir, env, { storage });
const reader = new StoreReader(store, undefined, busy ? () => waitForQuiet(busy, pauseMs, quietMs) : undefined);
const objects = new GitObjects({ repos: 4 });
const asks = new Map<number, (held: boolean[]) => void>();
let nextAsk = 0;

port.on('message', (msg: ToWorker) => {
  if ('answer' in msg) {
    asks.get(msg.answer)?.(msg.held);
    asks.delete(msg.answer);
    return;
  }
  const { id, task } = msg;
  const held = (oids: string[]) =>
    new Promise<boolean[]>((resolve) => {
      const ask = nextAsk++;
      asks.set(ask, resolve);
      port.postMessage({ id, ask, oids } satisfies FromWorker);
    });
  runContentTask({ reader, objects, held }, task).then(
    (result) => {
      reader.trim();
      port.postMessage({ id, json: JSON.stringify(result) } satisfies FromWorker);
    },
    (err: unknown) => {
      reader.trim();
      const e = err instanceof Error ? err : new Error(String(err));
      const hub = err instanceof HubError ? { code: err.code, exitCode: err.exitCode } : {};
      port.postMessage({ id, error: { name: e.name, message: e.message, ...hub } } satisfies FromWorker);
    },
  );
});

// a page worker loads the Markdown renderer (about 100 ms) now rather than on a visitor's first model card
if (!busy) setImmediate(() => void import('./markdown.js').catch(() => {}));
