// A real `hub serve` for tests: the built CLI on 127.0.0.1, port 0, in a temporary root; in the
// PostgreSQL run (test-database.ts) with the root's own database.
import { spawn, type ChildProcess } from 'node:child_process';
import { hubBin } from './paths.js';
import { hubEnv } from './run-hub.js';
import { withRootDatabase } from './test-database.js';
import { tmpDir } from './tmp-dir.js';

/** A running server. */
export interface TestServer {
  url: string;
  host: string;
  root: string;
  /** The server's PostgreSQL database (the PostgreSQL run), else undefined: `<root>/meta.sqlite`. */
  database?: string;
  adminToken: string;
  child: ChildProcess;
  /** Access-log lines and other stderr output so far. */
  stderr: () => string;
  /** SIGTERM and wait (or SIGKILL with `kill`). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `hub serve --root ROOT --port 0 [extraArgs]` (a new root unless given) and waits until it listens. */
export async function startHubServe(root = tmpDir('hub-serve-'), extraArgs: string[] = []): Promise<TestServer> {
  const args = await withRootDatabase(['serve', '--root', root, '--host', '127.0.0.1', '--port', '0', ...extraArgs]);
  const at = args.indexOf('--database');
  const database = at < 0 ? undefined : args[at + 1];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hubBin, ...args], { env: hubEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`hub serve did not start:\n${err}`)), 20_000);
    child.stderr!.on('data', (b: Buffer) => (err += b));
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const url = m[1];
        resolve({
          url,
          host: url.slice('http://'.length),
          root,
          database,
          adminToken: /admin token: (\S+)/.exec(out)?.[1] ?? '',
          child,
          stderr: () => err,
          stop: (signal: NodeJS.Signals = 'SIGTERM') =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill(signal);
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub serve exited with ${code}:\n${err}`));
    });
  });
}
