/**
 * Which storage a server root's content store uses, recorded by `hub serve` at each start in
 * `ROOT/storage` (a line such as `s3://bucket/prefix at http://host:port`; no file: the root's own
 * `store/` folder), so that the server-side admin commands know when they were given other
 * storage than the server uses: `hub gc --root` without `--storage` on a root whose server keeps
 * its content in a bucket would collect an empty folder (and drop the local chunk index rows of
 * every xorb in the bucket), and with another bucket would collect the wrong one.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { describeStorage, type StorageLocation } from '../store/storage-location.js';

const FILE = 'storage';

/** Records that the server of `root` keeps its content in `storage` (removes the record for the local store). */
export function recordRootStorage(root: string, storage: StorageLocation): void {
  const path = join(root, FILE);
  if (storage.kind === 'local') rmSync(path, { force: true });
  else writeFileAtomic(path, `${describeStorage(storage)}\n`);
}

/** Where the last server started on `root` kept its content when that was not the local store (its description), else undefined. */
export function rootObjectStorage(root: string): string | undefined {
  try {
    return readFileSync(join(root, FILE), 'utf8').trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Refuses (UsageError `storage_mismatch`, nothing done) an admin command given `storage` for a
 * root whose server recorded other object storage. A root with no record may be given any: an
 * admin folder of a server that runs elsewhere, on PostgreSQL and a bucket.
 */
export function checkRootStorage(root: string, storage: StorageLocation, command: string): void {
  const recorded = rootObjectStorage(root);
  if (recorded === undefined || recorded === describeStorage(storage)) return;
  const flags = storage.kind === 'local' ? 'pass the same --storage and --s3-endpoint as to hub serve' : `the server was started with ${recorded}`;
  throw new UsageError(`the server of ${root} keeps its content in ${recorded}, not ${describeStorage(storage)}: ${flags} (${command} did nothing)`, { data: { root, storage: recorded } }, 'storage_mismatch');
}
