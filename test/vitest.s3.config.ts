/**
 * The S3 + PostgreSQL run of the server suites (`npm run test:s3`, part of `npm run test:full`):
 * the same test files again, every `hub serve` they start keeping its metadata in PostgreSQL
 * (test/services/postgres.sh, as the PostgreSQL run: a database per server root) and its xorbs
 * and manifests in a bucket of a real S3 service (OpenStack Swift with s3api, test/services/swift.sh, started once for the run
 * by test/global-setup.ts and test/helpers/s3-service.ts) instead of its root's store folder
 * (HUB_TEST_S3=1: test/helpers/hub-server.ts). Tests that look at or damage the server's stored
 * content do it through test/helpers/server-content.ts, which reads the bucket then.
 *
 * Not here: the files that hold `hub serve` to wall-clock bounds (vitest.config.ts ALONE: Swift
 * shares the two cores), and the client-side suites whose servers are incidental.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The server suites that run a second time with the server's content in S3. */
export const S3_SUITES = [
  'test/integration/server-access.test.ts',
  'test/integration/server-admin.test.ts',
  'test/integration/server-bad-requests.test.ts',
  'test/integration/server-chunks.test.ts',
  'test/integration/server-cli.test.ts',
  'test/integration/server-clients.test.ts',
  'test/integration/server-git.test.ts',
  'test/integration/server-git-rules.test.ts',
  'test/integration/server-integrity.test.ts',
  'test/integration/server-download-hashing.test.ts', // whole downloads read from the bucket, hashed on the thread
  'test/integration/server-visibility.test.ts',
  'test/integration/push-clone.test.ts',
  'test/integration/clone-clean.test.ts',
  'test/integration/content-on-demand.test.ts',
  'test/integration/download.test.ts',
  'test/integration/upload.test.ts',
  'test/integration/hf-client.test.ts',
  'test/integration/hf-js-client.test.ts',
  'test/integration/hf-read-api.test.ts',
  'test/integration/hf-write-api.test.ts',
  'test/integration/locks-server.test.ts',
  'test/integration/web-pages.test.ts',
  'test/integration/xet-cas-refusals.test.ts', // the Xet CAS: xorbs, shards, reconstructions and dedup on the bucket
  'test/integration/xet-js-client.test.ts',
  'test/integration/server-admin-flags.test.ts', // hub token and hub gc --root given --database and --storage
  'test/integration/server-gc-s3.test.ts', // hub gc --root of a bucket, with pushes running through a server on it
  'test/integration/scale-out.test.ts', // three servers on one database and one bucket, one killed
];

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    setupFiles: ['test/setup.ts', 'test/postgres-env.ts'],
    globalSetup: ['test/global-setup.ts', 'test/services/postgres-setup.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    include: S3_SUITES,
    maxWorkers: 2,
    env: { HUB_TEST_S3: '1' },
  },
});
