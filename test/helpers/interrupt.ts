/**
 * Interrupting the built CLI the way a user does: `node bin/hub.js ARGS` is started, and once
 * `started()` says its work is visibly under way (a temporary file exists, the proxy saw content
 * move), it gets SIGINT (Ctrl-C) or SIGKILL. The result says how long the process took to exit
 * after the signal.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hubBin } from './paths.js';
import { hubEnv } from './run-hub.js';

/** What an interrupted run produced. */
export interface InterruptedRun {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the (first) signal to the process's exit. */
  msToExit: number;
}

/** Options of {@link interruptHub}. */
export interface InterruptOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** True once the work is under way; polled every 5 ms. */
  started: () => boolean;
  /** The signals to send, in order, 50 ms apart (default one SIGINT). */
  signals?: NodeJS.Signals[];
  /** Fail if `started` is not true within this long (default 60 s). */
  startTimeoutMs?: number;
}

/**
 * Runs `hub ...args`, sends the signals once `started()` is true, and resolves when the process
 * has exited. Rejects if the process ends before the work started (then nothing was tested).
 */
export function interruptHub(args: string[], opts: InterruptOptions): Promise<InterruptedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hubBin, ...args], { cwd: opts.cwd, env: hubEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let sentAt: number | undefined;
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    const poll = setInterval(() => {
      if (sentAt !== undefined) return;
      if (Date.now() > deadline) {
        clearInterval(poll);
        child.kill('SIGKILL');
        return;
      }
      if (!opts.started()) return;
      clearInterval(poll);
      sentAt = performance.now();
      (opts.signals ?? ['SIGINT']).forEach((sig, i) => setTimeout(() => child.kill(sig), i * 50));
    }, 5);
    child.on('error', (e) => {
      clearInterval(poll);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (sentAt === undefined) {
        reject(new Error(`hub ${args.join(' ')} ended (code ${code}, ${signal}) before its work was seen to start\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      resolve({ code, signal, stdout, stderr, msToExit: Math.round(performance.now() - sentAt) });
    });
  });
}

/** Names of the temporary files (`*.hub-tmp`) directly in `dir` (none when it does not exist). */
export function tmpFilesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.hub-tmp')) : [];
}

/** The store's temporary directory under HUB_HOME `home`. */
export function storeTmp(home: string): string {
  return join(home, 'store', 'tmp');
}
