/**
 * Global setup of the PostgreSQL projects of test/vitest.config.ts: the PostgreSQL server their
 * tests use. HUB_TEST_POSTGRES, when set, names one to use (a superuser URL such as
 * postgres://postgres@127.0.0.1:5432/postgres; tests create and drop databases on it); otherwise a
 * throwaway cluster is started with test/services/postgres.sh in a folder of its own under the
 * temporary directory, and stopped and removed when the run ends. The URL reaches the test
 * workers through vitest's provide/inject (test/postgres-env.ts).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  interface ProvidedContext {
    postgresUrl: string;
  }
}

const SCRIPT = fileURLToPath(new URL('./postgres.sh', import.meta.url));

/** Starts (or finds) the PostgreSQL server; returns the teardown. */
export default function setup(project: TestProject): () => void {
  const given = process.env.HUB_TEST_POSTGRES;
  if (given) {
    project.provide('postgresUrl', given);
    return () => {};
  }
  const dir = join(tmpdir(), `hub-test-postgres-${process.pid}`);
  const env = { ...process.env, HUB_PG_DIR: dir };
  // a second project of the same run finds the cluster the first one started
  let url: string;
  let mine = false;
  try {
    url = execFileSync(SCRIPT, ['status'], { env, encoding: 'utf8' }).trim();
  } catch {
    url = execFileSync(SCRIPT, ['start'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    mine = true;
  }
  project.provide('postgresUrl', url);
  return () => {
    if (!mine) return;
    execFileSync(SCRIPT, ['stop'], { env, stdio: 'inherit' });
    rmSync(dir, { recursive: true, force: true });
  };
}
