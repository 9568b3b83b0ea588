// Runs before every test file of the PostgreSQL projects (test/vitest.config.ts): the servers the
// tests start use the PostgreSQL server the global setup provides (test/helpers/test-database.ts).
import { inject } from 'vitest';

process.env.HUB_TEST_DATABASE_URL = inject('postgresUrl');
