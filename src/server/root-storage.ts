/**
 * Which storage a server root's content store uses, recorded by `hub serve` at each start in
 * `ROOT/storage` (a line such as `s3://bucket/prefix at http://host:port`; no file: the root's own
 * `store/` folder), so that the server-side commands that work on the store's files know when the
 * content is not there: `hub gc --root` refuses such a root rather than collect an empty folder
 * (and drop the local chunk index rows of every xorb in the bucket).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
