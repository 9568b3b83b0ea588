/**
 * The V8 heap limits of the server's worker threads (work-pool.ts, web/content-pool.ts). Their
 * jobs hash, parse and compare with few short-lived JavaScript objects, yet V8 grew each
 * worker's young generation to its default 32 MiB (two 16 MiB semi-spaces), kept resident
 * between jobs: with four workers, a third of the server's memory. A small young generation
 * costs them nothing measurable (a scavenge's cost follows what survives, not the space).
 */
import type { ResourceLimits } from 'node:worker_threads';

/** Resource limits for every worker thread of `hub serve`. */
export const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 6 };
