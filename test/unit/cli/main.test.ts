/** main, action() and the context, in-process with a fake runtime and throwaway commands. */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { action } from '../../../src/cli/action.js';
import type { CliContext } from '../../../src/cli/context.js';
import { main } from '../../../src/cli/main.js';
import { emit } from '../../../src/cli/render.js';
import { ConflictError, NotFoundError } from '../../../src/errors.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], register: (program: Command) => void, cwd = '/', signal?: AbortSignal): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'hub', ...args], {
    register,
    runtime: {
      cwd,
      env: { CI: 'true' },
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stderrIsTTY: false,
      ...(signal ? { signal } : {}),
    },
  });
  return { code, stdout, stderr };
}

/** Registers one command `t [arg]` running `fn`. */
function command(fn: (ctx: CliContext, arg: string | undefined) => Promise<void | number>) {
  return (program: Command) => {
    program
      .command('t')
      .argument('[arg]')
      .option('--local', 'a local option')
      .action(action(async (ctx, arg: string | undefined) => fn(ctx, arg)));
  };
}

describe('main with action()', () => {
  it('exits 0 when the action returns nothing, and with the number it returns', async () => {
    expect((await run(['t'], command(async () => {}))).code).toBe(0);
    expect((await run(['t'], command(async () => 1))).code).toBe(1);
  });

  it('routes thrown HubErrors through the one error path', async () => {
    const r = await run(['t'], command(async () => { throw new ConflictError('lock held by pid 42', { hint: 'wait for it' }); }));
    expect(r).toEqual({ code: 7, stdout: '', stderr: 'hub: error: lock held by pid 42\nhint: wait for it\n' });
  });

  it('turns a bug into exit 1 with one line', async () => {
    const r = await run(['t'], command(async () => { throw new TypeError('oops'); }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('hub: error: unexpected: oops (run with --verbose for details)\n');
  });

  it('passes the global options, arguments and -C directory in the context', async () => {
    const base = tmpDir('hub-main-');
    let seen: Partial<CliContext> & { arg?: string } = {};
    const r = await run(['-C', '.', 't', 'x', '--json', '--verbose', '--no-progress'], command(async (ctx, arg) => {
      seen = { cwd: ctx.cwd, json: ctx.json, quiet: ctx.quiet, verbose: ctx.verbose, arg };
      emit(ctx, { ok: true }, () => 'ok');
    }), base);
    expect(r.code).toBe(0);
    expect(seen).toEqual({ cwd: base, json: true, quiet: false, verbose: true, arg: 'x' });
    expect(JSON.parse(r.stdout)).toEqual({ ok: true });
  });

  it('reports a missing -C directory as not found (3) before the command runs', async () => {
    let ran = false;
    const r = await run(['-C', 'missing', 't'], command(async () => { ran = true; }), tmpDir('hub-main-'));
    expect(ran).toBe(false);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^hub: error: directory not found: .*\/missing\n$/);
  });

  it('exits 130 when the run is aborted, whatever the command threw', async () => {
    const controller = new AbortController();
    const r = await run(['t'], command(async (ctx) => {
      controller.abort();
      expect(ctx.signal.aborted).toBe(true);
      throw new NotFoundError('half-read file vanished');
    }), '/', controller.signal);
    expect(r).toEqual({ code: 130, stdout: '', stderr: 'hub: error: interrupted\n' });
  });

  it('exits 2 for commander usage errors with one line, 0 for help', async () => {
    const missing = await run(['t', '--nope'], command(async () => {}));
    expect(missing).toEqual({ code: 2, stdout: '', stderr: "hub: error: unknown option '--nope'\n" });
    const help = await run(['t', '--help'], command(async () => {}));
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: hub t');
  });
});
