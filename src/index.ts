/**
 * hub's programmatic API: the same use cases the CLI runs, returning plain data. Each takes a
 * CoreContext ({ cwd, env, progress, signal }); errors are HubError subclasses with an exit code;
 * aborting the signal stops the work (it rejects with the signal's reason, temporary files removed).
 */
export type { CoreContext } from './core/context.js';
export { chunkFile, type ChunkEntry, type ChunkListing } from './core/store/chunk-file.js';
export { storeAdd, type StoreAddResult } from './core/store/store-add.js';
export { storeCat, resolveObjectRef } from './core/store/store-cat.js';
export { checkStore, measureStore, collectGarbage, registerRepository, type CollectResult } from './core/store/store-maintenance.js';
export type { AddResult } from './store/ingest.js';
export type { FsckReport, FsckProblem } from './store/fsck.js';
export type { StoreUsage } from './store/usage.js';
export type { CatResult } from './store/reassemble.js';
export * from './errors.js';
export type { ProgressEvent, ProgressSink } from './progress.js';
export { silentProgress } from './progress.js';
