/**
 * Entry point of a content worker thread (content-pool.ts): opens the server's store once, then
 * runs one task at a time (content-tasks.ts) and answers with its result as JSON text, or with
 * the error (name, code, message, exit code). A diff asks the request thread which LFS objects
 * the repository holds (`held`): the metadata lives there.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HubError } from '../../errors.js';
import { Store } from '../../store/store.js';
import { lowerPriority } from '../background-priority.js';
import { runContentTask, type ContentTask } from './content-tasks.js';
import { StoreReader } from './web-sources.js';

// page content work yields the CPU to the event loop (per-thread nice on Linux)
lowerPriority(0);

/** A message from the request thread. */
export type ToWorker = { id: number; task: ContentTask } | { answer: number; held: boolean[] };

/** A message to the request thread. */
export type FromWorker =
  | { id: number; json: string }
  | { id: number; error: { name: string; code?: string; message: string; exitCode?: number } }
  | { id: number; ask: number; oids: string[] };

const port = parentPort!;
const { storeDir, env } = workerData as { storeDir: string; env: NodeJS.ProcessEnv };
const store = await Store.open(storeDir, env);
const reader = new StoreReader(store);
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
  runContentTask({ reader, held }, task).then(
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
