/**
 * File manifests in an S3-compatible bucket, one object per oid (`manifests/<oid>.json`, the
 * canonical JSON the local store keeps in its files). A PUT is atomic, and the manifest is
 * written after every xorb it names is published: a reader that finds it finds its bytes.
 */
import { serializeManifest, type FileManifest } from '../formats/manifest.js';
import type { ManifestBackend } from './manifest-backend.js';
import { parseStoredManifest } from './manifest-files.js';
import type { S3Objects } from './s3-objects.js';
import { syncOnObjectStore } from './xorb-backend.js';

const nameOf = (oid: string) => `manifests/${oid}.json`;

/** Manifests as objects of a bucket. */
export class S3ManifestBackend implements ManifestBackend {
  readonly remote = true;

  constructor(private readonly objects: S3Objects) {}

  has(): boolean {
    throw syncOnObjectStore('looking a manifest up');
  }

  read(): FileManifest | undefined {
    throw syncOnObjectStore('reading a manifest');
  }

  write(): void {
    throw syncOnObjectStore('writing a manifest');
  }

  list(): Iterable<string> {
    throw syncOnObjectStore('listing manifests');
  }

  async hasAsync(oid: string): Promise<boolean> {
    return (await this.objects.head(nameOf(oid))) !== undefined;
  }

  async touchAsync(oid: string): Promise<boolean> {
    return this.objects.touch(nameOf(oid), 'application/json');
  }

  async readAsync(oid: string): Promise<FileManifest | undefined> {
    const bytes = await this.objects.get(nameOf(oid));
    return bytes && parseStoredManifest(oid, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  }

  async writeAsync(manifest: FileManifest): Promise<void> {
    await this.objects.put(nameOf(manifest.oid), Buffer.from(serializeManifest(manifest)), 'application/json');
  }

  async *listAsync(): AsyncIterable<string> {
    for await (const o of this.objects.list('manifests/')) {
      const m = /^manifests\/([0-9a-f]{64})\.json$/.exec(o.name);
      if (m) yield m[1];
    }
  }
}
