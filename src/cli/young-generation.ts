/**
 * The V8 young generation of commands that move file content. V8 doubles the space where new
 * objects are made (its semi-spaces) as a run goes on, up to 16 MiB each: a command streaming
 * gigabytes in buffers grew its heap from ~20 to ~50 MiB, and its peak RSS with it, the longer
 * the file, though it kept no more objects alive. Growth off, the semi-spaces stay at their first
 * size; collections are more frequent and each finds less, and the JS wrappers of the garbage
 * buffers die sooner, their memory with them.
 *
 * Measured (docs/performance.md, "A smaller young generation"): peak RSS of clone, pull and push
 * 20-25 MiB lower at 512 MiB and growing by 10-12 MiB instead of 20-41 MiB from 512 MiB to
 * 2 GiB, in the same time within noise; `hub add -A` of 50,000 files 125 MiB instead of 167-186
 * in the same 0.93 s. A table diff (a million rows of small objects) took 7% longer, so commands
 * that build many objects, and the server, keep V8's default.
 *
 * `--semi-space-growth-factor` is read each time V8 would grow the space, so setting it once a
 * command is known takes effect (unlike `--max-semi-space-size`, fixed when the heap is made).
 * Starting a worker thread sets V8's flags back to the command line's (measured: the next
 * collections grew the space to 32 MiB), so the flag is set again as each worker comes online.
 */
import { setFlagsFromString } from 'node:v8';

/** Top-level commands whose work is moving file bytes: buffers, not many objects. */
const CONTENT_COMMANDS = new Set(['add', 'checkout', 'clone', 'download', 'fetch', 'merge', 'pull', 'push', 'reset', 'restore', 'stash', 'store', 'switch', 'upload']);

/** True when `command` (a top-level command name) runs with the young generation kept small. */
function keepsYoungGenerationSmall(command: string): boolean {
  return CONTENT_COMMANDS.has(command);
}

const keepSmall = (): void => setFlagsFromString('--semi-space-growth-factor=1');
let watchingWorkers = false;

/** Keeps V8's young generation at its first size for the rest of this process, when `command` moves content. */
export function youngGenerationFor(command: string): void {
  if (!keepsYoungGenerationSmall(command)) return;
  keepSmall();
  if (watchingWorkers) return; // (main may run several commands in one process: one listener)
  watchingWorkers = true;
  process.on('worker', (worker) => worker.once('online', keepSmall));
}
