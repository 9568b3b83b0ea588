/**
 * The context every command receives: where to run, how to print, where progress goes, and the
 * signal that aborts on Ctrl-C. Built once per run from the global options.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkEnvironment } from '../core/environment.js';
import { NotFoundError, fromFsError, isHubError } from '../errors.js';
import type { ProgressSink } from '../progress.js';
import type { CliRuntime } from './program.js';
import { colorsFor } from './color.js';
import { createProgressView, heartbeatFrom } from './progress-view.js';

/** What a command's action gets: everything it may touch, nothing global. */
export interface CliContext {
  /** The directory the command runs in (after `-C`). */
  cwd: string;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  env: NodeJS.ProcessEnv;
  progress: ProgressSink;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal: AbortSignal;
  /** stdin is a terminal (and not CI): git's credential helpers may prompt. */
  interactive: boolean;
}

/** The global options as commander parses them (`-C` is stored as `C`, `--no-progress` as `progress`). */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  progress?: boolean;
  C?: string;
}

/** The global options in effect for `command`, from it and all its ancestors. */
export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** True when running under CI: `CI` is set to anything but '', 'false' or '0'. */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** Resolves `-C dir` against `base`; the directory must exist. */
export async function resolveWorkdir(base: string, dir: string | undefined): Promise<string> {
  if (dir === undefined) return base;
  const path = resolve(base, dir);
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    const mapped = fromFsError(err, path, 'directory');
    if (isHubError(mapped)) throw mapped;
    throw err;
  }
  if (!isDir) throw new NotFoundError(`not a directory: ${path}`, { data: { path } }, 'file_not_found');
  return path;
}

/** Builds the context of one command run; `stop()` clears the progress display. */
export async function buildContext(command: Command, runtime: CliRuntime): Promise<{ ctx: CliContext; stop(): void }> {
  const opts = globalOptions(command);
  checkEnvironment(runtime.env);
  const cwd = await resolveWorkdir(runtime.cwd, opts.C);
  const json = opts.json === true;
  const quiet = opts.quiet === true;
  const view = createProgressView({
    quiet,
    noProgress: opts.progress === false,
    json,
    isTTY: runtime.stderrIsTTY,
    ci: isCI(runtime.env),
    color: colorsFor(runtime.env, runtime.stderrIsTTY),
    write: runtime.stderr,
    stream: runtime.stderrStream,
    heartbeatMs: heartbeatFrom(runtime.env),
  });
  const ctx: CliContext = {
    cwd,
    json,
    quiet,
    verbose: opts.verbose === true,
    env: runtime.env,
    progress: view.sink,
    stdout: runtime.stdout,
    stderr: runtime.stderr,
    signal: runtime.signal,
    interactive: process.stdin.isTTY === true && !isCI(runtime.env),
  };
  return { ctx, stop: view.stop };
}
