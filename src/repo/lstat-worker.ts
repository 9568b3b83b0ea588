/**
 * Worker thread of {@link lstatMany} (lstat-many.ts): lstats the paths it is given, relative to
 * `workdir`, and answers with their packed stat fields (one transfer, no objects per file).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lstatQuiet } from './lstat-many.js';
import { packStat, STAT_FIELDS } from './lstat-pack.js';

const { workdir, paths } = workerData as { workdir: string; paths: string[] };
const out = new BigInt64Array(paths.length * STAT_FIELDS);
try {
  for (let i = 0; i < paths.length; i++) packStat(lstatQuiet(`${workdir}/${paths[i]}`), out, i);
  parentPort!.postMessage({ ok: true, stats: out }, [out.buffer]);
} catch (err) {
  // lstatQuiet made it a HubError; the cause carries the system error's code and path
  const e = ((err as Error).cause ?? err) as NodeJS.ErrnoException;
  parentPort!.postMessage({ ok: false, message: e.message, code: e.code, path: e.path });
}
