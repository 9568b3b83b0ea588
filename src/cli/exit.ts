/**
 * The one place where a thrown value becomes an exit code and an error message. HubErrors exit
 * with their own code and print one line (plus a `hint:` line when they have a hint); anything
 * else is a bug: exit 1, one line, and the stack only with --verbose.
 */
import type { ChalkInstance } from 'chalk';
import { ExitCode, fromSystemError, HubError, InterruptedError, isHubError } from '../errors.js';

/** Where and how to report: the subset of CliContext the error path needs. */
export interface ErrorOutput {
  json: boolean;
  verbose: boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Paints the `error:` and `hint:` labels on stderr (color.ts decides whether it paints at all). */
  color?: ChalkInstance;
}

/** The `--json` error document: `{"error": {...}}`, the one JSON document on stdout. */
export interface ErrorDocument {
  error: { code: string; message: string; exitCode: number; hint?: string; data?: Record<string, unknown> };
}

/**
 * The HubError a thrown value stands for, or undefined when it is unexpected (a bug).
 * An abort (Ctrl-C) counts as InterruptedError whatever the aborted code threw.
 */
export function toHubError(err: unknown, aborted = false): HubError | undefined {
  if (isHubError(err)) return aborted && err.exitCode !== ExitCode.interrupted ? new InterruptedError(undefined, { cause: err }) : err;
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (isAbortError(err) && isHubError(cause)) return cause;
  if (aborted) return new InterruptedError(undefined, { cause: err });
  return fromSystemError(err);
}

/** The exit code for a thrown value: the HubError's own, else 1. */
export function exitCodeFor(err: unknown, aborted = false): number {
  return toHubError(err, aborted)?.exitCode ?? ExitCode.error;
}

/**
 * Reports `err` and returns the exit code: `hub: error: <message>` (one line) on stderr, then
 * `hint: <hint>` when there is one; with --json also the error document on stdout; with
 * --verbose also the stack and causes. Pass `aborted` when the run's signal was aborted.
 */
export function reportError(out: ErrorOutput, err: unknown, aborted = false): number {
  const hubError = toHubError(err, aborted);
  const doc = errorDocument(err, aborted);
  const error = out.color ? out.color.red.bold('error:') : 'error:';
  if (hubError) {
    out.stderr(`hub: ${error} ${doc.error.message}\n`);
    if (doc.error.hint !== undefined) out.stderr(`${out.color ? out.color.yellow('hint:') : 'hint:'} ${doc.error.hint}\n`);
  } else {
    out.stderr(`hub: ${error} unexpected: ${doc.error.message} (run with --verbose for details)\n`);
  }
  if (out.verbose) out.stderr(details(err));
  if (out.json) out.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  return doc.error.exitCode;
}

/** The `--json` error document for a thrown value (code `unexpected` for non-Hub errors). */
export function errorDocument(err: unknown, aborted = false): ErrorDocument {
  const hubError = toHubError(err, aborted);
  return hubError
    ? {
        error: {
          code: hubError.code,
          message: oneLine(hubError.message),
          exitCode: hubError.exitCode,
          ...(hubError.hint !== undefined ? { hint: oneLine(hubError.hint) } : {}),
          ...(hubError.data !== undefined ? { data: hubError.data } : {}),
        },
      }
    : { error: { code: 'unexpected', message: oneLine(messageOf(err)), exitCode: ExitCode.error } };
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as NodeJS.ErrnoException).code === 'ABORT_ERR');
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Messages and hints are single lines whatever the thrower put in them. */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

/** The stack of `err` and of each `cause` under it (for --verbose only). */
function details(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    lines.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return `${lines.join('\n')}\n`;
}
