#!/usr/bin/env node
// Benchmark of the repository commands at scale (issue 12, point 3): a tree of N small files
// (default 100,000; HUB_BENCH_FILES) plus 3 large files of 20 MiB (HUB_BENCH_LARGE_MIB) tracked
// by LFS, timed through
//   init, track, add -A, status (first after the commit, then unchanged: median of
//   HUB_BENCH_RUNS, default 5), commit, checkout of another branch
// with hub, and with git + git-lfs (`git lfs track`, filters installed) on an identical tree in
// the same run. The other branch changes 10% of the small files, deletes 1%, adds 1% and replaces
// one large file; each tool builds it with its own commands (untimed) and switches back first.
// The whole scenario also runs at N/4 files: every command should cost the same CPU time per file
// at both sizes (a ratio near 1, or below with fixed costs; above 1.5 is flagged as super-linear).
// CPU time (user + system, from /usr/bin/time) is the linearity measure because wall time on a
// shared machine moves with the load; both are printed, with the load average.
// The tree is written by this script (a deterministic generator, no outside tools).
// Usage: node test/bench/many-files.mjs (after npm run build). HUB_BENCH_DIR keeps files there
// (HUB_BENCH_KEEP=1 also keeps both trees of both sizes, committed and on branch `other`, to
// profile a command on them later, e.g. `node --cpu-prof bin/hub.js status` in DIR/100000/hub);
// HUB_BENCH_PROF=DIR writes a V8 CPU profile of every hub command into DIR (node --cpu-prof).
import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const files = Number(process.env.HUB_BENCH_FILES ?? 100_000);
const largeMiB = Number(process.env.HUB_BENCH_LARGE_MIB ?? 20);
const runs = Number(process.env.HUB_BENCH_RUNS ?? 5);
const prof = process.env.HUB_BENCH_PROF;
const work = process.env.HUB_BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'hub-bench-many-'));
const haveTime = existsSync('/usr/bin/time');
const LARGE = 3;
const FILES_PER_DIR = 100;
const DIRS_PER_GROUP = 10;

const home = join(work, 'home');
const baseEnv = {
  ...process.env, CI: 'true', HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a command in `cwd`; wall seconds, CPU seconds (user + system) and peak RSS (MiB). */
function run(cwd, cmd, args, env) {
  const argv = haveTime ? ['/usr/bin/time', ['-f', '%U %S %M', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv[1], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.status}: ${r.stderr}`);
  const [user, sys, rssKiB] = haveTime ? r.stderr.trim().split('\n').pop().split(' ').map(Number) : [NaN, NaN, NaN];
  return { seconds, cpu: user + sys, rss: rssKiB / 1024, stdout: r.stdout };
}

function hubCmd(cwd, env, ...args) {
  const node = prof ? ['--cpu-prof', '--cpu-prof-dir', prof, '--cpu-prof-name', `${args[0]}-${Date.now()}.cpuprofile`] : [];
  return run(cwd, process.execPath, [...node, hub, ...args], env);
}

// gc.auto=0: after `git add` of 100,000 loose objects, `git commit` would start a detached
// `git gc --auto` that packs them while the next commands (hub's too) are being timed.
const gitCmd = (cwd, env, ...args) => run(cwd, 'git', ['-c', 'gc.auto=0', ...args], env);

/** The path of small file `i`: 100 files a folder, 10 folders a group (data/g0003/d07/f42.txt). */
function smallPath(i) {
  const d = Math.floor(i / FILES_PER_DIR);
  return `data/g${String(Math.floor(d / DIRS_PER_GROUP)).padStart(4, '0')}/d${String(d % DIRS_PER_GROUP).padStart(2, '0')}/f${String(i % FILES_PER_DIR).padStart(2, '0')}.txt`;
}

/** Deterministic content of small file `i` (64-575 bytes of text). */
function smallContent(i) {
  const line = `${smallPath(i)} ${((i * 2654435761) >>> 0).toString(16)}\n`;
  return line.repeat(1 + (((i * 40503) >>> 0) % 16));
}

/** `size` deterministic pseudo-random bytes (AES-256-CTR of zeros, keyed by `seed`) written to `path`. */
function writeRandom(path, size, seed) {
  const key = Buffer.alloc(32);
  key.writeUInt32BE(seed);
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0; left -= zeros.length) writeSync(fd, cipher.update(left >= zeros.length ? zeros : zeros.subarray(0, left)));
  } finally {
    closeSync(fd);
  }
}

function writeTree(dir, n) {
  let lastDir = '';
  for (let i = 0; i < n; i++) {
    const p = smallPath(i);
    const d = p.slice(0, p.lastIndexOf('/'));
    if (d !== lastDir) mkdirSync(join(dir, d), { recursive: true });
    lastDir = d;
    writeFileSync(join(dir, p), smallContent(i));
  }
  for (let k = 0; k < LARGE; k++) writeRandom(join(dir, `weights-${k}.bin`), largeMiB << 20, k + 1);
}

/** The changes of the other branch: 10% modified, 1% deleted, 1% added, one large file replaced. */
function changeTree(dir, n) {
  for (let i = 0; i < n; i += 10) appendFileSync(join(dir, smallPath(i)), 'changed on the other branch\n');
  for (let i = 5; i < n; i += 100) rmSync(join(dir, smallPath(i)));
  for (let i = n; i < n + Math.floor(n / 100); i++) {
    mkdirSync(join(dir, smallPath(i), '..'), { recursive: true });
    writeFileSync(join(dir, smallPath(i)), smallContent(i));
  }
  writeRandom(join(dir, 'weights-0.bin'), largeMiB << 20, 100);
}

function hubScenario(dir, n) {
  const env = { ...baseEnv, HUB_HOME: join(dir, '..', 'hub-home') };
  const t = {};
  t.init = hubCmd(dir, env, 'init');
  t.track = hubCmd(dir, env, 'track', '*.bin');
  t.add = hubCmd(dir, env, 'add', '-A');
  t.commit = hubCmd(dir, env, 'commit', '-m', 'many files');
  t.statusFirst = hubCmd(dir, env, 'status', '--json');
  const st = [];
  for (let r = 0; r < runs; r++) {
    const one = hubCmd(dir, env, 'status', '--json');
    if (!JSON.parse(one.stdout).clean) throw new Error(`hub status is not clean: ${one.stdout.slice(0, 500)}`);
    st.push(one);
  }
  t.status = { seconds: median(st.map((x) => x.seconds)), cpu: median(st.map((x) => x.cpu)), rss: median(st.map((x) => x.rss)) };
  hubCmd(dir, env, 'switch', '-c', 'other');
  changeTree(dir, n);
  hubCmd(dir, env, 'add', '-A');
  hubCmd(dir, env, 'commit', '-m', 'other');
  hubCmd(dir, env, 'switch', 'main');
  t.checkout = hubCmd(dir, env, 'checkout', 'other');
  const after = JSON.parse(hubCmd(dir, env, 'status', '--json').stdout);
  if (!after.clean) throw new Error(`hub status after checkout is not clean: ${JSON.stringify(after).slice(0, 500)}`);
  return t;
}

function gitScenario(dir, n) {
  const env = baseEnv;
  const t = {};
  t.init = gitCmd(dir, env, 'init', '-q', '-b', 'main');
  t.track = gitCmd(dir, env, 'lfs', 'track', '*.bin');
  t.add = gitCmd(dir, env, 'add', '-A');
  t.commit = gitCmd(dir, env, 'commit', '-q', '-m', 'many files');
  t.statusFirst = gitCmd(dir, env, 'status', '--porcelain');
  const st = [];
  for (let r = 0; r < runs; r++) {
    const one = gitCmd(dir, env, 'status', '--porcelain');
    if (one.stdout !== '') throw new Error(`git status is not clean: ${one.stdout.slice(0, 500)}`);
    st.push(one);
  }
  t.status = { seconds: median(st.map((x) => x.seconds)), cpu: median(st.map((x) => x.cpu)), rss: median(st.map((x) => x.rss)) };
  gitCmd(dir, env, 'checkout', '-q', '-b', 'other');
  changeTree(dir, n);
  gitCmd(dir, env, 'add', '-A');
  gitCmd(dir, env, 'commit', '-q', '-m', 'other');
  gitCmd(dir, env, 'checkout', '-q', 'main');
  t.checkout = gitCmd(dir, env, 'checkout', '-q', 'other');
  if (gitCmd(dir, env, 'status', '--porcelain').stdout !== '') throw new Error('git status after checkout is not clean');
  return t;
}

const STEPS = [
  ['init', 'init'],
  ['track', "track '*.bin'"],
  ['add', 'add -A'],
  ['commit', 'commit'],
  ['statusFirst', 'status (first after commit)'],
  ['status', `status, unchanged (median of ${runs})`],
  ['checkout', 'checkout other branch'],
];

function scenario(n) {
  const base = join(work, String(n));
  rmSync(base, { recursive: true, force: true });
  for (const who of ['hub', 'git']) {
    mkdirSync(join(base, who), { recursive: true });
    writeTree(join(base, who), n);
  }
  spawnSync('sync');
  const result = { hub: hubScenario(join(base, 'hub'), n), git: gitScenario(join(base, 'git'), n) };
  if (!process.env.HUB_BENCH_KEEP) rmSync(base, { recursive: true, force: true, maxRetries: 5 });
  return result;
}

const fmt = (x, w = 8) => x.toFixed(2).padStart(w);
const rssOf = (x) => (Number.isNaN(x.rss) ? '   n/a' : x.rss.toFixed(0).padStart(6));

try {
  mkdirSync(home, { recursive: true });
  spawnSync('git', ['lfs', 'install'], { env: baseEnv, stdio: 'ignore' });
  const gitVersion = spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const lfsVersion = spawnSync('git', ['lfs', 'version'], { env: baseEnv, encoding: 'utf8' }).stdout.trim().split(' ')[0];
  if (prof) mkdirSync(prof, { recursive: true });
  const small = Math.floor(files / 4);
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`repository commands at scale: ${files.toLocaleString('en')} small files + ${LARGE} x ${largeMiB} MiB (LFS); node ${process.version}, ${gitVersion}, ${lfsVersion}; ${new Date().toISOString()}; load average at start ${load()}`);
  const at = { [small]: scenario(small), [files]: scenario(files) };
  const big = at[files];
  const quarter = at[small];
  console.log(`load average at end ${load()}`);
  console.log('');
  console.log(`wall seconds and CPU seconds (user + system) at ${files.toLocaleString('en')} files; per-file CPU cost at ${files / 1000}k over ${small / 1000}k files (1 = linear)`);
  console.log(`${'command'.padEnd(34)} ${'hub s'.padStart(7)} ${'git s'.padStart(7)} ${'hub/git'.padStart(7)}  ${'hub cpu'.padStart(7)} ${'git cpu'.padStart(7)}  ${'hub MiB'.padStart(7)} ${'git MiB'.padStart(7)}  ${'per-file hub'.padStart(12)} ${'git'.padStart(5)}`);
  let superLinear = false;
  for (const [key, name] of STEPS) {
    const h = big.hub[key];
    const g = big.git[key];
    const perFile = (side) => (big[side][key].cpu / files) / (quarter[side][key].cpu / small);
    const hubRatio = perFile('hub');
    const gitRatio = perFile('git');
    const flag = key !== 'init' && key !== 'track' && hubRatio > 1.5 ? '  SUPER-LINEAR' : '';
    if (flag) superLinear = true;
    console.log(`${name.padEnd(34)} ${fmt(h.seconds, 7)} ${fmt(g.seconds, 7)} ${(h.seconds / g.seconds).toFixed(1).padStart(6)}x  ${fmt(h.cpu, 7)} ${fmt(g.cpu, 7)}  ${rssOf(h).padStart(7)} ${rssOf(g).padStart(7)}  ${hubRatio.toFixed(2).padStart(12)} ${gitRatio.toFixed(2).padStart(5)}${flag}`);
  }
  console.log('');
  const statusOk = big.hub.status.seconds < 1;
  const commitOk = big.hub.commit.seconds < 3;
  console.log(`goal: hub status on an unchanged ${files.toLocaleString('en')}-file tree under 1 s: ${statusOk ? 'met' : 'NOT met'} (${big.hub.status.seconds.toFixed(2)} s wall, ${big.hub.status.cpu.toFixed(2)} s CPU; git status ${big.git.status.seconds.toFixed(2)} s)`);
  console.log(`goal: hub commit under 3 s: ${commitOk ? 'met' : 'NOT met'} (${big.hub.commit.seconds.toFixed(2)} s wall, ${big.hub.commit.cpu.toFixed(2)} s CPU; git commit ${big.git.commit.seconds.toFixed(2)} s)`);
  console.log(`goal: every command linear (per-file CPU cost ${files / 1000}k/${small / 1000}k <= 1.5): ${superLinear ? 'NOT met' : 'met'}`);
  if (superLinear || (files >= 100_000 && (!statusOk || !commitOk))) process.exitCode = 1;
} finally {
  if (!process.env.HUB_BENCH_DIR && !process.env.HUB_BENCH_KEEP) rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  else console.log(`files kept in ${work}`);
}
