/**
 * The commander program and what one run of it talks to. Everything a run touches from the
 * outside (cwd, env, stdout, stderr, the interrupt signal) is carried by a CliRuntime hung on the
 * root command, so tests can run the CLI in-process with fakes and there is no module state.
 */
import { Command } from 'commander';

/** The outside world of one CLI run; `main` builds it from the process, tests pass fakes. */
export interface CliRuntime {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is an interactive terminal (spinners are drawn only then). */
  stderrIsTTY: boolean;
  /** The stream spinners draw on (process.stderr in real runs). */
  stderrStream: NodeJS.WritableStream;
  /** Aborted on SIGINT. */
  signal: AbortSignal;
}

/**
 * A commander Command whose subcommands are HubCommands too (commander calls createCommand for
 * `.command()`); the root carries the runtime and, after an action ran, its exit code.
 */
export class HubCommand extends Command {
  /** The outside world of this run (set on the root only). */
  runtime?: CliRuntime;
  /** The exit code the action decided on (set on the root by action()). */
  exitCode?: number;

  override createCommand(name?: string): HubCommand {
    return new HubCommand(name);
  }
}

/** The root of `command`'s tree. */
export function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/** The name of the top-level command `command` is or is under (`store` for `hub store add`). */
export function topLevelName(command: Command): string {
  let c = command;
  while (c.parent?.parent) c = c.parent;
  return c.name();
}

/** The runtime of the run `command` belongs to; the real process when none was attached. */
export function runtimeOf(command: Command): CliRuntime {
  const root = rootOf(command);
  return (root instanceof HubCommand && root.runtime) || processRuntime(new AbortController().signal);
}

/** process.cwd(), or '' when the directory we were started in has been deleted. */
function currentDirectory(): string {
  try {
    return process.cwd();
  } catch {
    return '';
  }
}

/** A runtime over the real process: cwd, env, stdout, stderr. */
export function processRuntime(signal: AbortSignal): CliRuntime {
  return {
    cwd: currentDirectory(),
    env: process.env,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    stderrStream: process.stderr,
    signal,
  };
}

/**
 * Creates the `hub` program with its global options. Commander's own output goes through the
 * runtime; its errors are not printed here but thrown (exitOverride) so that `main` reports them
 * through the one error path in exit.ts. Set up before commands are added: subcommands inherit
 * output and exit settings when they are created.
 */
export function createProgram(runtime: CliRuntime, version: string): HubCommand {
  const program = new HubCommand('hub');
  program.runtime = runtime;
  program
    .description('Version ML model weights and datasets the way git versions code.')
    .version(version, '-V, --version', 'print the version and exit')
    .option('--json', 'print one JSON document on stdout')
    .option('-q, --quiet', 'print nothing but the result and warnings')
    .option('-C <dir>', 'run as if hub was started in <dir>')
    .option('--no-progress', 'do not show progress')
    .option('--verbose', 'print details, and stack traces of unexpected errors')
    .helpOption('-h, --help', 'show help')
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => runtime.stdout(text),
      writeErr: (text) => runtime.stderr(text),
      // Reported by main through exit.ts, so that usage errors look like every other error.
      outputError: () => {},
    });
  return program;
}
