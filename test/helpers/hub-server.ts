// A real `hub serve` for tests: the built CLI on 127.0.0.1, port 0, in a temporary root; in the
// PostgreSQL run (test-database.ts) with the root's own database. With HUB_TEST_S3=1 every server
// keeps its xorbs and manifests in a new bucket of the test Swift (test/helpers/s3-service.ts)
// unless its arguments name a --storage: the server suites' S3 run.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hubBin } from './paths.js';
import { hubEnv } from './run-hub.js';
import { s3ServeArgs } from './s3-service.js';
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
  /** Where its xorbs and manifests are: `local`, or the `s3://` URL (and endpoint) it was started with. */
  storage: { kind: 'local' } | { kind: 's3'; url: string; endpoint: string };
  /** The arguments and environment it was started with beyond --root/--host/--port (to start it again alike). */
  args: string[];
  env: Record<string, string>;
  /** SIGTERM and wait (or SIGKILL with `kill`). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** True when the servers of this run keep their content in the test Swift (HUB_TEST_S3=1). */
export const serversOnS3 = process.env.HUB_TEST_S3 === '1';

/**
 * Starts `hub serve --root ROOT --port 0 [extraArgs]` (a new root unless given) and waits until it
 * listens; `env`: more environment (AWS_* for a server on S3).
 */
export async function startHubServe(root = tmpDir('hub-serve-'), extraArgs: string[] = [], env: Record<string, string> = {}): Promise<TestServer> {
  if (serversOnS3 && !extraArgs.includes('--storage')) {
    const s3 = s3ServeArgs(root);
    extraArgs = [...extraArgs, ...s3.args];
    env = { ...s3.env, ...env };
  }
  const at = extraArgs.indexOf('--storage');
  const storage: TestServer['storage'] = at >= 0 && extraArgs[at + 1]?.startsWith('s3://') ? { kind: 's3', url: extraArgs[at + 1], endpoint: extraArgs[extraArgs.indexOf('--s3-endpoint') + 1] } : { kind: 'local' };
  const args = await withRootDatabase(['serve', '--root', root, '--host', '127.0.0.1', '--port', '0', ...extraArgs]);
  const dbAt = args.indexOf('--database');
  const database = dbAt < 0 ? undefined : args[dbAt + 1];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hubBin, ...args], { env: hubEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`hub serve did not start:\n${err}`)), 20_000);
    child.stderr!.on('data', (b: Buffer) => (err += b));
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      const m = /listening on (http:\/\/[0-9.]+:\d+).*\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        // the S3 run must really be on S3: the server names its storage when it is not local
        if (storage.kind === 's3' && !m[0].includes(`storage ${storage.url}`)) return reject(new Error(`hub serve did not report its storage ${storage.url}: ${m[0]}`));
        const url = m[1];
        resolve({
          url,
          host: url.slice('http://'.length),
          root,
          database,
          adminToken: /admin token: (\S+)/.exec(out)?.[1] ?? '',
          child,
          stderr: () => err,
          storage,
          args: extraArgs,
          env,
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

/** What the servers of `root` have in their scratch folders (`ROOT/tmp/<host>-<pid>-<id>/…`, server-tmp.ts), as paths under `ROOT/tmp`. */
export function pendingUploads(root: string): string[] {
  const base = join(root, 'tmp');
  return readdirSync(base, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? readdirSync(join(base, e.name)).map((f) => join(e.name, f)) : [e.name]));
}
