import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCI } from '../../../src/cli/context.js';
import { createProgressView, heartbeatFrom, type ProgressViewOptions } from '../../../src/cli/progress-view.js';

const MiB = 1024 * 1024;

function plainView(over: Partial<ProgressViewOptions> = {}) {
  const lines: string[] = [];
  let now = 0;
  const view = createProgressView({
    quiet: false,
    noProgress: false,
    json: false,
    isTTY: false,
    ci: true,
    write: (t) => void lines.push(t),
    now: () => now,
    ...over,
  });
  return { view, lines, advance: (ms: number) => void (now += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createProgressView, plain lines', () => {
  it('prints one line at start and one at end, none per progress event', () => {
    const { view, lines, advance } = plainView();
    view.sink({ type: 'start', id: 'a', label: 'chunking model.bin', total: 64 * MiB });
    for (let i = 1; i <= 64; i++) {
      advance(10);
      view.sink({ type: 'progress', id: 'a', done: i * MiB });
    }
    view.sink({ type: 'end', id: 'a', ok: true, summary: '512 chunks' });
    view.stop();
    expect(lines).toEqual(['chunking model.bin (64.0 MiB)\n', 'chunking model.bin: 512 chunks (640 ms, 100.0 MiB/s)\n']);
  });

  it('reports a long task every 10 s', () => {
    const { view, lines, advance } = plainView();
    view.sink({ type: 'start', id: 'a', label: 'push', total: 100 * MiB });
    for (let i = 1; i <= 25; i++) {
      advance(1000);
      view.sink({ type: 'progress', id: 'a', done: i * MiB });
    }
    expect(lines).toEqual(['push (100.0 MiB)\n', 'push: 10%  10.0 MiB / 100.0 MiB  1.0 MiB/s\n', 'push: 20%  20.0 MiB / 100.0 MiB  1.0 MiB/s\n']);
  });

  it('reports a long task on a timer even when no event arrives (one request that reports nothing for a minute)', () => {
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const view = createProgressView({ quiet: false, noProgress: false, json: false, isTTY: false, ci: true, write: (t) => void lines.push(t), now: () => Date.now() });
    view.sink({ type: 'start', id: 'a', label: 'Uploading 1 large file', total: 100 * MiB });
    view.sink({ type: 'progress', id: 'a', done: 5 * MiB });
    vi.advanceTimersByTime(25_000);
    expect(lines).toEqual(['Uploading 1 large file (100.0 MiB)\n', 'Uploading 1 large file: 5%  5.0 MiB / 100.0 MiB  512.0 KiB/s\n', 'Uploading 1 large file: 5%  5.0 MiB / 100.0 MiB  256.0 KiB/s\n']);
    view.sink({ type: 'end', id: 'a', ok: true });
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(4); // the timer ends with the last task
    view.stop();
  });

  it('HUB_PROGRESS_INTERVAL sets the interval in seconds; anything else is exit 2', () => {
    expect(heartbeatFrom({})).toBe(10_000);
    expect(heartbeatFrom({ HUB_PROGRESS_INTERVAL: '0.5' })).toBe(500);
    for (const bad of ['0', 'x', '-1', '5000']) expect(() => heartbeatFrom({ HUB_PROGRESS_INTERVAL: bad })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('shows the rate and ETA a transfer measured, when the event carries them', () => {
    const { view, lines, advance } = plainView();
    view.sink({ type: 'start', id: 'a', label: 'Downloading 1 large file', total: 100 * MiB });
    advance(10_000);
    view.sink({ type: 'progress', id: 'a', done: 20 * MiB, rate: 4 * MiB, eta: 20 });
    expect(lines[1]).toBe('Downloading 1 large file: 20%  20.0 MiB / 100.0 MiB  4.0 MiB/s  ETA 20.0 s\n');
  });

  it('counts items when the unit says so and marks failures', () => {
    const { view, lines } = plainView();
    view.sink({ type: 'start', id: 'f', label: 'checking xorbs', total: 12345, unit: 'items' });
    view.sink({ type: 'end', id: 'f', ok: false, summary: '2 damaged' });
    expect(lines).toEqual(['checking xorbs (12,345)\n', 'checking xorbs: failed: 2 damaged\n']);
  });

  it('prints notices as warning:/note: lines', () => {
    const { view, lines } = plainView();
    view.sink({ type: 'notice', level: 'warn', message: 'skipping broken symlink a/b' });
    view.sink({ type: 'notice', level: 'info', message: '3 files already stored' });
    expect(lines).toEqual(['warning: skipping broken symlink a/b\n', 'note: 3 files already stored\n']);
  });

  it('prints nothing but warnings with --quiet', () => {
    const { view, lines } = plainView({ quiet: true });
    view.sink({ type: 'start', id: 'a', label: 'add', total: 10 });
    view.sink({ type: 'progress', id: 'a', done: 10 });
    view.sink({ type: 'notice', level: 'info', message: 'fyi' });
    view.sink({ type: 'notice', level: 'warn', message: 'careful' });
    view.sink({ type: 'end', id: 'a', ok: true });
    expect(lines).toEqual(['warning: careful\n']);
  });

  it('never animates under CI, with --no-progress or with --json, even on a terminal', () => {
    for (const over of [{ ci: true }, { ci: false, noProgress: true }, { ci: false, json: true }]) {
      const stream = new PassThrough();
      let drawn = '';
      stream.on('data', (b: Buffer) => void (drawn += b.toString()));
      const { view, lines } = plainView({ isTTY: true, stream, ...over });
      view.sink({ type: 'start', id: 'a', label: 'add', total: 10 });
      view.sink({ type: 'end', id: 'a', ok: true });
      view.stop();
      expect(drawn).toBe('');
      expect(lines).toHaveLength(2);
    }
  });
});

describe('createProgressView, spinner', () => {
  it('draws on the stream (not as plain lines) on a terminal outside CI', async () => {
    // A stand-in for a tty.WriteStream: ora moves the cursor and clears lines.
    const stream = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 100,
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
    });
    let drawn = '';
    stream.on('data', (b: Buffer) => void (drawn += b.toString()));
    const { view, lines } = plainView({ isTTY: true, ci: false, stream });
    view.sink({ type: 'start', id: 'a', label: 'chunking model.bin', total: 4 * MiB });
    // the spinner (ora) is loaded when the first task starts: it draws once that is done
    await vi.waitFor(() => expect(drawn).toContain('⠋ chunking model.bin  0%  0 B / 4.0 MiB'));
    view.sink({ type: 'progress', id: 'a', done: 2 * MiB });
    view.sink({ type: 'end', id: 'a', ok: true, summary: '32 chunks' });
    view.stop();
    expect(lines).toEqual([]);
    expect(drawn).toMatch(/✔ chunking model\.bin: 32 chunks \(/);
  });

  it('a task that ends before the spinner is loaded still gets its end line', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 100, cursorTo: () => true, moveCursor: () => true, clearLine: () => true });
    let drawn = '';
    stream.on('data', (b: Buffer) => void (drawn += b.toString()));
    const { view, lines } = plainView({ isTTY: true, ci: false, stream });
    view.sink({ type: 'start', id: 'a', label: 'hashing', unit: 'items' });
    view.sink({ type: 'end', id: 'a', ok: false, summary: 'gone' });
    view.stop();
    expect(lines).toEqual([]);
    expect(drawn).toBe('✖ hashing: failed: gone\n');
  });
});

describe('isCI', () => {
  it('is true when CI is set to anything but empty, false or 0', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({ CI: 'woodpecker' })).toBe(true);
    expect(isCI({})).toBe(false);
    expect(isCI({ CI: '' })).toBe(false);
    expect(isCI({ CI: 'false' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
  });
});
