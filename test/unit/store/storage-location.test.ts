import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { describeStorage, parseStorageLocation } from '../../../src/store/storage-location.js';

describe('--storage and --s3-endpoint', () => {
  it('reads local (the default) and s3://BUCKET[/PREFIX] with an optional endpoint', () => {
    expect(parseStorageLocation(undefined)).toEqual({ kind: 'local' });
    expect(parseStorageLocation('local')).toEqual({ kind: 'local' });
    expect(parseStorageLocation('s3://hub-content')).toEqual({ kind: 's3', bucket: 'hub-content', prefix: '' });
    expect(parseStorageLocation('s3://hub.content/prod/store/', 'http://127.0.0.1:9000/')).toEqual({ kind: 's3', bucket: 'hub.content', prefix: 'prod/store', endpoint: 'http://127.0.0.1:9000' });
    expect(describeStorage(parseStorageLocation('s3://b-1/p', 'https://s3.example.com'))).toBe('s3://b-1/p at https://s3.example.com');
  });

  it('refuses what it cannot use with one line, code bad_storage (exit 2)', () => {
    for (const [value, endpoint] of [['s3://Upper'], ['s3://a'], ['s3://a..b'], ['gs://bucket'], ['s3://'], ['s3://b-1/x/../y'], ['local', 'http://x'], ['s3://b-1', 'ftp://x'], ['s3://b-1', 'not a url']] as const) {
      let err: unknown;
      try {
        parseStorageLocation(value, endpoint);
      } catch (e) {
        err = e;
      }
      expect(err, `${value} ${endpoint}`).toBeInstanceOf(UsageError);
      expect((err as UsageError).code).toBe('bad_storage');
      expect((err as UsageError).message).not.toContain('\n');
    }
  });
});
