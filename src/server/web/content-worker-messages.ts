/**
 * What the request thread and a content worker thread (content-pool.ts, content-worker.ts,
 * content-worker-loop.ts) pass each other: the worker's start-up data and the messages each way.
 */
import type { StorageLocation } from '../../store/storage-location.js';
import type { ContentTask } from './content-tasks.js';

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
