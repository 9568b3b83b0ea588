/**
 * Commands that move content keep V8's young generation at its first size (cli/young-generation.ts);
 * the others keep V8's default, which grows it. Seen from the built CLI, the way a user runs it:
 * a preloaded probe prints the new space's size as the process exits. On 10,000 small files,
 * `hub status` (default) grows it past 4 MiB, `hub add -A` must not. And the same in this
 * process across a worker thread's start, which sets V8's flags back to the command line's
 * (a fresh process importing the built module).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** `hub ARGS` in `cwd` with a probe preloaded; the new space's size (both semi-spaces) at exit. */
function newSpaceAfter(args: string[], cwd: string): number {
  const probe = join(tmpDir(), 'probe.mjs');
  writeFileSync(probe, "import v8 from 'node:v8';\nprocess.on('exit', () => process.stderr.write(`NEW_SPACE ${v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size}\\n`));\n");
  const r = spawnSync(process.execPath, ['--import', probe, hubBin, ...args], { cwd, env: hubEnv(), encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  expect(r.status, r.stderr).toBe(0);
  const m = /NEW_SPACE (\d+)/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return Number(m![1]);
}

describe('the young generation of content commands', () => {
  it('stays at its first size through `hub add -A` of 10,000 files, where `hub status` grows it', async () => {
    const dir = tmpDir();
    await runHubJson(['init'], { cwd: dir });
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(dir, `d${d}`));
      for (let f = 0; f < 500; f++) writeFileSync(join(dir, `d${d}`, `f${f}.txt`), `${d}-${f}\n`);
    }
    const status = newSpaceAfter(['status', '--json'], dir);
    const add = newSpaceAfter(['add', '-A', '--json'], dir);
    console.log(`new space at exit: status ${status / 2 ** 20} MiB, add -A ${add / 2 ** 20} MiB`);
    expect(status, 'V8 grew the default command\'s young generation (else this test shows nothing)').toBeGreaterThan(4 << 20);
    expect(add).toBeLessThanOrEqual(4 << 20);
  });
});

describe('youngGenerationFor', () => {
  it('keeps the young generation small after a worker thread starts (in a fresh process)', () => {
    // run in a process of its own: this test runner's young generation has long grown
    const script = `
      import { getHeapSpaceStatistics } from 'node:v8';
      import { Worker } from 'node:worker_threads';
      import { youngGenerationFor } from ${JSON.stringify(new URL('../../dist/cli/young-generation.js', import.meta.url).href)};
      const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      // ~200 MB of small objects, 20,000 of them alive at a time: V8's default grows the new space
      const churn = () => { let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i, b: Buffer.allocUnsafe(16) }); if (keep.length > 20000) keep = []; } };
      youngGenerationFor(process.argv[1]);
      churn();
      const before = newSpace();
      const worker = new Worker('setTimeout(() => {}, 10)', { eval: true });
      await new Promise((resolve) => worker.once('exit', resolve));
      churn();
      console.log(JSON.stringify({ before, after: newSpace() }));`;
    const run = (command: string): { before: number; after: number } => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, command], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const clone = run('clone');
    const diff = run('diff'); // V8's default: the control
    console.log(`new space (MiB) before/after a worker and more allocation: clone ${clone.before / 2 ** 20}/${clone.after / 2 ** 20}, diff ${diff.before / 2 ** 20}/${diff.after / 2 ** 20}`);
    expect(diff.after, 'the default grows the new space (else this test shows nothing)').toBeGreaterThan(4 << 20);
    expect(clone.before).toBeLessThanOrEqual(4 << 20);
    expect(clone.after).toBeLessThanOrEqual(4 << 20);
  });
});
