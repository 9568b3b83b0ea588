/**
 * An open local content store: its paths, chunk index and hashers. Operations on it live in
 * their own files (ingest, reassemble, fsck, usage, gc) and take a Store as first argument.
 */
import { mkdirSync } from 'node:fs';
import { createXetHashers, type XetHashers } from '../hash/hashers.js';
import { ChunkIndex } from './chunk-index.js';
import { hasManifest } from './manifest-files.js';
import { FsXorbBackend, type XorbBackend } from './xorb-backend.js';
import { storePaths, type StorePaths } from './paths.js';

/** An open store. Close it when done. */
export class Store {
  private constructor(readonly paths: StorePaths, readonly index: ChunkIndex, readonly hashers: XetHashers, readonly xorbs: XorbBackend) {}

  /** Opens (creating if needed) the store at `root`; xorbs live in `backend` (default: files under root). */
  static async open(root: string, env: NodeJS.ProcessEnv = process.env, backend?: (paths: StorePaths) => XorbBackend): Promise<Store> {
    const paths = storePaths(root);
    for (const dir of [paths.root, paths.xorbs, paths.manifests, paths.tmp, paths.locks]) mkdirSync(dir, { recursive: true });
    const hashers = await createXetHashers(env);
    return new Store(paths, new ChunkIndex(paths.index), hashers, backend ? backend(paths) : new FsXorbBackend(paths));
  }

  /** True when the store has a manifest for `oid` (its content can be reassembled). */
  hasObject(oid: string): boolean {
    return hasManifest(this.paths, oid);
  }

  /** Closes the index. */
  close(): void {
    this.index.close();
  }
}
