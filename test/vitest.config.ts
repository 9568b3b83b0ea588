/**
 * Test configuration (kept under test/ so the top level holds only what DESIGN.md lists).
 *
 * Two groups, one after the other:
 * - `suite`: every test file but the ones below, two files at a time (the machine has 2 cores);
 * - `alone`: the files that hold `hub serve` to issue 11's wall-clock bound ("/api/health answers
 *   in < 100 ms throughout" every attack). They run after the suite, one file at a time, with
 *   HUB_TEST_ALONE=1, so that nothing of the test run competes with the server for the CPU and
 *   the 100 ms bound is asserted as the issue states it (test/helpers/health-probe.ts).
 */
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';

/** The files that run alone, after everything else. */
export const ALONE = ['test/integration/server-attacks.test.ts', 'test/integration/server-redteam-matrix.test.ts'];

/** The configuration with `skip` (test files) left out of both groups. */
export function testConfig(skip: readonly string[] = []): ViteUserConfig {
  const shared = {
    root: fileURLToPath(new URL('..', import.meta.url)),
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'], // the run's Swift for the S3 tests (test/helpers/s3-service.ts)
    pool: 'forks' as const,
    testTimeout: 300_000, // generous: guards against hangs on a busy 2-core machine, never a measure
    hookTimeout: 300_000,
  };
  const exclude = [...configDefaults.exclude, ...skip];
  return defineConfig({
    test: {
      ...shared,
      projects: [
        { test: { ...shared, name: 'suite', include: ['test/**/*.test.ts'], exclude: [...exclude, ...ALONE], maxWorkers: 2, sequence: { groupOrder: 0 } } },
        { test: { ...shared, name: 'alone', include: ALONE, exclude, maxWorkers: 1, env: { HUB_TEST_ALONE: '1' }, sequence: { groupOrder: 1 } } },
      ],
    },
  });
}

export default testConfig();
