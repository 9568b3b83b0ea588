/**
 * Temporary directories that clean up after themselves: one made inside a test is removed when
 * that test finishes, one made outside a test (beforeAll, describe bodies) when the test file
 * finishes. Set HUB_TEST_KEEP_TMP=1 to keep them for a post-mortem.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

const fileLevel: string[] = [];

// Registered when a test file first imports this module, so it runs when that file finishes.
afterAll(() => {
  for (const dir of fileLevel.splice(0)) remove(dir);
});

function remove(dir: string): void {
  if (process.env.HUB_TEST_KEEP_TMP === '1') return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Creates a fresh directory `<os.tmpdir()>/<prefix>XXXXXX` that is removed after the test (or file). */
export function tmpDir(prefix = 'hub-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    onTestFinished(() => remove(dir));
  } catch {
    // Not inside a test: tie it to the file.
    fileLevel.push(dir);
  }
  return dir;
}
