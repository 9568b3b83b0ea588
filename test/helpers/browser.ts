/**
 * A real browser for tests: Debian's chromium (installed by .ci/run), driven by playwright-core,
 * headless, with a fresh profile and no network besides what the page asks for. A machine
 * without chromium fails the test that needs it with a message saying how to install it: a
 * browser test that cannot run must not pass.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import { tmpDir } from './tmp-dir.js';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = process.env.HUB_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Starts headless chromium with a fresh profile; close the context when done. */
export async function launchBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is missing at ${CHROMIUM}: install it (apt-get install -y --no-install-recommends chromium; .ci/run does) or set HUB_TEST_CHROMIUM`);
  }
  return chromium.launchPersistentContext(tmpDir('hub-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
