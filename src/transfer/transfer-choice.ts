/**
 * Which transfer adapters hub offers a batch API (HUB_TRANSFER). Its own module, with no import
 * beyond errors, so that checking the environment when a command starts (core/environment.ts)
 * does not load the HTTP client (undici) for commands that never reach the network.
 */
import { UsageError } from '../errors.js';

/** The transfer adapters hub offers a batch API, in order of preference (docs/protocol.md). */
export const DEFAULT_TRANSFERS: readonly string[] = ['hub-chunks', 'xet', 'basic'];
/** The adapters hub implements. */
const KNOWN_TRANSFERS = new Set(DEFAULT_TRANSFERS);

/**
 * HUB_TRANSFER as the adapters to offer: unset or empty, DEFAULT_TRANSFERS; else a comma-separated
 * list of them (`xet`, `hub-chunks`, `basic`), `basic` added last when missing (every LFS server
 * has it). A way to force one protocol for a measurement or a server that mishandles one.
 */
export function transfersFrom(env: NodeJS.ProcessEnv): readonly string[] {
  const raw = env.HUB_TRANSFER;
  if (raw === undefined || raw.trim() === '') return DEFAULT_TRANSFERS;
  const list = raw.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = list.find((t) => !KNOWN_TRANSFERS.has(t));
  if (bad !== undefined) throw new UsageError(`HUB_TRANSFER must list transfer adapters among ${[...KNOWN_TRANSFERS].join(', ')}, not '${bad}'`, { data: { variable: 'HUB_TRANSFER', value: raw } }, 'bad_environment');
  return [...new Set([...list, 'basic'])];
}

