/**
 * The S3 service of the tests: a real OpenStack Swift with its S3 API, started through
 * test/services/swift.sh when a test first needs it and stopped by test/global-setup.ts after
 * the run (one per test run, under HUB_SWIFT_ROOT; a Swift someone started by hand with
 * HUB_SWIFT_ROOT set is used and left running). Each test makes buckets of its own.
 *
 * Without Debian's swift packages the S3 tests are skipped with a notice, except under CI (and
 * with HUB_TEST_S3=1), where a missing service fails them: .ci/run installs the packages.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { repoRoot } from './paths.js';

/** Credentials of the test Swift's tempauth user, in the variables the server reads. */
export const S3_TEST_ENV = { AWS_ACCESS_KEY_ID: 'test:tester', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' } as const;

let endpoint: string | undefined;

/** True when the machine has Swift installed (or a test run must have it: CI, HUB_TEST_S3=1). */
export function s3Wanted(): boolean {
  return existsSync('/usr/bin/swift-proxy-server') || process.env.CI === 'true' || process.env.HUB_TEST_S3 === '1';
}

/** The test Swift's S3 endpoint URL, starting it if it is not running (a few seconds). */
export function s3Endpoint(): string {
  if (endpoint) return endpoint;
  const out = execFileSync('bash', [`${repoRoot}/test/services/swift.sh`, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const m = /^(?:started|running) (http:\/\/\S+)$/m.exec(out);
  if (!m) throw new Error(`test/services/swift.sh start printed ${JSON.stringify(out)}`);
  endpoint = m[1];
  return endpoint;
}

/** A new bucket name (created by whatever first uses it: the store creates a missing bucket). */
export function testBucket(what = 'hub-test'): string {
  return `${what}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

let serveBucket: string | undefined;

/**
 * `hub serve` arguments and environment for a server on the test Swift: the bucket of this test
 * process, under a prefix named after the server's root, so a server started again on the same
 * root finds its content (and two roots never share theirs).
 */
export function s3ServeArgs(root: string): { args: string[]; env: Record<string, string> } {
  serveBucket ??= testBucket('hub-serve');
  const prefix = root.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+/, '');
  return { args: ['--storage', `s3://${serveBucket}/${prefix}`, '--s3-endpoint', s3Endpoint()], env: { ...S3_TEST_ENV } };
}
