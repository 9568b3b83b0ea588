/**
 * The objects of one bucket (and key prefix) of an S3-compatible service, through the AWS SDK for
 * JavaScript v3: what the store's S3 backends (s3-xorb-backend.ts, s3-manifest-backend.ts) need
 * and nothing more. Settings that make it work beyond AWS itself (OpenStack Swift's s3api,
 * MinIO, Ceph): path-style addressing whenever an endpoint is given; checksums only when an
 * operation requires them (otherwise streamed bodies go `aws-chunked`, which Swift refuses); a
 * Content-MD5 header on DeleteObjects (S3 requires one there, and the SDK now sends a CRC
 * instead). Credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 * (AWS_SESSION_TOKEN) and AWS_REGION of the given environment, else from the SDK's default
 * chain (an instance role, ~/.aws).
 *
 * Every write of an object is atomic: S3 shows an object only once its PUT (or its multipart
 * upload's completion) succeeded, so a failed or interrupted upload leaves nothing a reader can
 * find (the parts of an unfinished multipart upload are not objects). Swift's S3 has no
 * conditional PUT (`If-None-Match: *`): the store does not rely on one (content-addressed keys
 * make a repeated PUT harmless).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { HubError, NetworkError, PermissionError } from '../errors.js';
import { describeStorage, type S3Location } from './storage-location.js';

/** Objects at least this large go by multipart upload, in parts of this size (S3's minimum part is 5 MiB). */
export const MULTIPART_PART_BYTES = 8 << 20;
/** Parts of one multipart upload in flight at once. */
const UPLOAD_QUEUE = 4;
/** Keys per DeleteObjects request (S3's limit). */
const DELETE_BATCH = 1000;

/** A listed object: its key without the prefix. */
export interface ListedObject {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The objects under one prefix of one bucket. */
export class S3Objects {
  readonly client: S3Client;
  private readonly base: string;

  constructor(readonly location: S3Location, env: NodeJS.ProcessEnv = process.env) {
    // the SDK's notice that its releases from 2027 need Node 22 would be a line of plain text
    // among the server's JSON log lines; the lock file pins a release that runs on Node 20
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const id = env.AWS_ACCESS_KEY_ID;
    const secret = env.AWS_SECRET_ACCESS_KEY;
    this.client = new S3Client({
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      ...(location.endpoint ? { endpoint: location.endpoint, forcePathStyle: true } : {}),
      ...(id && secret ? { credentials: { accessKeyId: id, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 4,
      requestHandler: {
        connectionTimeout: 10_000,
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
      },
    });
    // DeleteObjects must carry Content-MD5 (services other than AWS refuse it without)
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers?: Record<string, string>; body?: unknown };
        if (context.commandName === 'DeleteObjectsCommand' && request.headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
          request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
        }
        return next(args);
      },
      { step: 'build', name: 'hubContentMd5' },
    );
    this.base = location.prefix ? `${location.prefix}/` : '';
  }

  /** The full key of `name`. */
  key(name: string): string {
    return this.base + name;
  }

  /** Creates the bucket unless it exists (two servers may race to: both succeed). */
  async ensureBucket(): Promise<void> {
    const Bucket = this.location.bucket;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }));
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw this.error(err, 'reach the bucket');
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw this.error(err, 'create the bucket');
    }
  }

  /** Stores `bytes` as `name` (one PUT). */
  async put(name: string, bytes: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(name), Body: bytes, ContentLength: bytes.length, ContentType: contentType }));
    } catch (err) {
      throw this.error(err, `PUT ${name}`);
    }
  }

  /**
   * Stores the local file `path` of `size` bytes as `name`: one PUT below MULTIPART_PART_BYTES,
   * a multipart upload (parts in parallel, aborted on failure) from there. `signal` aborts it.
   */
  async putFile(name: string, path: string, size: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const params = { Bucket: this.location.bucket, Key: this.key(name), ContentType: 'application/octet-stream' };
    if (size < MULTIPART_PART_BYTES) {
      const { readFile } = await import('node:fs/promises');
      const bytes = await readFile(path, { signal });
      if (bytes.length !== size) throw new HubError('truncated_file', `${path} holds ${bytes.length} bytes, not ${size}`);
      return this.put(name, bytes);
    }
    const body = createReadStream(path, { highWaterMark: 1 << 20 });
    const upload = new Upload({ client: this.client, params: { ...params, Body: body, ContentLength: size }, partSize: MULTIPART_PART_BYTES, queueSize: UPLOAD_QUEUE, leavePartsOnError: false });
    const onAbort = () => void upload.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      throw signal?.aborted ? signal.reason : this.error(err, `upload ${name}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      body.destroy();
    }
  }

  /** The bytes of `name`, or undefined when there is no such object. */
  async get(name: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(name) }));
      return await out.Body!.transformToByteArray();
    } catch (err) {
      if (missing(err)) return undefined;
      throw this.error(err, `GET ${name}`);
    }
  }

  /** Bytes [start, end) of `name` as a stream (a ranged GET); undefined when there is no such object. */
  async getRange(name: string, start: number, end: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array> & { destroy(): void } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(name), Range: `bytes=${start}-${end - 1}` }), { abortSignal: signal });
      return out.Body as unknown as AsyncIterable<Uint8Array> & { destroy(): void };
    } catch (err) {
      if (missing(err)) return undefined;
      throw this.error(err, `GET ${name} bytes ${start}-${end - 1}`);
    }
  }

  /** The size of `name`, or undefined when there is no such object. */
  async head(name: string): Promise<number | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(name) }));
      return out.ContentLength ?? 0;
    } catch (err) {
      if (missing(err)) return undefined;
      throw this.error(err, `HEAD ${name}`);
    }
  }

  /** The size and modification time of `name`, or undefined when there is no such object. */
  async stat(name: string): Promise<{ size: number; mtimeMs: number } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(name) }));
      return { size: out.ContentLength ?? 0, mtimeMs: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (missing(err)) return undefined;
      throw this.error(err, `HEAD ${name}`);
    }
  }

  /**
   * Renews the modification time of `name` (a copy onto itself, which S3 allows when the metadata
   * is replaced; the bytes stay the same); false when there is no such object, which is then
   * still absent: a touch never creates an object.
   */
  async touch(name: string, contentType = 'application/octet-stream'): Promise<boolean> {
    const Key = this.key(name);
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.location.bucket, Key, CopySource: `${this.location.bucket}/${Key.split('/').map(encodeURIComponent).join('/')}`, MetadataDirective: 'REPLACE', ContentType: contentType }));
      return true;
    } catch (err) {
      if (missing(err)) return false;
      throw this.error(err, `touch ${name}`);
    }
  }

  /**
   * A presigned URL (SigV4 in the query) for a GET of bytes [start, end) of `name`, valid for
   * `expiresSeconds`. The Range header is a signed header (`X-Amz-SignedHeaders=host;range`), not
   * hoisted into the query: the service refuses (403 SignatureDoesNotMatch) the URL with any other
   * Range, or none, so its holder reads exactly that range. The URL names the service as the
   * server reaches it (`--s3-endpoint`): clients must reach that address too.
   */
  async presignRange(name: string, start: number, end: number, expiresSeconds: number): Promise<string> {
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const range = new Set(['range']);
    const command = new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(name), Range: `bytes=${start}-${end - 1}` });
    return getSignedUrl(this.client, command, { expiresIn: expiresSeconds, signableHeaders: range, unhoistableHeaders: range });
  }

  /** The multipart uploads begun under the prefix and neither completed nor aborted (their parts are no object). */
  async *listUploads(): AsyncIterable<{ name: string; uploadId: string; startedMs: number }> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.location.bucket, Prefix: this.base || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      } catch (err) {
        throw this.error(err, 'list multipart uploads');
      }
      for (const u of page.Uploads ?? []) {
        if (u.Key !== undefined && u.UploadId !== undefined) yield { name: u.Key.slice(this.base.length), uploadId: u.UploadId, startedMs: u.Initiated?.getTime() ?? 0 };
      }
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Abandons a multipart upload (its parts are deleted); one already gone is no error. */
  async abortUpload(name: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: this.key(name), UploadId: uploadId }));
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw this.error(err, `abort the upload of ${name}`);
    }
  }

  /** Every object whose name starts with `prefix`, in key order, a page (up to 1,000) at a time. */
  async *list(prefix: string): AsyncIterable<ListedObject> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.key(prefix), ContinuationToken: token }));
      } catch (err) {
        throw this.error(err, `list ${prefix}`);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield { name: o.Key.slice(this.base.length), size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Deletes `names` (missing ones are no error). */
  async remove(names: readonly string[]): Promise<void> {
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      const batch = names.slice(i, i + DELETE_BATCH);
      let out;
      try {
        out = await this.client.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch.map((n) => ({ Key: this.key(n) })), Quiet: true } }));
      } catch (err) {
        throw this.error(err, `delete ${batch.length} objects`);
      }
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new NetworkError(`${describeStorage(this.location)}: could not delete ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message ?? ''}`.trim(), { data: { key: failed[0].Key } }, 'storage_failed');
    }
  }

  /** Stops the client's connections. */
  close(): void {
    this.client.destroy();
  }

  /** A failure of the service as the HubError a user should see (the SDK has retried already). */
  error(err: unknown, what: string): unknown {
    if (err instanceof HubError) return err;
    const where = describeStorage(this.location);
    const e = err as { name?: string; message?: string; code?: string };
    const status = statusOf(err);
    if (status === 401 || status === 403 || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch' || e.name === 'AccessDenied') {
      return new PermissionError(`${where}: ${what}: the object store refused the credentials (${e.name ?? status})`, { cause: err, hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION) for hub serve', data: { storage: where } }, 'credentials_rejected');
    }
    if (e.name === 'AbortError') return err;
    const reason = status ? `${status} ${e.name ?? ''}`.trim() : (e.code ?? e.name ?? e.message ?? String(err));
    return new NetworkError(`${where}: cannot ${what}: ${reason}`, { cause: err, data: { storage: where } }, 'storage_failed');
  }
}

/** The HTTP status of an SDK error (undefined for a connection failure). */
function statusOf(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; name?: string };
  if (e?.name === 'NotFound' || e?.name === 'NoSuchKey') return 404;
  return e?.$metadata?.httpStatusCode;
}

/** True when `err` says the object does not exist (a missing bucket is a failure, not an absent object). */
function missing(err: unknown): boolean {
  return statusOf(err) === 404 && (err as { name?: string }).name !== 'NoSuchBucket';
}
