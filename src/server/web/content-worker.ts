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
 * This module only lowers the thread's priority; the worker's modules (the store, git, the
 * formats: a few hundred milliseconds of CPU) load after it, in content-worker-loop.ts.
 */
import { workerData } from 'node:worker_threads';
import { IDLE_NICE, lowerPriority } from '../background-priority.js';
import type { WorkerSetup } from './content-worker-messages.js';

// per-thread nice on Linux, set before anything else loads. Page work is what a visitor waits
// for, and it is bounded (headers, a table's first rows, a card, a diff without content), so it
// keeps the process's priority (at nice 10 it would wait behind every other busy process of the
// machine). Work computed ahead runs at the idle nice value (below the server's git processes),
// from its first module on, and pauses for requests.
if ((workerData as WorkerSetup).busy) lowerPriority(0, IDLE_NICE);
await import('./content-worker-loop.js');
