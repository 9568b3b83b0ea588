/**
 * Output for results: one JSON document with --json, human text otherwise, nothing with --quiet.
 * Results go to stdout; progress and diagnostics never come through here (they go to stderr).
 */
import type { CliContext } from './context.js';

/**
 * Writes a command's result: `JSON.stringify(data, null, 2)` on stdout with --json, else the
 * text `human(data)` returns (a trailing newline is added when missing) unless --quiet. After
 * Ctrl-C nothing is written: the run's signal reason (InterruptedError) is thrown instead, so a
 * command that finished its work as the user interrupted it reports no success (exit 130).
 */
export function emit<T>(ctx: CliContext, data: T, human: (data: T) => string): void {
  ctx.signal.throwIfAborted();
  if (ctx.json) {
    ctx.stdout(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  if (ctx.quiet) return;
  const text = human(data);
  if (text === '') return;
  ctx.stdout(text.endsWith('\n') ? text : `${text}\n`);
}

// the human units live in units.ts (progress-view.ts uses them too); commands take them from here
export { formatBytes, formatCount, formatDuration, formatPercent, formatRate, plural } from './units.js';
