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

/**
 * Every error code hub uses, with the one exit code it always has (issue 12: one code, one exit
 * code, everywhere). The `code` of `--json` errors is API: docs/errors.md lists these, and
 * test/unit/errors.test.ts fails when a construction in src/ uses a code that is missing here or
 * gives it another exit code, or when this table and the docs disagree.
 */
export const ERROR_CODES: Readonly<Record<string, ExitCodeValue>> = {
  // 1: malformed input data, a failed step, a store from a newer hub
  bad_format: ExitCode.error,
  bad_gguf: ExitCode.error,
  bad_git_index: ExitCode.error,
  bad_identity: ExitCode.error,
  bad_manifest: ExitCode.error,
  bad_object: ExitCode.error,
  bad_pointer: ExitCode.error,
  bad_safetensors: ExitCode.error,
  bad_shard: ExitCode.error,
  bad_stat_cache: ExitCode.error,
  bad_table: ExitCode.error,
  bad_table_key: ExitCode.error,
  bad_tree: ExitCode.error,
  bad_xorb: ExitCode.error,
  database_error: ExitCode.error,
  disk_full: ExitCode.error,
  file_too_large: ExitCode.error,
  git_failed: ExitCode.error,
  http_error: ExitCode.error,
  io_error: ExitCode.error,
  lfs_check_unavailable: ExitCode.error,
  metadata_too_new: ExitCode.error,
  missing_shard: ExitCode.error,
  nothing_to_commit: ExitCode.error,
  read_only_fs: ExitCode.error,
  store_too_new: ExitCode.error,
  sync_on_object_store: ExitCode.error,
  truncated_file: ExitCode.error,
  wasm_memory: ExitCode.error,
  // 2: the command line or the environment is wrong
  bad_author: ExitCode.usage,
  bad_database_url: ExitCode.usage,
  bad_endpoint: ExitCode.usage,
  bad_host: ExitCode.usage,
  bad_environment: ExitCode.usage,
  bad_label: ExitCode.usage,
  bad_limit: ExitCode.usage,
  bad_move: ExitCode.usage,
  bad_name: ExitCode.usage,
  bad_oid: ExitCode.usage,
  bad_path: ExitCode.usage,
  bad_pattern: ExitCode.usage,
  bad_ref_name: ExitCode.usage,
  bad_remote_name: ExitCode.usage,
  bad_repo_id: ExitCode.usage,
  bad_repo_type: ExitCode.usage,
  bad_request: ExitCode.usage,
  bad_size: ExitCode.usage,
  bad_storage: ExitCode.usage,
  storage_mismatch: ExitCode.usage,
  bad_grace: ExitCode.usage,
  bad_token_id: ExitCode.usage,
  bad_url: ExitCode.usage,
  detached_head: ExitCode.usage,
  empty_message: ExitCode.usage,
  inside_git_dir: ExitCode.usage,
  is_directory: ExitCode.usage,
  needs_recursive: ExitCode.usage,
  no_endpoint: ExitCode.usage,
  no_identity: ExitCode.usage,
  no_index_args: ExitCode.usage,
  no_paths: ExitCode.usage,
  not_a_commit: ExitCode.usage,
  not_a_file: ExitCode.usage,
  outside_repo: ExitCode.usage,
  path_ignored: ExitCode.usage,
  path_outside: ExitCode.usage,
  too_large: ExitCode.usage,
  too_many_revisions: ExitCode.usage,
  two_revisions: ExitCode.usage,
  usage: ExitCode.usage,
  // 3: a named thing does not exist
  content_missing: ExitCode.notFound,
  cwd_gone: ExitCode.notFound,
  empty_repository: ExitCode.notFound,
  database_not_found: ExitCode.notFound,
  file_not_found: ExitCode.notFound,
  lock_not_found: ExitCode.notFound,
  no_commits: ExitCode.notFound,
  no_merge: ExitCode.notFound,
  no_stash: ExitCode.notFound,
  not_a_repo: ExitCode.notFound,
  not_cached: ExitCode.notFound,
  not_found: ExitCode.notFound,
  object_not_found: ExitCode.notFound,
  path_not_found: ExitCode.notFound,
  pathspec_no_match: ExitCode.notFound,
  pattern_not_tracked: ExitCode.notFound,
  repo_not_found: ExitCode.notFound,
  token_not_found: ExitCode.notFound,
  unknown_branch: ExitCode.notFound,
  unknown_remote: ExitCode.notFound,
  unknown_revision: ExitCode.notFound,
  unknown_tag: ExitCode.notFound,
  user_not_found: ExitCode.notFound,
  // 4: credentials or permissions
  credentials_rejected: ExitCode.auth,
  database_auth: ExitCode.auth,
  forbidden: ExitCode.auth,
  no_credentials: ExitCode.auth,
  no_token: ExitCode.auth,
  not_logged_in: ExitCode.auth,
  permission_denied: ExitCode.auth,
  port_denied: ExitCode.auth,
  unauthorized: ExitCode.auth,
  // 5: bytes that do not match their hash, a damaged store or tree
  chunk_mismatch: ExitCode.integrity,
  corrupt_index: ExitCode.integrity,
  corrupt_manifest: ExitCode.integrity,
  corrupt_metadata: ExitCode.integrity,
  corrupt_merge_head: ExitCode.integrity,
  corrupt_object: ExitCode.integrity,
  corrupt_xorb: ExitCode.integrity,
  hash_mismatch: ExitCode.integrity,
  integrity: ExitCode.integrity,
  missing_chunk: ExitCode.integrity,
  missing_manifest: ExitCode.integrity,
  missing_xorb: ExitCode.integrity,
  size_mismatch: ExitCode.integrity,
  unsafe_path: ExitCode.integrity,
  shard_mismatch: ExitCode.integrity,
  xet_hash_mismatch: ExitCode.integrity,
  xorb_mismatch: ExitCode.integrity,
  // 6: the network, or a remote's answer that its protocol does not allow
  bad_range: ExitCode.network,
  bad_reconstruction: ExitCode.network,
  bad_response: ExitCode.network,
  connection_failed: ExitCode.network,
  connection_lost: ExitCode.network,
  database_unreachable: ExitCode.network,
  network: ExitCode.network,
  network_login: ExitCode.network,
  offline: ExitCode.network,
  server_error: ExitCode.network,
  storage_failed: ExitCode.network,
  truncated: ExitCode.network,
  // 7: someone else's lock or changes are in the way
  branch_exists: ExitCode.conflict,
  conflict: ExitCode.conflict,
  current_branch: ExitCode.conflict,
  destination_exists: ExitCode.conflict,
  dirty_tree: ExitCode.conflict,
  file_changed: ExitCode.conflict,
  index_locked: ExitCode.conflict,
  lock_exists: ExitCode.conflict,
  locked: ExitCode.conflict,
  locked_by_other: ExitCode.conflict,
  merge_conflict: ExitCode.conflict,
  merge_in_progress: ExitCode.conflict,
  merge_unsupported: ExitCode.conflict,
  non_fast_forward: ExitCode.conflict,
  not_merged: ExitCode.conflict,
  port_in_use: ExitCode.conflict,
  push_rejected: ExitCode.conflict,
  remote_exists: ExitCode.conflict,
  repo_exists: ExitCode.conflict,
  stale_lease: ExitCode.conflict,
  store_busy: ExitCode.conflict,
  store_locked: ExitCode.conflict,
  tag_exists: ExitCode.conflict,
  uncommitted_changes: ExitCode.conflict,
  unrelated_histories: ExitCode.conflict,
  unmerged: ExitCode.conflict,
  // 130
  interrupted: ExitCode.interrupted,
};

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
 * The HubError for a system error that is the machine's state, not a bug: a full disk or quota,
 * a file larger than the file system or the file size limit takes, a read-only file system, an
 * I/O error. Any command that writes can meet one anywhere (a 10 GiB pull that filled the disk
 * printed "unexpected: ENOSPC: ..."); undefined for anything else.
 */
export function fromSystemError(err: unknown): HubError | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const where = typeof e?.path === 'string' ? ` (${e.syscall ?? 'writing'} ${e.path})` : e?.syscall ? ` (${e.syscall})` : '';
  switch (e?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new HubError('disk_full', `${e.code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device'}${where}`, ExitCode.error, { cause: err, hint: 'free some space and run the command again: what it had not finished is not used' });
    case 'EFBIG':
      // a file system's largest file (FAT32: 4 GiB) or the process's file size limit (ulimit -f)
      return new HubError('file_too_large', `file too large for this file system or the file size limit${where}`, ExitCode.error, { cause: err, hint: "write to a file system that holds files this large (not FAT32), or raise the limit ('ulimit -f unlimited')" });
    case 'EROFS':
      return new HubError('read_only_fs', `the file system is read-only${where}`, ExitCode.error, { cause: err });
    case 'EIO':
      return new HubError('io_error', `input/output error${where}: the disk or file system failed`, ExitCode.error, { cause: err });
    default:
      return undefined;
  }
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
