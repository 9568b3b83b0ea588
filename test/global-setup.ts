/**
 * Once per test run: the run's own Swift root (test/helpers/s3-service.ts starts Swift there if a
 * test needs it), stopped and removed at the end. Two runs on one machine never share (or stop)
 * each other's Swift. A HUB_SWIFT_ROOT set by hand is used as it is and never stopped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers/paths.js';

export default function setup(): () => void {
  if (process.env.HUB_SWIFT_ROOT) return () => {}; // given by hand, or set by the other project's setup of this run
  const root = join(tmpdir(), `hub-swift-run-${process.pid}`);
  process.env.HUB_SWIFT_ROOT = root; // inherited by the test workers, created after this
  return () => {
    if (!existsSync(root)) return;
    try {
      execFileSync('bash', [`${repoRoot}/test/services/swift.sh`, 'stop'], { stdio: 'ignore', timeout: 60_000, env: { ...process.env, HUB_SWIFT_ROOT: root } });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}
