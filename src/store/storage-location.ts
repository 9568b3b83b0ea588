/**
 * Where a server's content store keeps its immutable objects (xorbs, chunk tables, manifests):
 * the local store folder (the embedded default), or an S3-compatible bucket named by
 * `s3://BUCKET[/PREFIX]` with an optional endpoint URL (any S3-compatible service; path-style
 * addressing whenever one is given). The chunk index and temporary files stay in the local store
 * folder either way (docs/store.md, "Backends").
 */
import { UsageError } from '../errors.js';

/** The store's object storage. */
export type StorageLocation = { kind: 'local' } | S3Location;

/** A bucket (and key prefix, without slashes at either end; '' for none) of an S3-compatible service. */
export interface S3Location {
  kind: 's3';
  bucket: string;
  prefix: string;
  /** The service's URL (`http://127.0.0.1:9000`); absent: AWS S3 of the region. */
  endpoint?: string;
}

/** S3's bucket naming rules (3-63 of lowercase letters, digits, dots and hyphens, a letter or digit at each end). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `--storage` (`local`, or `s3://BUCKET[/PREFIX]`) and `--s3-endpoint`; UsageError `bad_storage` otherwise. */
export function parseStorageLocation(value: string | undefined, endpoint?: string): StorageLocation {
  if (value === undefined || value === 'local') {
    if (endpoint !== undefined) throw new UsageError('--s3-endpoint needs --storage s3://BUCKET[/PREFIX]', {}, 'bad_storage');
    return { kind: 'local' };
  }
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (!m) throw new UsageError(`--storage takes local or s3://BUCKET[/PREFIX], not ${JSON.stringify(value)}`, {}, 'bad_storage');
  const bucket = m[1];
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new UsageError(`${JSON.stringify(bucket)} is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)`, {}, 'bad_storage');
  }
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((s) => s === '.' || s === '..') || /[\0\\]|\/\//.test(prefix) || prefix.length > 512) {
    throw new UsageError(`${JSON.stringify(prefix)} is not a usable key prefix`, {}, 'bad_storage');
  }
  return { kind: 's3', bucket, prefix, ...(endpoint !== undefined ? { endpoint: parseEndpoint(endpoint) } : {}) };
}

function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--s3-endpoint ${JSON.stringify(value)} is not a URL`, {}, 'bad_storage');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw new UsageError(`--s3-endpoint must be http(s)://host[:port][/path], not ${JSON.stringify(value)}`, {}, 'bad_storage');
  }
  return url.href.replace(/\/$/, '');
}

/** `s3://bucket/prefix` (at endpoint), or `local`: for logs and messages. */
export function describeStorage(loc: StorageLocation): string {
  if (loc.kind === 'local') return 'local';
  return `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}${loc.endpoint ? ` at ${loc.endpoint}` : ''}`;
}
