import { describe, expect, it } from 'vitest';
import { errorDocument, exitCodeFor, reportError, type ErrorOutput } from '../../../src/cli/exit.js';
import {
  ConflictError,
  ExitCode,
  FormatError,
  HubError,
  IntegrityError,
  InterruptedError,
  NetworkError,
  NotFoundError,
  PermissionError,
  UsageError,
} from '../../../src/errors.js';

function capture(flags: { json?: boolean; verbose?: boolean } = {}): ErrorOutput & { out: string; err: string } {
  const o = {
    json: flags.json ?? false,
    verbose: flags.verbose ?? false,
    out: '',
    err: '',
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
  };
  return o;
}

describe('exitCodeFor', () => {
  it('maps every HubError subclass to its row of the exit-code table', () => {
    expect(exitCodeFor(new HubError('x', 'x'))).toBe(1);
    expect(exitCodeFor(new FormatError('bad pointer'))).toBe(1);
    expect(exitCodeFor(new UsageError('bad flag'))).toBe(2);
    expect(exitCodeFor(new NotFoundError('no such revision'))).toBe(3);
    expect(exitCodeFor(new PermissionError('bad token'))).toBe(4);
    expect(exitCodeFor(new IntegrityError('hash mismatch'))).toBe(5);
    expect(exitCodeFor(new NetworkError('connection refused'))).toBe(6);
    expect(exitCodeFor(new ConflictError('lock held'))).toBe(7);
    expect(exitCodeFor(new InterruptedError())).toBe(130);
  });

  it('maps anything else to 1', () => {
    expect(exitCodeFor(new TypeError('x is undefined'))).toBe(1);
    expect(exitCodeFor('a string')).toBe(1);
    expect(exitCodeFor(undefined)).toBe(1);
  });

  it('maps anything thrown after an abort to 130, and AbortErrors carrying a HubError to it', () => {
    expect(exitCodeFor(new TypeError('stream destroyed'), true)).toBe(130);
    expect(exitCodeFor(new IntegrityError('short read'), true)).toBe(130);
    expect(exitCodeFor(Object.assign(new Error('aborted'), { name: 'AbortError', cause: new InterruptedError() }))).toBe(130);
    expect(exitCodeFor(new Error('plain'))).toBe(1);
  });
});

describe('reportError', () => {
  it('prints exactly one line for a HubError without a hint', () => {
    const o = capture();
    expect(reportError(o, new NotFoundError('revision not found: v9'))).toBe(ExitCode.notFound);
    expect(o.err).toBe('hub: error: revision not found: v9\n');
    expect(o.out).toBe('');
  });

  it('adds a hint line only when there is a hint', () => {
    const o = capture();
    reportError(o, new PermissionError('no token for 127.0.0.1', { hint: 'run `hub login`' }));
    expect(o.err).toBe('hub: error: no token for 127.0.0.1\nhint: run `hub login`\n');
  });

  it('keeps messages on one line', () => {
    const o = capture();
    reportError(o, new FormatError('bad pointer:\n  missing oid'));
    expect(o.err).toBe('hub: error: bad pointer: missing oid\n');
  });

  it('a full disk, a quota, a file too large, a read-only file system or an I/O error is the machine, not a bug: one line, its own code', () => {
    // the errors node's fs and streams throw (errno, syscall, path)
    const sys = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: failed, ${syscall}`), { code, errno: -1, syscall, ...(path ? { path } : {}) });
    for (const [err, line, code] of [
      [sys('ENOSPC', 'write'), 'hub: error: no space left on device (write)', 'disk_full'],
      [sys('ENOSPC', 'open', '/m/x.tmp'), 'hub: error: no space left on device (open /m/x.tmp)', 'disk_full'],
      [sys('EDQUOT', 'write'), 'hub: error: disk quota exceeded (write)', 'disk_full'],
      [sys('EFBIG', 'write'), 'hub: error: file too large for this file system or the file size limit (write)', 'file_too_large'],
      [sys('EROFS', 'open', '/ro/f'), 'hub: error: the file system is read-only (open /ro/f)', 'read_only_fs'],
      [sys('EIO', 'read'), 'hub: error: input/output error (read): the disk or file system failed', 'io_error'],
    ] as const) {
      const o = capture({ json: true });
      expect(reportError(o, err)).toBe(1);
      expect(o.err.split('\n')[0]).toBe(line);
      expect(o.err).not.toMatch(/unexpected/);
      expect(JSON.parse(o.out).error.code).toBe(code);
    }
    const other = capture();
    reportError(other, sys('EBADF', 'write'));
    expect(other.err).toMatch(/^hub: error: unexpected: /); // anything else stays a bug
  });

  it('with --json also prints the error document on stdout', () => {
    const o = capture({ json: true });
    const err = new IntegrityError('hash mismatch for model.bin', { hint: 'run hub fsck', data: { path: 'model.bin' } }, 'hash_mismatch');
    expect(reportError(o, err)).toBe(5);
    expect(o.err.split('\n').filter(Boolean)).toHaveLength(2);
    expect(JSON.parse(o.out)).toEqual({
      error: { code: 'hash_mismatch', message: 'hash mismatch for model.bin', exitCode: 5, hint: 'run hub fsck', data: { path: 'model.bin' } },
    });
  });

  it('reports unexpected errors as exit 1 in one line, without a stack', () => {
    const o = capture();
    expect(reportError(o, new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(1);
    expect(o.err).toBe("hub: error: unexpected: Cannot read properties of undefined (reading 'x') (run with --verbose for details)\n");
    expect(o.err).not.toMatch(/\n\s+at /);
  });

  it('prints the stack and causes only with --verbose', () => {
    const o = capture({ verbose: true });
    reportError(o, new Error('outer', { cause: new Error('inner') }));
    expect(o.err).toMatch(/^hub: error: unexpected: outer \(run with --verbose for details\)\n/);
    expect(o.err).toMatch(/\n\s+at /);
    expect(o.err).toContain('caused by: Error: inner');
  });

  it('gives unexpected errors an error document too', () => {
    expect(errorDocument(new RangeError('boom'))).toEqual({ error: { code: 'unexpected', message: 'boom', exitCode: 1 } });
  });

  it('reports an interrupted run as `interrupted`, exit 130', () => {
    const o = capture();
    expect(reportError(o, new Error('socket hang up'), true)).toBe(130);
    expect(o.err).toBe('hub: error: interrupted\n');
  });
});
