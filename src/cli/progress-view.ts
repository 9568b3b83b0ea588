/**
 * Turns progress events into something a person can watch. On an interactive terminal (and never
 * under CI) an ora spinner on stderr shows the active task; everywhere else, plain lines: one when
 * a task starts, one when it ends, one every 10 s for long tasks (a timer: a request that
 * reports nothing for minutes still gets its line, so a CI log shows the job is alive), and notices. With --quiet only
 * warnings are printed. Library code never prints; this is the only place progress becomes text.
 */
import type { ChalkInstance } from 'chalk';
import type { Ora } from 'ora';
import { UsageError } from '../errors.js';
import type { ProgressEvent, ProgressSink, TaskStart } from '../progress.js';
import { formatBytes, formatCount, formatDuration, formatRate } from './units.js';

/** How the view decides between a spinner, plain lines and silence. */
export interface ProgressViewOptions {
  quiet: boolean;
  noProgress: boolean;
  json: boolean;
  /** Whether stderr is a terminal. */
  isTTY: boolean;
  /** Whether we run under CI (see `isCI` in context.ts): never animate then. */
  ci: boolean;
  /** Paints warnings and the spinner's end symbols (color.ts decides whether it paints); default none. */
  color?: ChalkInstance;
  /** Where plain lines go; default process.stderr. */
  write?: (text: string) => void;
  /** The stream the spinner draws on; default process.stderr. */
  stream?: NodeJS.WritableStream;
  /** Clock in milliseconds; default Date.now. */
  now?: () => number;
  /** How often plain mode reports a running task, in milliseconds (HUB_PROGRESS_INTERVAL); default 10 s. */
  heartbeatMs?: number;
}

/** A progress sink plus `stop()`, which clears any spinner; call it before printing errors. */
export interface ProgressView {
  sink: ProgressSink;
  stop(): void;
}

/**
 * HUB_PROGRESS_INTERVAL (seconds, 0.1 to 3600, decimals allowed) as milliseconds: how often plain
 * progress reports a running task (default 10 s). Anything else is exit 2.
 */
export function heartbeatFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.HUB_PROGRESS_INTERVAL;
  if (raw === undefined || raw === '') return PLAIN_HEARTBEAT_MS;
  const s = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(s >= 0.1 && s <= 3600)) throw new UsageError(`HUB_PROGRESS_INTERVAL must be a number of seconds from 0.1 to 3600, not '${raw}'`, { data: { variable: 'HUB_PROGRESS_INTERVAL', value: raw } }, 'bad_environment');
  return Math.round(s * 1000);
}

/** Minimum time between two spinner text updates (about 10 per second). */
const SPINNER_THROTTLE_MS = 100;
/** In plain mode, a long task reports where it is this often (unless HUB_PROGRESS_INTERVAL says otherwise). */
export const PLAIN_HEARTBEAT_MS = 10_000;

interface Task {
  label: string;
  unit: 'bytes' | 'items';
  total?: number;
  done: number;
  /** Rate and ETA as the library measured them (transfers), if it did. */
  rate?: number;
  eta?: number;
  startedAt: number;
  lastLineAt: number;
}

/** Builds the view for one command run from the global options and the terminal. */
export function createProgressView(opts: ProgressViewOptions): ProgressView {
  const write = opts.write ?? ((text: string) => void process.stderr.write(text));
  const now = opts.now ?? Date.now;
  const stream = opts.stream ?? process.stderr;
  // A terminal that reports no width (some `script`/serial setups) makes ora redraw endlessly.
  const width = (stream as { columns?: number }).columns ?? 0;
  const animate = opts.isTTY && !opts.ci && !opts.noProgress && !opts.quiet && !opts.json && width > 0;
  const color = opts.color !== undefined && opts.color.level > 0 ? opts.color : undefined;
  const tasks = new Map<string, Task>();

  const noticeLine = (level: 'info' | 'warn', message: string): string =>
    level === 'warn' ? `${color ? color.yellow('warning:') : 'warning:'} ${message}\n` : `note: ${message}\n`;

  if (!animate) {
    const every = opts.heartbeatMs ?? PLAIN_HEARTBEAT_MS;
    let timer: NodeJS.Timeout | undefined;
    const beat = (t: number): void => {
      for (const task of tasks.values()) {
        if (t - task.lastLineAt < every) continue;
        task.lastLineAt = t;
        write(`${task.label}: ${describe(task, t)}\n`);
      }
    };
    const stopTimer = (): void => {
      if (timer) clearInterval(timer);
      timer = undefined;
    };
    const sink: ProgressSink = (event) => {
      if (event.type === 'notice') {
        if (event.level === 'warn' || !opts.quiet) write(noticeLine(event.level, event.message));
        return;
      }
      if (opts.quiet) return;
      const t = now();
      if (event.type === 'start') {
        const task = newTask(event, t);
        tasks.set(event.id, task);
        write(`${task.label}${task.total !== undefined ? ` (${amount(task.total, task.unit)})` : ''}\n`);
        // the beat does not keep the process alive, and ends with the last task
        timer ??= setInterval(() => beat(now()), Math.min(every, 1000)).unref();
      } else if (event.type === 'progress') {
        const task = tasks.get(event.id);
        if (!task) return;
        advance(task, event);
        beat(t);
      } else {
        const task = tasks.get(event.id);
        if (!task) return;
        tasks.delete(event.id);
        write(`${endLine(task, event.ok, event.summary, t)}\n`);
        if (!tasks.size) stopTimer();
      }
    };
    return {
      sink,
      stop: () => {
        tasks.clear();
        stopTimer();
      },
    };
  }

  // ora (and its dozen modules, tens of ms to load) is imported when the first task starts, so
  // that commands which report no progress (status, log, ...) never load it; until it is there,
  // nothing is drawn, and a task that ends before then gets its end line all the same
  let makeSpinner: typeof import('ora').default | undefined;
  let loading: Promise<void> | undefined;
  let spinner: Ora | undefined;
  let current: string | undefined;
  let lastRender = -Infinity;

  const spinnerText = (t: number): string => {
    const task = current === undefined ? undefined : tasks.get(current);
    if (!task) return '';
    const more = tasks.size > 1 ? ` (+${tasks.size - 1} more)` : '';
    return `${task.label}  ${describe(task, t)}${more}`;
  };
  const show = (t: number): void => {
    lastRender = t;
    if (!makeSpinner) {
      loading ??= import('ora').then((m) => {
        makeSpinner = m.default;
        if (current !== undefined) show(now());
      });
      return;
    }
    spinner ??= makeSpinner({ stream, isEnabled: true, discardStdin: false, hideCursor: true, color: color ? 'cyan' : false });
    spinner.text = spinnerText(t);
    if (!spinner.isSpinning) spinner.start();
  };
  const printAbove = (line: string): void => {
    if (spinner?.isSpinning) {
      spinner.clear();
      stream.write(line);
      spinner.render();
    } else {
      stream.write(line);
    }
  };

  const sink: ProgressSink = (event: ProgressEvent) => {
    const t = now();
    switch (event.type) {
      case 'notice':
        printAbove(noticeLine(event.level, event.message));
        return;
      case 'start':
        tasks.set(event.id, newTask(event, t));
        current = event.id;
        show(t);
        return;
      case 'progress': {
        const task = tasks.get(event.id);
        if (!task) return;
        advance(task, event);
        if (t - lastRender >= SPINNER_THROTTLE_MS) show(t);
        return;
      }
      case 'end': {
        const task = tasks.get(event.id);
        if (!task) return;
        tasks.delete(event.id);
        const symbol = event.ok ? (color ? color.green('✔') : '✔') : color ? color.red('✖') : '✖';
        const text = endLine(task, event.ok, event.summary, t);
        if (spinner) spinner.stopAndPersist({ symbol, text });
        else stream.write(`${symbol} ${text}\n`); // what stopAndPersist writes
        if (current === event.id) current = [...tasks.keys()].pop();
        if (current !== undefined) show(t);
        return;
      }
    }
  };
  const stop = (): void => {
    if (spinner?.isSpinning) spinner.stop();
    tasks.clear();
    current = undefined;
  };
  return { sink, stop };
}

function newTask(event: TaskStart, t: number): Task {
  return { label: event.label, unit: event.unit ?? 'bytes', total: event.total, done: 0, startedAt: t, lastLineAt: t };
}

function advance(task: Task, event: { done: number; total?: number; rate?: number; eta?: number }): void {
  task.done = event.done;
  if (event.total !== undefined) task.total = event.total;
  task.rate = event.rate;
  task.eta = event.eta;
}

function amount(n: number, unit: 'bytes' | 'items'): string {
  return unit === 'bytes' ? formatBytes(n) : formatCount(n);
}

/** `42% 27.0 MiB / 64.0 MiB 310.2 MiB/s`, or without a total `27.0 MiB 310.2 MiB/s`. */
function describe(task: Task, t: number): string {
  const parts: string[] = [];
  if (task.total !== undefined && task.total > 0) {
    const pct = Math.min(100, Math.floor((task.done / task.total) * 100));
    parts.push(`${pct}%`, `${amount(task.done, task.unit)} / ${amount(task.total, task.unit)}`);
  } else {
    parts.push(amount(task.done, task.unit));
  }
  const elapsed = t - task.startedAt;
  if (elapsed >= 500 && task.done > 0) {
    const perSecond = task.rate ?? (task.done * 1000) / elapsed;
    parts.push(task.unit === 'bytes' ? formatRate(perSecond) : `${formatCount(perSecond)}/s`);
    if (task.eta !== undefined && task.total !== undefined && task.done < task.total) parts.push(`ETA ${formatDuration(task.eta * 1000)}`);
  }
  return parts.join('  ');
}

/** `label: summary (1.2 s, 53.3 MiB/s)` on success, `label: failed[: summary]` otherwise. */
function endLine(task: Task, ok: boolean, summary: string | undefined, t: number): string {
  if (!ok) return `${task.label}: failed${summary ? `: ${summary}` : ''}`;
  const elapsed = t - task.startedAt;
  const stats = [formatDuration(elapsed)];
  if (task.unit === 'bytes' && task.done > 0 && elapsed > 0) stats.push(formatRate((task.done * 1000) / elapsed));
  return `${task.label}: ${summary ?? 'done'} (${stats.join(', ')})`;
}
