/**
 * Issue 12 point 6: HUB_RETRIES, HUB_CONCURRENCY, HUB_OFFLINE (and HUB_DIRECT_IO) are checked when a command
 * starts, the same way for every command: exit 2, one line naming the variable and what it may be.
 */
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../../src/cli/commands/index.js';
import { main } from '../../../src/cli/main.js';
import { createProgram, processRuntime } from '../../../src/cli/program.js';
import { isOffline } from '../../../src/core/sync/offline.js';
import { directIoFrom } from '../../../src/fs/direct-io.js';
import { attemptsFrom } from '../../../src/transfer/retry.js';
import { concurrencyFrom } from '../../../src/transfer/transfer-queue.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

/** Every command that runs an action, as the words that name it plus placeholders for what it requires. */
function everyCommand(): string[][] {
  const program = createProgram(processRuntime(new AbortController().signal), '0');
  registerCommands(program);
  const out: string[][] = [];
  const visit = (cmd: Command, path: string[]): void => {
    if (cmd.commands.length) {
      for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
      return;
    }
    const args = cmd.registeredArguments.filter((a) => a.required).map(() => 'x');
    const options = cmd.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, 'x']);
    out.push([...path, ...args, ...options]);
  };
  for (const sub of program.commands) visit(sub, [sub.name()]);
  return out;
}

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; left: string[] }> {
  let stdout = '';
  let stderr = '';
  const cwd = tmpDir();
  const code = await main(['node', 'hub', ...args], {
    runtime: {
      cwd,
      env: { CI: 'true', HUB_HOME: cwd, ...env },
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stderrIsTTY: false,
      stderrStream: new Writable({ write: (_c, _e, done) => done() }),
    },
  });
  return { code, stdout, stderr, left: readdirSync(cwd) };
}

describe('environment variables checked at the start of every command', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ HUB_RETRIES: 'lots' }, "HUB_RETRIES must be a whole number from 1 to 20, not 'lots'"],
    [{ HUB_CONCURRENCY: '0' }, "HUB_CONCURRENCY must be a whole number from 1 to 64, not '0'"],
    [{ HUB_OFFLINE: 'maybe' }, "HUB_OFFLINE must be 1 or 0 (or true/false, yes/no, on/off), not 'maybe'"],
    [{ HUB_DIRECT_IO: 'direct' }, "HUB_DIRECT_IO must be 1 or 0 (or true/false, yes/no, on/off), not 'direct'"],
  ];

  it('every command exits 2 with one line naming the variable and its range, before doing anything', async () => {
    const commands = everyCommand();
    expect(commands.length).toBeGreaterThan(30);
    expect(commands.map((c) => c[0])).toEqual(expect.arrayContaining(['clone', 'push', 'download', 'serve', 'status', 'version']));
    for (const args of commands) {
      for (const [env, message] of cases) {
        const r = await run(args, env);
        // `left`: nothing was made in the working directory, which is also HUB_HOME
        expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout, left: r.left }).toEqual({ args, code: 2, stderr: `hub: error: ${message}\n`, stdout: '', left: [] });
      }
    }
  });

  it('--json gets the error document with code bad_environment', async () => {
    const r = await run(['version', '--json'], { HUB_RETRIES: '0' });
    expect(JSON.parse(r.stdout).error).toEqual({ code: 'bad_environment', exitCode: 2, message: "HUB_RETRIES must be a whole number from 1 to 20, not '0'", data: { variable: 'HUB_RETRIES', value: '0' } });
  });
});

describe('the values each variable takes', () => {
  it('HUB_RETRIES: 1..20, default 5', () => {
    expect(attemptsFrom({})).toBe(5);
    expect(attemptsFrom({ HUB_RETRIES: '' })).toBe(5);
    expect(attemptsFrom({ HUB_RETRIES: '1' })).toBe(1);
    expect(attemptsFrom({ HUB_RETRIES: '20' })).toBe(20);
    for (const bad of ['0', '21', '2.5', ' 3', '0x3', '1e1', '-1', 'three']) expect(() => attemptsFrom({ HUB_RETRIES: bad }), bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'bad_environment' }));
  });

  it('HUB_CONCURRENCY: 1..64, default 8', () => {
    expect(concurrencyFrom({})).toBe(8);
    expect(concurrencyFrom({ HUB_CONCURRENCY: '64' })).toBe(64);
    for (const bad of ['0', '65', '1e1', '8 ']) expect(() => concurrencyFrom({ HUB_CONCURRENCY: bad }), bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'bad_environment' }));
  });

  it('HUB_OFFLINE: 1/true/yes/on, 0/false/no/off/empty, any case', () => {
    for (const on of ['1', 'true', 'TRUE', 'yes', 'On']) expect(isOffline({ env: { HUB_OFFLINE: on } }), on).toBe(true);
    for (const off of [undefined, '', '0', 'false', 'No', 'off']) expect(isOffline({ env: { HUB_OFFLINE: off } }), String(off)).toBe(false);
    for (const bad of ['2', 'offline', 'y']) expect(() => isOffline({ env: { HUB_OFFLINE: bad } }), bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'bad_environment' }));
  });

  it('HUB_DIRECT_IO: on unless 0/false/no/off, any case', () => {
    for (const on of [undefined, '', '1', 'true', 'YES', 'on']) expect(directIoFrom({ HUB_DIRECT_IO: on }), String(on)).toBe(true);
    for (const off of ['0', 'false', 'No', 'OFF']) expect(directIoFrom({ HUB_DIRECT_IO: off }), off).toBe(false);
    for (const bad of ['2', 'direct', 'n']) expect(() => directIoFrom({ HUB_DIRECT_IO: bad }), bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'bad_environment' }));
  });
});
