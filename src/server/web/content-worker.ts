/**
 * Entry point of a content worker thread (content-pool.ts): opens the server's store once, then
 * runs one task at a time (content-tasks.ts) and answers with its result as JSON text, or with
 * the error (name, code, message, exit code). A diff asks the request thread which LFS objects
 * the repository holds (`held`): the metadata lives there. A page worker runs at the process's
 * priority; the background worker at the background nice value, and before each task
 * and each read of stored content it waits while pages are being answered (the pool's shared
 * count), at most a second at a time (`pauseMs`) so that it still advances under a steady
 * stream of pages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HubError } from '../../errors.js';
import type { StorageLocation } from '../../store/storage-location.js';
import { Store } from '../../store/store.js';
import { lowerPriority } from '../background-priority.js';
import { runContentTask, type ContentTask } from './content-tasks.js';
import { GitObjects } from './git-objects.js';
import { StoreReader } from './store-reader.js';

/** What a worker is started with. */
export interface WorkerSetup {
  storeDir: string;
  /** Where the store's xorbs and manifests live (default: the store folder). */
  storage?: StorageLocation;
  env: NodeJS.ProcessEnv;
  /** Set for the background worker: how many pages are being answered (it waits while not 0)... */
  pages?: Int32Array;
  /** ...for at most this long at a time. */
  pauseMs?: number;
}

/** A message from the request thread. */
export type ToWorker = { id: number; task: ContentTask } | { answer: number; held: boolean[] };

/** A message to the request thread. */
export type FromWorker =
  | { id: number; json: string }
  | { id: number; error: { name: string; code?: string; message: string; exitCode?: number } }
  | { id: number; ask: number; oids: string[] };

const port = parentPort!;
const { storeDir, storage, env, pages, pauseMs = 1000 } = workerData as WorkerSetup;
// per-thread nice on Linux. Page work is what a visitor waits for, and it is bounded (headers, a
// table's first rows, a card, a diff without content), so it keeps the process's priority (at
// nice 10 it would wait behind every other busy process of the machine). Work computed ahead
// runs at the background nice value, like the server's git processes, and pauses for pages.
if (pages) lowerPriority(0);

/** Waits while pages are being answered, up to `pauseMs`. */
function yieldToPages(count: Int32Array): void {
  const until = performance.now() + pauseMs;
  for (;;) {
    const n = Atomics.load(count, 0);
    const left = until - performance.now();
    if (n <= 0 || left <= 0) return;
    Atomics.wait(count, 0, n, left);
  }
}

const store = await Store.open(storeDir, env, { storage });
const reader = new StoreReader(store, undefined, pages ? () => yieldToPages(pages) : undefined);
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
  if (pages) yieldToPages(pages);
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
if (!pages) setImmediate(() => void import('./markdown.js').catch(() => {}));
