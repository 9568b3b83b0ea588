#!/usr/bin/env node
// Benchmark of `hub diff` on a model (issue 6, Done 3): two revisions of a 512 MiB safetensors
// model (HUB_BENCH_DIFF_SIZE), rev2 with 10% of its tensors rewritten, both in the store of one
// repository. Times `hub diff REV1 REV2 -- model.safetensors` (tensor level, no --stats) as the
// median of HUB_BENCH_RUNS (default 5) runs, beside `sha256sum` of both files (the baseline: what
// a content-hash tool reads to say only "they differ"). Goal: under 2 seconds, reading only
// headers and the changed tensors' ranges. Also prints peak RSS.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const tool = join(root, 'test/helpers/make-model.mjs');
const size = process.env.HUB_BENCH_DIFF_SIZE ?? '512MiB';
const runs = Number(process.env.HUB_BENCH_RUNS ?? 5);
const work = mkdtempSync(join(tmpdir(), 'hub-bench-diff-'));
const env = { ...process.env, CI: 'true', HUB_HOME: join(work, 'home'), GIT_AUTHOR_NAME: 'B', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'B', GIT_COMMITTER_EMAIL: 'b@example.invalid' };
const hubJson = (args, cwd) => JSON.parse(execFileSync(process.execPath, [hub, ...args, '--json'], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(cmd, args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, rssMiB: Number(r.stderr.trim().split('\n').pop()) / 1024, stdout: r.stdout, status: r.status };
}

try {
  const repo = join(work, 'repo');
  mkdirSync(repo);
  const m1 = join(work, 'rev1.safetensors');
  const m2 = join(work, 'rev2.safetensors');
  execFileSync(process.execPath, [tool, '--out', m1, '--size', size, '--seed', '7'], { stdio: 'ignore' });
  execFileSync(process.execPath, [tool, '--from', m1, '--out', m2, '--mutate-fraction', '0.1', '--seed', '8'], { stdio: 'ignore' });
  hubJson(['init'], repo);
  hubJson(['track', '*.safetensors'], repo);
  const commit = (file, msg) => {
    execFileSync('cp', [file, join(repo, 'model.safetensors')]);
    hubJson(['add', '-A'], repo);
    return hubJson(['commit', '-m', msg], repo).commit;
  };
  const c1 = commit(m1, 'rev1');
  const c2 = commit(m2, 'rev2');
  const hubRuns = [];
  const cmpRuns = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = timed(process.execPath, [hub, 'diff', '--json', c1, c2, '--', 'model.safetensors'], repo);
    hubRuns.push(last);
    cmpRuns.push(timed('sha256sum', [m1, m2], work));
  }
  const doc = JSON.parse(last.stdout);
  const t = doc.files[0]?.tensors ?? {};
  const h = median(hubRuns.map((r) => r.s));
  const c = median(cmpRuns.map((r) => r.s));
  console.log(`hub diff benchmark: a ${size} model and its 10%-changed rev2, both in the store (median of ${runs})`);
  console.log(`hub diff (tensors)  ${h.toFixed(2)} s, peak RSS ${median(hubRuns.map((r) => r.rssMiB)).toFixed(0)} MiB, read ${((t.bytesRead?.a + t.bytesRead?.b) / 1e6).toFixed(1)} MB of ${(2 * doc.files[0].size.b / 1e6).toFixed(0)} MB   sha256sum of both ${c.toFixed(2)} s   sha256sum / hub = ${(c / h).toFixed(1)}x`);
  console.log(`found: ${t.changed?.count} tensors changed, ${t.unchanged} unchanged, ${t.added?.count} added, ${t.removed?.count} removed`);
  console.log(`goal: under 2 s: ${h < 2 ? 'met' : 'NOT met'}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
