/**
 * The wrapper every command's `.action(...)` goes through: it builds the CliContext, runs the
 * command, and sends anything thrown to the one error path (exit.ts). The exit code is left on
 * the root command for `main` to return.
 */
import type { Command } from 'commander';
import { colorsFor } from './color.js';
import { buildContext, globalOptions, type CliContext } from './context.js';
import { reportError } from './exit.js';
import { HubCommand, rootOf, runtimeOf, topLevelName } from './program.js';
import { youngGenerationFor } from './young-generation.js';

/**
 * Wraps a command implementation for commander's `.action()`. `fn` receives the context followed
 * by what commander passes: positional arguments, the command's options, the Command itself.
 * It returns nothing (exit 0) or an exit code (e.g. 1 for `diff --exit-code` with changes).
 */
export function action<A extends unknown[]>(
  fn: (ctx: CliContext, ...args: A) => Promise<void | number>,
): (...args: A) => Promise<void> {
  return async (...args: A): Promise<void> => {
    const command = args[args.length - 1] as unknown as Command;
    const runtime = runtimeOf(command);
    youngGenerationFor(topLevelName(command));
    let code: number;
    try {
      const { ctx, stop } = await buildContext(command, runtime);
      try {
        code = (await fn(ctx, ...args)) ?? 0;
      } finally {
        stop();
      }
    } catch (err) {
      const opts = globalOptions(command);
      code = reportError(
        { json: opts.json === true, verbose: opts.verbose === true, stdout: runtime.stdout, stderr: runtime.stderr, color: colorsFor(runtime.env, runtime.stderrIsTTY) },
        err,
        runtime.signal.aborted,
      );
    }
    const root = rootOf(command);
    if (root instanceof HubCommand) root.exitCode = code;
  };
}
