/**
 * Runs the built CLI the way a user's shell would: `node bin/hub.js ARGS` in a child process,
 * with CI=true (no spinners, no prompts), a hermetic environment and a HUB_HOME of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, onTestFinished } from 'vitest';
import { hubBin, repoRoot } from './paths.js';
import { withRootDatabase } from './test-database.js';
import { tmpDir } from './tmp-dir.js';

/** What a run of hub produced. */
export interface HubResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runHub}. */
export interface RunHubOptions {
  /** Working directory; default the repository root. */
  cwd?: string;
  /** Added to (or, with value undefined, removed from) the child's environment. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is otherwise empty. */
  input?: string | Uint8Array;
  /** Kill the child after this long (default 110 s, under the 120 s test timeout). */
  timeoutMs?: number;
}

/** Variables of the parent that would make a test depend on the machine it runs on. */
const SCRUBBED = ['FORCE_COLOR', 'NO_COLOR', 'HUB_HOME', 'HUB_TOKEN', 'HUB_ENDPOINT', 'HUB_OFFLINE', 'HUB_CONCURRENCY', 'HUB_RETRIES', 'HUB_TRANSFER', 'HUB_XET_COMPRESSION', 'HUB_DIRECT_IO'];

const homes = new Map<string, string>();

/**
 * The HUB_HOME runHub uses by default: one fresh directory per test (shared by every runHub call
 * in that test, so `store add` then `store cat` see the same store), or per file outside tests.
 */
export function hubHome(): string {
  const { testPath, currentTestName } = expect.getState();
  const key = `${testPath ?? ''}\0${currentTestName ?? ''}`;
  let home = homes.get(key);
  if (home === undefined) {
    home = tmpDir('hub-home-');
    homes.set(key, home);
    try {
      onTestFinished(() => void homes.delete(key));
    } catch {
      // Outside a test: the home lives as long as the file.
    }
  }
  return home;
}

/** Variables every run of this test file gets (under the per-run ones): {@link preferTransfer}. */
const fileEnv: Record<string, string> = {};

/**
 * Makes every hub this test file runs offer `transfers` first (HUB_TRANSFER), unless a run sets
 * HUB_TRANSFER itself: the Xet client's suites use it against hub serve, whose own protocol
 * (hub-chunks) is hub's first choice otherwise.
 */
export function preferTransfer(transfers: string): void {
  fileEnv.HUB_TRANSFER = transfers;
}

/** The environment runHub gives the child: hermetic, CI=true, HUB_HOME from {@link hubHome}. */
export function hubEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  env.CI = 'true';
  env.HUB_HOME = hubHome();
  Object.assign(env, fileEnv);
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * Runs `node bin/hub.js ...args` and resolves with its exit code and output (never rejects on exit
 * codes). In the PostgreSQL run, server-side commands get the `--database` of their `--root` (test-database.ts).
 */
export async function runHub(args: string[], opts: RunHubOptions = {}): Promise<HubResult> {
  if (!existsSync(`${repoRoot}/dist/cli/main.js`)) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does) before the integration tests');
  }
  const argv = await withRootDatabase(args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hubBin, ...argv], {
      cwd: opts.cwd ?? repoRoot,
      env: hubEnv(opts.env),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === null) {
        reject(new Error(`hub ${args.join(' ')} was killed by ${signal}\nstderr:\n${stderr}`));
        return;
      }
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** The lines of a stream's output, without the final empty one. */
export function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Runs `hub ...args --json` expecting exit 0, and returns the parsed JSON document. */
export async function runHubJson(args: string[], opts: RunHubOptions = {}): Promise<any> {
  const r = await runHub([...args, '--json'], opts);
  expect(r.code, `hub ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}
