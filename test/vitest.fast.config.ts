/**
 * The fast default run (`npm test`): everything but the longest integration files, so that a
 * developer's run stays well under 15 minutes on a 2-core machine. The full run (`npm run
 * test:full`: CI and the README's test command) includes them; nothing is weakened, only
 * scheduled. Durations are vitest's own per-file figures on the development machine.
 */
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/** The longest integration files (each 70-130 s of a ~1,000 s full run), run only by test:full. */
export const FULL_ONLY = [
  'test/integration/fetch-revision-offline.test.ts',
  'test/integration/merge.test.ts',
  'test/integration/repo-safety.test.ts',
  'test/integration/download.test.ts',
  'test/integration/clone-clean.test.ts',
  'test/integration/transfer-faults.test.ts',
  'test/integration/web-pages.test.ts',
  'test/integration/server-visibility.test.ts',
  'test/integration/locks-interop.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: [...configDefaults.exclude, ...FULL_ONLY] } }));
