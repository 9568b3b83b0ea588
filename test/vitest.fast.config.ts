/**
 * The fast default run (`npm test`): everything but the longest integration files, so that a
 * developer's run stays well under 15 minutes on a 2-core machine. The full run (`npm run
 * test:full`: CI and the README's test command) includes them; nothing is weakened, only
 * scheduled. Durations are vitest's own per-file figures on the development machine.
 */
import { testConfig } from './vitest.config.js';

/**
 * The longest integration files, run only by test:full: 15 files, 1,525 s of the 2,712 s of
 * test time of the full run of 2026-12-04 (1,408 s of wall time on 2 workers), each 64-229 s.
 */
export const FULL_ONLY = [
  'test/integration/repo-commands.test.ts',
  'test/integration/push-clone.test.ts',
  'test/integration/content-on-demand.test.ts',
  'test/integration/interrupt.test.ts',
  'test/integration/upload.test.ts',
  'test/integration/hf-read-api.test.ts',
  'test/integration/fetch-revision-offline.test.ts',
  'test/integration/merge.test.ts',
  'test/integration/repo-safety.test.ts',
  'test/integration/download.test.ts',
  'test/integration/clone-clean.test.ts',
  'test/integration/transfer-faults.test.ts',
  'test/integration/web-pages.test.ts',
  'test/integration/server-visibility.test.ts',
  'test/integration/locks-interop.test.ts',
  'test/integration/scale-out.test.ts', // 60 s: 3 servers behind nginx, 8 clients for 40 s
];

export default testConfig(FULL_ONLY);
