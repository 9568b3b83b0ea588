/**
 * The one error hierarchy of hub. Every failure a user can meet is a HubError with a stable
 * machine-readable `code`, an `exitCode` from the table below, an optional `hint`, and whether
 * retrying may help. Classify by behaviour (subclass, `retriable`), never by message text.
 */

/** The exit-code table (DESIGN.md §6); the README documents it. */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  integrity: 5,
  network: 6,
  conflict: 7,
  interrupted: 130,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Options shared by every HubError constructor. */
export interface HubErrorOptions {
  hint?: string;
  cause?: unknown;
  retriable?: boolean;
  /** Structured details for `--json` output (paths, oids, object names). */
  data?: Record<string, unknown>;
}

/** Base class: a failure with a code, an exit code and an optional hint. */
export class HubError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  readonly retriable: boolean;
  readonly data?: Record<string, unknown>;

  constructor(code: string, message: string, exitCode: ExitCodeValue = ExitCode.error, opts: HubErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = opts.hint;
    this.retriable = opts.retriable ?? false;
    this.data = opts.data;
  }
}

/** The command line was wrong: unknown option, bad argument, a directory where a file was wanted. */
export class UsageError extends HubError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'usage') {
    super(code, message, ExitCode.usage, opts);
  }
}

/** A named thing (file, object, repository, revision, path) does not exist. */
export class NotFoundError extends HubError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'not_found') {
    super(code, message, ExitCode.notFound, opts);
  }
}

/** Missing or wrong credentials, or a file or resource we may not read or write. */
export class PermissionError extends HubError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'permission_denied') {
    super(code, message, ExitCode.auth, opts);
  }
}

/** Bytes do not match their hash, or a stored object is damaged. */
export class IntegrityError extends HubError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'integrity') {
    super(code, message, ExitCode.integrity, opts);
  }
}

/** The network failed after retries. */
export class NetworkError extends HubError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'network') {
    super(code, message, ExitCode.network, { retriable: true, ...opts });
  }
}

/**
 * A remote answered something its protocol does not allow (an HTML page from a captive portal
 * or proxy, truncated or non-JSON text, JSON of the wrong shape): exit 6 like any network
 * failure, not retried, and the message names the URL and what was expected.
 */
export class ProtocolError extends NetworkError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'bad_response') {
    super(message, { retriable: false, ...opts }, code);
  }
}

/** Someone else holds a lock, a tree is dirty, a push is not a fast-forward. */
export class ConflictError extends HubError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'conflict') {
    super(code, message, ExitCode.conflict, opts);
  }
}

/** Input data (not the command line) is malformed: a pointer, a manifest, a record. */
export class FormatError extends HubError {
  constructor(message: string, opts: HubErrorOptions = {}, code = 'bad_format') {
    super(code, message, ExitCode.error, opts);
  }
}

/** The user interrupted the command (SIGINT). */
export class InterruptedError extends HubError {
  constructor(message = 'interrupted', opts: HubErrorOptions = {}) {
    super('interrupted', message, ExitCode.interrupted, opts);
  }
}

/** True when `err` is a HubError (of any subclass). */
export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError;
}

/**
 * Turns a Node file-system error about `path` into the HubError a user should see.
 * Unknown errno values are returned unchanged so the caller's "unexpected" path handles them.
 */
export function fromFsError(err: unknown, path: string, what = 'file'): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new NotFoundError(`${what} not found: ${path}`, { cause: err, data: { path } }, 'file_not_found');
    case 'EISDIR':
      return new UsageError(`${path} is a directory, not a ${what}`, { cause: err, data: { path } }, 'is_directory');
    case 'EACCES':
    case 'EPERM':
      return new PermissionError(`permission denied: ${path}`, { cause: err, data: { path } });
    case 'ENOSPC':
      return new HubError('disk_full', `no space left on device while writing ${path}`, ExitCode.error, { cause: err });
    default:
      return err;
  }
}
