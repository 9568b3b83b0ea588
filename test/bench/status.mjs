#!/usr/bin/env node
// Benchmark of `hub status` (issue 3): a repository with 10,000 small files and 2 GiB of large
// files, all committed. Measures `hub status` with nothing changed and after touching 10 files
// (content changed), medians of HUB_BENCH_RUNS (default 5), beside `git status` (git-lfs
// installed in the repository) on the same repository in the same run.
// Usage: node test/bench/status.mjs (after npm run build); HUB_BENCH_DIR keeps files elsewhere.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const makeModelTool = join(root, 'test/helpers/make-model.mjs');
const runs = Number(process.env.HUB_BENCH_RUNS ?? 5);
const work = process.env.HUB_BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'hub-bench-status-'));
const repo = join(work, 'repo');
const env = { ...process.env, CI: 'true', HUB_HOME: join(work, 'home'), GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid' };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { s, out: r.stdout };
}
const hubRun = (...args) => time(process.execPath, [hub, ...args]);

try {
  mkdirSync(repo, { recursive: true });
  hubRun('init');
  execFileSync('git', ['lfs', 'install', '--local'], { cwd: repo, stdio: 'ignore' });
  hubRun('track', '*.safetensors');
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(repo, 'data', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(repo, 'data', `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`);
  }
  for (let m = 0; m < 4; m++) execFileSync(process.execPath, [makeModelTool, '--out', join(repo, `shard-${m}.safetensors`), '--size', '512MiB', '--seed', String(m + 1)], { stdio: 'ignore' });
  const add = hubRun('add', '-A');
  const commit = hubRun('commit', '-m', 'bench');
  console.log(`hub status benchmark: 10,000 small files + 4 x 512 MiB large files; add -A ${add.s.toFixed(1)} s, commit ${commit.s.toFixed(2)} s`);
  hubRun('status'); // first status after the add may re-hash racy files once

  const clean = [];
  for (let i = 0; i < runs; i++) {
    const r = hubRun('status', '--json');
    if (!JSON.parse(r.out).clean) throw new Error('status not clean');
    clean.push(r.s);
  }
  const gitClean = [];
  for (let i = 0; i < runs; i++) gitClean.push(time('git', ['status', '--porcelain']).s);

  const touched = [];
  for (let i = 0; i < 10; i++) touched.push(`data/d${i * 7}/f${i * 3}.txt`);
  for (const p of touched) appendFileSync(join(repo, p), 'changed\n');
  const dirty = [];
  let reported = [];
  for (let i = 0; i < runs; i++) {
    const r = hubRun('status', '--json');
    reported = JSON.parse(r.out).unstaged.map((c) => c.path).sort();
    dirty.push(r.s);
  }
  const exact = JSON.stringify(reported) === JSON.stringify([...touched].sort());
  const gitDirty = [];
  for (let i = 0; i < runs; i++) gitDirty.push(time('git', ['status', '--porcelain']).s);

  const row = (name, xs) => console.log(`${name.padEnd(40)} ${median(xs).toFixed(3)} s   (runs: ${xs.map((x) => x.toFixed(3)).join(', ')})`);
  row('hub status, nothing changed', clean);
  row('git status (git-lfs), nothing changed', gitClean);
  row('hub status, 10 files touched', dirty);
  row('git status (git-lfs), 10 files touched', gitDirty);
  console.log(`hub status reports exactly the 10 touched files: ${exact ? 'yes' : `NO: ${reported.join(', ')}`}`);
  console.log(`goal: hub status under 1 s with nothing changed: ${median(clean) < 1 ? 'met' : 'NOT met'} (${(median(clean) / median(gitClean)).toFixed(1)}x git status)`);
  if (!exact || !(median(clean) < 1)) process.exitCode = 1;
} finally {
  if (!process.env.HUB_BENCH_DIR) rmSync(work, { recursive: true, force: true });
}
