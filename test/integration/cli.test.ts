/** The CLI skeleton through the built binary: exit codes, one-line errors, --json, --quiet, SIGINT. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { hubEnv, lines, runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };

describe('hub CLI', () => {
  it('exits 2 with exactly one stderr line on an unknown option', async () => {
    const r = await runHub(['--foo']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual(["hub: error: unknown option '--foo'"]);
  });

  it('keeps commander suggestions on the same line', async () => {
    const r = await runHub(['version', '--jsno']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^hub: error: unknown option '--jsno'/);
  });

  it('exits 2 on an unknown command and on extra arguments', async () => {
    const unknown = await runHub(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual(["hub: error: unknown command 'frobnicate'"]);
    const extra = await runHub(['version', 'extra']);
    expect(extra.code).toBe(2);
    expect(lines(extra.stderr)).toHaveLength(1);
  });

  it('prints help to stderr and exits 2 without a command', async () => {
    const r = await runHub([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: hub /);
    expect(r.stderr).toContain('version');
  });

  it('prints help to stdout and exits 0 with --help', async () => {
    const r = await runHub(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: hub /);
    expect(r.stderr).toBe('');
  });

  it('prints the package version with --version', async () => {
    const r = await runHub(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('prints one JSON document for `version --json`, wherever --json is placed', async () => {
    for (const args of [['version', '--json'], ['--json', 'version']]) {
      const r = await runHub(args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ version: pkg.version, node: process.versions.node, blake3: expect.stringMatching(/^(native|wasm)$/) });
    }
  });

  it('prints human text for `version`, and nothing with --quiet', async () => {
    const human = await runHub(['version']);
    expect(human.code).toBe(0);
    expect(lines(human.stdout)).toEqual([`hub ${pkg.version}`, `node ${process.versions.node}`, expect.stringMatching(/^blake3 (native|wasm)$/)]);
    for (const flag of ['-q', '--quiet']) {
      const quiet = await runHub([flag, 'version']);
      expect(quiet.code).toBe(0);
      expect(quiet.stdout).toBe('');
      expect(quiet.stderr).toBe('');
    }
  });

  it('exits 3 with one line when -C names a missing directory', async () => {
    const r = await runHub(['-C', '/nonexistent/hub-test-dir', 'version']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual(['hub: error: directory not found: /nonexistent/hub-test-dir']);
  });

  it('honours FORCE_COLOR and NO_COLOR on stderr, and never colours stdout', async () => {
    const ansi = /\x1b\[[0-9;]*m/;
    const missing = ['-C', '/nonexistent/hub-test-dir', 'version'];
    const forced = await runHub(missing, { env: { FORCE_COLOR: '1' } });
    expect(forced.code).toBe(3);
    expect(forced.stderr).toMatch(ansi);
    expect(forced.stderr.replace(new RegExp(ansi, 'g'), '')).toBe('hub: error: directory not found: /nonexistent/hub-test-dir\n');
    expect((await runHub(missing, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stderr, 'FORCE_COLOR wins, as in Node.js').toMatch(ansi);
    for (const env of [{}, { NO_COLOR: '1' }, { FORCE_COLOR: '0' }]) expect((await runHub(missing, { env })).stderr, JSON.stringify(env)).not.toMatch(ansi);
    const json = await runHub([...missing, '--json'], { env: { FORCE_COLOR: '3' } });
    expect(json.stdout).not.toMatch(ansi);
    expect(JSON.parse(json.stdout).error.code).toBe('file_not_found');
    const ok = await runHub(['version'], { env: { FORCE_COLOR: '1' } });
    expect(ok.stdout).not.toMatch(ansi);
  });

  it('accepts -C with an existing directory, relative to the working directory', async () => {
    const dir = tmpDir('hub-cwd-');
    const r = await runHub(['-C', '.', 'version'], { cwd: dir });
    expect(r.code).toBe(0);
  });

  it('adds the error document on stdout with --json', async () => {
    const r = await runHub(['--json', '-C', '/nonexistent/hub-test-dir', 'version']);
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as { error: Record<string, unknown> };
    expect(doc.error).toMatchObject({ code: 'file_not_found', exitCode: 3, message: 'directory not found: /nonexistent/hub-test-dir' });

    const usage = await runHub(['--json', '--foo']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: { code: 'usage', exitCode: 2 } });
  });

  it('exits 130 on SIGINT, after the running command saw its signal abort', async () => {
    // A throwaway command that waits for Ctrl-C, registered through main's test seam.
    const script = `
      import { main } from ${JSON.stringify(`${repoRoot}/dist/cli/main.js`)};
      import { action } from ${JSON.stringify(`${repoRoot}/dist/cli/action.js`)};
      process.exitCode = await main(['node', 'hub', 'wait'], {
        register: (program) => program.command('wait').action(action(async (ctx) => {
          // Real commands have I/O in flight; this one needs a timer to keep the event loop alive.
          const keepAlive = setInterval(() => {}, 1000);
          ctx.stderr('ready\\n');
          try {
            await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
          } finally {
            clearInterval(keepAlive);
          }
        })),
      });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: hubEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!sent && stderr.includes('ready\n')) sent = child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(lines(stderr)).toEqual(['ready', 'hub: error: interrupted']);
  });
});
