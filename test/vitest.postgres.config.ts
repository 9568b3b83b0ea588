/**
 * The server suites again, with the metadata of every `hub serve` in PostgreSQL (issue 18):
 * `npm run test:postgres`, part of `npm run test:full`. Groups and scheduling as in
 * vitest.config.ts; one file against PostgreSQL:
 * `npx vitest run --config test/vitest.postgres.config.ts test/integration/server-git.test.ts`.
 */
import { testConfig } from './vitest.config.js';

export default testConfig([], { postgres: true });
