/**
 * The entry point of the `hub` command line (bin/hub.js calls `main`). It builds the program,
 * parses, and turns the outcome into an exit code: the action's code, 2 for usage errors that
 * commander finds, 0 for --help and --version, 130 after Ctrl-C.
 */
import { CommanderError, type Command } from 'commander';
import { ExitCode, InterruptedError, NotFoundError, UsageError } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { colorsFor } from './color.js';
import { errorDocument, reportError } from './exit.js';
import { createProgram, processRuntime, type CliRuntime } from './program.js';
import { hubVersion } from './version.js';
import { setMaxListeners } from 'node:events';

/** Seams for tests; a real run passes none. */
export interface MainOptions {
  /** Replaces parts of the process runtime (cwd, env, stdout, stderr, ...). */
  runtime?: Partial<CliRuntime>;
  /** Registers the commands; default registerCommands. */
  register?: (program: Command) => void;
}

/** Runs hub with `argv` as in process.argv (node, script, args...) and returns the exit code. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const controller = new AbortController();
  const injectedSignal = options.runtime?.signal;
  const signal = injectedSignal ? AbortSignal.any([injectedSignal, controller.signal]) : controller.signal;
  // every request in flight (HUB_CONCURRENCY, up to 64) and every wait for a slot listens to the
  // command's signal at once: that many listeners are expected, not a leak (Node warns past 10)
  setMaxListeners(256, signal);
  const runtime: CliRuntime = { ...processRuntime(signal), ...options.runtime, signal };

  // First Ctrl-C asks the running command to stop (it cleans up and exits 130); a second one
  // does not wait any longer.
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    controller.abort(new InterruptedError());
  };
  // `hub ... | head` closes stdout early; that is not an error worth a stack trace.
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err;
  };
  const ownsProcess = options.runtime === undefined;
  if (ownsProcess) {
    process.on('SIGINT', onSigint);
    process.stdout.on('error', onStdoutError);
  }

  try {
    if (runtime.cwd === '') {
      throw new NotFoundError(`the current directory no longer exists${process.env.PWD ? `: ${process.env.PWD}` : ''}`, { hint: 'cd to an existing directory' }, 'cwd_gone');
    }
    const program = createProgram(runtime, hubVersion());
    (options.register ?? registerCommands)(program);
    await program.parseAsync(gitCountForm(argv), { from: 'node' });
    if (signal.aborted) return ExitCode.interrupted;
    return program.exitCode ?? ExitCode.ok;
  } catch (err) {
    const out = { json: wantsJson(argv), verbose: argv.includes('--verbose'), stdout: runtime.stdout, stderr: runtime.stderr, color: colorsFor(runtime.env, runtime.stderrIsTTY) };
    if (err instanceof CommanderError) return commanderExit(err, out);
    return reportError(out, err, signal.aborted);
  } finally {
    if (ownsProcess) {
      // the SIGINT handler stays: a Ctrl-C while the process drains its last output exits 130
      // too, never by the default signal death (no exit code at all)
      process.off('SIGINT', onSigint);
      process.on('SIGINT', () => process.exit(ExitCode.interrupted));
      process.stdout.off('error', onStdoutError);
    }
  }
}

/**
 * --help and --version exit 0; help shown because no command was given exits 2; every other
 * commander error is a usage error reported like any HubError (exit 2).
 */
function commanderExit(err: CommanderError, out: Parameters<typeof reportError>[0]): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
  if (err.code === 'commander.help') {
    if (err.exitCode === 0) return ExitCode.ok;
    // Help went to stderr because no (sub)command was given; --json still gets its document.
    if (out.json) out.stdout(`${JSON.stringify(errorDocument(new UsageError('no command given')), null, 2)}\n`);
    return ExitCode.usage;
  }
  const unknown = err.code === 'commander.unknownCommand' ? /unknown command '([^']+)'/.exec(err.message)?.[1] : undefined;
  if (unknown && GIT_COMMANDS.has(unknown)) {
    // commander would suggest a hub command that merely looks alike ("Did you mean remote?")
    return reportError(out, new UsageError(`hub has no '${unknown}'; hub repositories are git repositories: run git ${unknown}`, { data: { reason: err.code, command: unknown } }));
  }
  const message = err.message.replace(/^error: /, '');
  return reportError(out, new UsageError(message, { data: { reason: err.code } }));
}

/** Whether `--json` appears among the options (before a `--`), for errors found while parsing. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** git commands hub does not have: for these, hub says to run git (the repository is a git repository). */
const GIT_COMMANDS = new Set([
  'am', 'apply', 'archive', 'bisect', 'blame', 'bundle', 'cat-file', 'cherry', 'cherry-pick', 'clean', 'config', 'describe',
  'difftool', 'filter-branch', 'format-patch', 'grep', 'gui', 'hash-object', 'ls-remote', 'ls-tree', 'mergetool', 'name-rev',
  'notes', 'range-diff', 'rebase', 'reflog', 'repack', 'replace', 'request-pull', 'rerere', 'rev-list', 'rev-parse', 'send-email',
  'shortlog', 'show-branch', 'show-ref', 'sparse-checkout', 'stage', 'submodule', 'switch-branch', 'symbolic-ref', 'update-index',
  'update-ref', 'whatchanged', 'worktree',
]);

/** git's `log -N` (N commits): commander cannot take a number as an option, so it becomes `-n N`. */
function gitCountForm(argv: string[]): string[] {
  const at = argv.indexOf('log', 2);
  if (at < 0) return argv;
  const end = argv.indexOf('--', at);
  return argv.flatMap((a, i) => (i > at && (end < 0 || i < end) && /^-\d+$/.test(a) ? ['-n', a.slice(1)] : [a]));
}
