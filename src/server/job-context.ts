/** What a job of the server's worker threads runs with (work-jobs.ts). */
import type { Store } from '../store/store.js';
import type { LayoutCache } from './layout-cache.js';

/** The Store of the job's thread, and what the thread keeps between jobs. */
export interface JobContext {
  store: Store;
  /** The thread's recent term layouts (none when jobs run inline). */
  layouts?: LayoutCache;
}
