/**
 * The loop of a content worker thread, loaded by content-worker.ts once the thread has its
 * priority: opens the server's store once, then runs one task at a time and answers each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HubError } from '../../errors.js';
import { Store } from '../../store/store.js';
import type { FromWorker, ToWorker, WorkerSetup } from './content-worker-messages.js';
import { waitForQuiet } from './request-quiet.js';
import { runContentTask } from './content-tasks.js';
import { GitObjects } from './git-objects.js';
import { StoreReader } from './store-reader.js';

const port = parentPort!;
const { storeDir, storage, env, busy, pauseMs, quietMs } = workerData as WorkerSetup; // (the pool passes both; waitForQuiet has the defaults)
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
