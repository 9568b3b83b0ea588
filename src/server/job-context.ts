/** What a job of the server's worker threads runs with (work-jobs.ts). */
import type { Store } from '../store/store.js';

/** The Store of the job's thread. */
export interface JobContext {
  store: Store;
}
