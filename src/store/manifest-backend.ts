/**
 * Where file manifests live (one per LFS oid, written last: docs/store.md). Like XorbBackend,
 * every backend has async forms, for the server's paths that may run on object storage, and the
 * local files keep sync ones for code that only ever runs on a local store (the CLI); a remote
 * backend throws `sync_on_object_store` from those.
 */
import type { FileManifest } from '../formats/manifest.js';
import { hasManifest, listManifestOids, readManifest, writeManifest } from './manifest-files.js';
import type { StorePaths } from './paths.js';

/** Storage of file manifests keyed by oid. */
export interface ManifestBackend {
  /** True when the manifests are in object storage (only the async forms work). */
  readonly remote?: boolean;
  has(oid: string): boolean;
  /** The manifest of `oid`, or undefined; a damaged one is an IntegrityError. */
  read(oid: string): FileManifest | undefined;
  /** Stores `manifest` durably and atomically (a reader sees none or all of it). */
  write(manifest: FileManifest): void;
  list(): Iterable<string>;
  hasAsync(oid: string): Promise<boolean>;
  /** `hasAsync` for a writer about to rely on the manifest (keeping it, or a repository coming to hold it): see XorbBackend.touchAsync. */
  touchAsync(oid: string): Promise<boolean>;
  readAsync(oid: string): Promise<FileManifest | undefined>;
  writeAsync(manifest: FileManifest): Promise<void>;
  listAsync(): AsyncIterable<string>;
}

/** Manifests as files under `manifests/` (manifest-files.ts). */
export class FsManifestBackend implements ManifestBackend {
  constructor(private readonly paths: StorePaths) {}

  has(oid: string): boolean {
    return hasManifest(this.paths, oid);
  }

  read(oid: string): FileManifest | undefined {
    return readManifest(this.paths, oid);
  }

  write(manifest: FileManifest): void {
    writeManifest(this.paths, manifest);
  }

  list(): Iterable<string> {
    return listManifestOids(this.paths);
  }

  async hasAsync(oid: string): Promise<boolean> {
    return this.has(oid);
  }

  async touchAsync(oid: string): Promise<boolean> {
    return this.has(oid);
  }

  async readAsync(oid: string): Promise<FileManifest | undefined> {
    return this.read(oid);
  }

  async writeAsync(manifest: FileManifest): Promise<void> {
    this.write(manifest);
  }

  async *listAsync(): AsyncIterable<string> {
    yield* this.list();
  }
}
