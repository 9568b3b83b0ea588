/** Opening a store's S3 backends: one client (s3-objects.ts) for the xorbs, the manifests and the Xet CAS's lookups of one bucket and prefix. */
import { S3ManifestBackend } from './s3-manifest-backend.js';
import { S3Objects } from './s3-objects.js';
import { S3XetFiles } from './s3-xet-files.js';
import { S3XorbBackend } from './s3-xorb-backend.js';
import type { S3Location } from './storage-location.js';

/** The backends of a store in `location`, once the bucket is there (created when missing). */
export async function openS3Storage(location: S3Location, env: NodeJS.ProcessEnv): Promise<{ objects: S3Objects; xorbs: S3XorbBackend; manifests: S3ManifestBackend; xetFiles: S3XetFiles; close(): void }> {
  const objects = new S3Objects(location, env);
  try {
    await objects.ensureBucket();
  } catch (err) {
    objects.close();
    throw err;
  }
  return { objects, xorbs: new S3XorbBackend(objects), manifests: new S3ManifestBackend(objects), xetFiles: new S3XetFiles(objects), close: () => objects.close() };
}
