/**
 * An open local content store: its paths, chunk index and hashers. Operations on it live in
 * their own files (ingest, reassemble, fsck, usage, gc) and take a Store as first argument.
 * Its immutable objects (xorbs, manifests) live in backends: files under the store folder by
 * default, or an S3-compatible bucket (`storage`, docs/store.md "Backends"); the chunk index,
 * locks and temporary files are always local.
 */
import { mkdirSync } from 'node:fs';
import { createXetHashers, type XetHashers } from '../hash/hashers.js';
import { ChunkIndex } from './chunk-index.js';
import { FsManifestBackend, type ManifestBackend } from './manifest-backend.js';
import type { StorageLocation } from './storage-location.js';
import { FsXetFiles, type XetFileIndex } from './xet-files.js';
import { FsXorbBackend, type XorbBackend } from './xorb-backend.js';
import { storePaths, type StorePaths } from './paths.js';

/** How to open a store's backends. */
export interface StoreOpenOptions {
  /** Where xorbs and manifests live (default: files under the store folder). */
  storage?: StorageLocation;
  /** A xorb backend of its own (tests); overrides `storage` for xorbs. */
  xorbs?: (paths: StorePaths) => XorbBackend;
}

/** An open store. Close it when done. */
export class Store {
  private constructor(
    readonly paths: StorePaths,
    readonly index: ChunkIndex,
    readonly hashers: XetHashers,
    readonly xorbs: XorbBackend,
    readonly manifests: ManifestBackend,
    /** What a Xet CAS looks files up by (xet-files.ts), where the manifests are. */
    readonly xetFiles: XetFileIndex,
    /** Where xorbs and manifests live (a worker thread opens its own Store with the same). */
    readonly storage: StorageLocation,
    private readonly closeBackends: () => void,
  ) {}

  /**
   * Opens (creating if needed) the store at `root`. With S3 storage the bucket is checked (and
   * created when missing) first, so bad credentials or an unreachable service fail here.
   */
  static async open(root: string, env: NodeJS.ProcessEnv = process.env, opts: StoreOpenOptions = {}): Promise<Store> {
    const paths = storePaths(root);
    const remote = opts.storage?.kind === 's3';
    // with object storage, the folder holds no xorb or manifest: their folders are not made
    for (const dir of remote ? [paths.root, paths.tmp, paths.locks] : [paths.root, paths.xorbs, paths.manifests, paths.tmp, paths.locks]) mkdirSync(dir, { recursive: true });
    let xorbs: XorbBackend = new FsXorbBackend(paths);
    let manifests: ManifestBackend = new FsManifestBackend(paths);
    let xetFiles: XetFileIndex = new FsXetFiles(paths);
    let closeBackends = () => {};
    if (opts.storage?.kind === 's3') {
      const { openS3Storage } = await import('./s3-storage.js'); // the AWS SDK loads only for a server on S3
      const s3 = await openS3Storage(opts.storage, env);
      ({ xorbs, manifests, xetFiles } = s3);
      closeBackends = () => s3.close();
    }
    if (opts.xorbs) xorbs = opts.xorbs(paths);
    const hashers = await createXetHashers(env);
    return new Store(paths, new ChunkIndex(paths.index), hashers, xorbs, manifests, xetFiles, opts.storage ?? { kind: 'local' }, closeBackends);
  }

  /** True when the xorbs and manifests are in object storage: only their async forms work. */
  get remote(): boolean {
    return this.xorbs.remote === true || this.manifests.remote === true;
  }

  /** True when the store has a manifest for `oid` (its content can be reassembled). Local stores only. */
  hasObject(oid: string): boolean {
    return this.manifests.has(oid);
  }

  /** Closes the index and the backends' connections. */
  close(): void {
    this.index.close();
    this.closeBackends();
  }
}
