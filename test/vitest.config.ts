/** Test configuration (kept under test/ so the top level holds only what DESIGN.md lists). */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 300_000, // generous: guards against hangs on a busy 2-core machine, never a measure
    hookTimeout: 300_000,
  },
});
