/**
 * lstat of many working-tree paths at once, as git's preload-index does: on a large tree the
 * calls are shared between worker threads, one per core (at most four), so that the system
 * calls, which dominate `hub status` on an unchanged tree, run in parallel while the caller's
 * thread does other work (reading the index). Small trees, and runs from the TypeScript sources
 * (no built worker script), lstat on the calling thread.
 */
import { existsSync, lstatSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromFsError } from '../errors.js';
import { packStat, STAT_FIELDS } from './lstat-pack.js';

/** Below this many paths a worker (about 30 ms to start) does not pay for itself. */
const PARALLEL_MIN = 20_000;
const MAX_WORKERS = 4;

/** lstat of `workdir/path` on this thread; undefined when it is gone (or a parent is no longer a directory). */
export function lstatQuiet(full: string): import('node:fs').BigIntStats | undefined {
  try {
    return lstatSync(full, { bigint: true, throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw fromFsError(err, full);
  }
}

/** The packed lstat ({@link STAT_FIELDS} slots each, lstat-pack.ts) of every path, relative to `workdir`, in order. */
export async function lstatMany(workdir: string, paths: readonly string[]): Promise<BigInt64Array> {
  const script = fileURLToPath(new URL('./lstat-worker.js', import.meta.url));
  const workers = Math.min(MAX_WORKERS, availableParallelism());
  if (paths.length < PARALLEL_MIN || workers < 2 || !existsSync(script)) {
    const out = new BigInt64Array(paths.length * STAT_FIELDS);
    for (let i = 0; i < paths.length; i++) packStat(lstatQuiet(`${workdir}/${paths[i]}`), out, i);
    return out;
  }
  const share = Math.ceil(paths.length / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, k) => runWorker(script, workdir, paths.slice(k * share, (k + 1) * share))),
  );
  const out = new BigInt64Array(paths.length * STAT_FIELDS);
  parts.forEach((part, k) => out.set(part, k * share * STAT_FIELDS));
  return out;
}

function runWorker(script: string, workdir: string, paths: string[]): Promise<BigInt64Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { workdir, paths } });
    worker.once('message', (m: { ok: true; stats: BigInt64Array } | { ok: false; message: string; code?: string; path?: string }) => {
      void worker.terminate();
      if (m.ok) resolve(m.stats);
      else reject(fromFsError(Object.assign(new Error(m.message), { code: m.code, path: m.path }), m.path ?? workdir));
    });
    worker.once('error', reject);
  });
}
