/**
 * The environment variables every command depends on, checked when a command starts, so a bad
 * value is one usage error (exit 2) naming the variable and what it may be, before any work, not
 * a surprise halfway through a transfer (issue 12).
 */
import { directIoFrom } from '../fs/direct-io.js';
import { transfersFrom } from '../transfer/transfer-choice.js';
import { attemptsFrom } from '../transfer/retry.js';
import { concurrencyFrom } from '../transfer/transfer-queue.js';
import { xetCompressionFrom } from '../transfer/xet-compression.js';
import { isOffline } from './sync/offline.js';

/** Throws the UsageError of the first bad variable among HUB_RETRIES, HUB_CONCURRENCY, HUB_OFFLINE, HUB_TRANSFER, HUB_XET_COMPRESSION and HUB_DIRECT_IO. */
export function checkEnvironment(env: NodeJS.ProcessEnv): void {
  attemptsFrom(env);
  concurrencyFrom(env);
  isOffline({ env });
  transfersFrom(env);
  xetCompressionFrom(env);
  directIoFrom(env);
}
