import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../../src/cli/context.js';
import { emit, formatBytes, formatCount, formatDuration, formatRate } from '../../../src/cli/render.js';
import { InterruptedError } from '../../../src/errors.js';
import { silentProgress } from '../../../src/progress.js';

function fakeContext(flags: { json?: boolean; quiet?: boolean; signal?: AbortSignal } = {}): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    cwd: '/',
    json: flags.json ?? false,
    quiet: flags.quiet ?? false,
    verbose: false,
    env: {},
    progress: silentProgress,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    signal: flags.signal ?? new AbortController().signal,
    out,
    err,
  };
}

describe('formatBytes', () => {
  it('uses bytes below 1 KiB and binary units with one decimal above', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(64 * 1024 * 1024)).toBe('64.0 MiB');
    expect(formatBytes(10 * 1024 ** 3)).toBe('10.0 GiB');
    expect(formatBytes(1024 ** 4)).toBe('1.0 TiB');
  });

  it('never prints 1024.0 of a unit', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(formatBytes(1024 ** 3 - 1)).toBe('1.0 GiB');
  });

  it('keeps the sign of negative sizes and survives non-numbers', () => {
    expect(formatBytes(-2048)).toBe('-2.0 KiB');
    expect(formatBytes(Number.NaN)).toBe('? B');
  });
});

describe('formatRate, formatDuration, formatCount', () => {
  it('formats rates as bytes per second', () => {
    expect(formatRate(300 * 1024 * 1024)).toBe('300.0 MiB/s');
    expect(formatRate(0)).toBe('0 B/s');
  });

  it('formats durations from milliseconds to hours', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(59_990)).toBe('1m 00s');
    expect(formatDuration(187_000)).toBe('3m 07s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(formatDuration(-1)).toBe('?');
  });

  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(16_777_216)).toBe('16,777,216');
  });
});

describe('emit', () => {
  const data = { name: 'model.bin', size: 3 };
  const human = (d: typeof data) => `${d.name} ${d.size}`;

  it('prints human text with a trailing newline', () => {
    const ctx = fakeContext();
    emit(ctx, data, human);
    expect(ctx.out).toEqual(['model.bin 3\n']);
    expect(ctx.err).toEqual([]);
  });

  it('prints exactly one pretty JSON document with --json, even with --quiet', () => {
    const ctx = fakeContext({ json: true, quiet: true });
    emit(ctx, data, human);
    expect(ctx.out).toEqual([`${JSON.stringify(data, null, 2)}\n`]);
    expect(JSON.parse(ctx.out.join(''))).toEqual(data);
  });

  it('prints nothing with --quiet, and nothing for empty human text', () => {
    const quiet = fakeContext({ quiet: true });
    emit(quiet, data, human);
    expect(quiet.out).toEqual([]);
    const empty = fakeContext();
    emit(empty, data, () => '');
    expect(empty.out).toEqual([]);
  });

  it('prints nothing after Ctrl-C: the interrupt is thrown instead of the result', () => {
    for (const json of [false, true]) {
      const controller = new AbortController();
      controller.abort(new InterruptedError());
      const ctx = fakeContext({ json, signal: controller.signal });
      expect(() => emit(ctx, data, human)).toThrow(InterruptedError);
      expect(ctx.out).toEqual([]);
    }
  });
});
