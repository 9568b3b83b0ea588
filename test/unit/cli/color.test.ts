/**
 * Issue 12 point 7: NO_COLOR and FORCE_COLOR are honoured. The decision (color.ts), and what a
 * run of the CLI writes on a terminal and off one, in-process with the runtime's environment.
 */
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { action } from '../../../src/cli/action.js';
import { colorLevel } from '../../../src/cli/color.js';
import { main } from '../../../src/cli/main.js';
import { ConflictError } from '../../../src/errors.js';

const ANSI = /\x1b\[/;

describe('colorLevel', () => {
  it('colours a terminal, not a pipe, unless told otherwise', () => {
    expect(colorLevel({}, true)).toBe(1);
    expect(colorLevel({}, false)).toBe(0);
  });

  it('NO_COLOR with any non-empty value turns colour off; empty means unset', () => {
    for (const v of ['1', 'true', '0', 'yes']) expect(colorLevel({ NO_COLOR: v }, true), v).toBe(0);
    expect(colorLevel({ NO_COLOR: '' }, true)).toBe(1);
  });

  it('FORCE_COLOR forces colour off a terminal (levels 1-3), 0 and false turn it off, and it wins over NO_COLOR', () => {
    expect(colorLevel({ FORCE_COLOR: '1' }, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '' }, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: 'true' }, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '2' }, false)).toBe(2);
    expect(colorLevel({ FORCE_COLOR: '3' }, false)).toBe(3);
    expect(colorLevel({ FORCE_COLOR: '0' }, true)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: 'false' }, true)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(1);
  });

  it('TERM=dumb gets no colour unless forced', () => {
    expect(colorLevel({ TERM: 'dumb' }, true)).toBe(0);
    expect(colorLevel({ TERM: 'dumb', FORCE_COLOR: '1' }, true)).toBe(1);
  });
});

/** Runs a throwaway command `t` that warns, then fails with a hint, on a (fake) terminal or not. */
async function run(env: NodeJS.ProcessEnv, isTTY: boolean, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const register = (program: Command) => {
    program.command('t').action(
      action(async (ctx) => {
        ctx.progress({ type: 'notice', level: 'warn', message: 'the disk is nearly full' });
        throw new ConflictError('the store is locked', { hint: 'wait for it' });
      }),
    );
  };
  const code = await main(['node', 'hub', 't', '--no-progress', ...args], {
    register,
    runtime: {
      cwd: '/',
      env: { CI: 'true', ...env },
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stderrIsTTY: isTTY,
      stderrStream: Object.assign(new Writable({ write: (_c, _e, done) => done() }), { columns: 80, isTTY }),
    },
  });
  return { code, stdout, stderr };
}

describe('colour in what the CLI writes', () => {
  it('a terminal gets coloured error, hint and warning labels; the text is the same as without colour', async () => {
    const r = await run({}, true);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(ANSI);
    expect(r.stderr.replace(/\x1b\[[0-9;]*m/g, '')).toBe('warning: the disk is nearly full\nhub: error: the store is locked\nhint: wait for it\n');
  });

  it('NO_COLOR on a terminal, FORCE_COLOR=0 on a terminal, and a pipe get none', async () => {
    for (const [env, tty] of [[{ NO_COLOR: '1' }, true], [{ FORCE_COLOR: '0' }, true], [{}, false], [{ NO_COLOR: '1' }, false]] as const) {
      const r = await run(env, tty);
      expect(r.stderr, JSON.stringify(env)).toBe('warning: the disk is nearly full\nhub: error: the store is locked\nhint: wait for it\n');
    }
  });

  it('FORCE_COLOR colours a pipe, but never the JSON document on stdout', async () => {
    const r = await run({ FORCE_COLOR: '1' }, false, ['--json']);
    expect(r.stderr).toMatch(ANSI);
    expect(r.stdout).not.toMatch(ANSI);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'conflict', message: 'the store is locked', hint: 'wait for it' });
  });
});
