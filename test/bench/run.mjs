#!/usr/bin/env node
// Benchmarks run by `npm run bench` after a build: the content store (issue 2) here, then
// test/bench/status.mjs (issue 3), test/bench/serve.mjs (issue 4), test/bench/remote.mjs (issues 5 and 13: push, clone, pull beside git-lfs), test/bench/registration.mjs (issue 13: a pushed file's registration beside the SHA-256 floor),
// test/bench/diff-model.mjs and test/bench/diff-table.mjs (issue 6), test/bench/many-files.mjs
// (issue 12: init, add -A, status, commit, checkout on 100,000 files beside git and git-lfs),
// test/bench/server-load.mjs (issue 13: server CPU and RSS under a push and a clone),
// test/bench/responsiveness.mjs (issue 11), test/bench/web-pages.mjs (issue 16), test/bench/locks.mjs (issue 15),
// test/bench/scale-out.mjs (issue 18: 1, 2, 3 servers behind nginx, 8 clients).
//
// On one synthetic 1 GiB safetensors model (test/helpers/make-model.mjs) it measures, in the same run and as medians of
// HUB_BENCH_RUNS (default 5) runs:
//   openssl dgst -sha256 FILE        the hashing floor
//   git lfs clean < FILE             the peer doing the same job (hash + copy into its store)
//   hub chunk FILE --json            chunk + hash
//   hub store add FILE               chunk + hash + dedup + xorb write (fsync) + manifest, fresh store
//   hub store add FILE (again)       everything deduplicated
// with wall time, MB/s and peak RSS, and prints the ratios. Then `hub store add` of a 4 GiB
// file, whose peak RSS must stay under 300 MiB (HUB_BENCH_SKIP_4G=1 skips it).
// Every run starts after `sync` (untimed). hub's add is durable (each xorb fsynced before it is
// named); git lfs clean does not fsync, so the comparison favours git-lfs.
// Files go to HUB_BENCH_DIR (default: a fresh folder in os.tmpdir()), removed at the end.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const makeModelTool = join(root, 'test/helpers/make-model.mjs');
const runs = Number(process.env.HUB_BENCH_RUNS ?? 5);
const work = process.env.HUB_BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'hub-bench-'));
const MiB = 1024 * 1024;
const haveTime = existsSync('/usr/bin/time');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs a command; returns wall seconds and peak RSS in MiB (from /usr/bin/time -f %M). */
function measure(cmd, args, { cwd = work, env = {}, stdin } = {}) {
  // Start every contender with no dirty pages of the others: on ext4 an fsync commits the
  // journal, which waits for all dirty data, so earlier writers would bill hub for their I/O.
  spawnSync('sync');
  const argv = haveTime ? ['/usr/bin/time', ['-f', '%U %S %M', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv[1], {
    cwd,
    env: { ...process.env, CI: 'true', ...env },
    stdio: [stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    input: stdin ? readFileSync(stdin) : undefined,
    maxBuffer: 1 << 30,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [user, sys, rssKiB] = haveTime ? r.stderr.toString().trim().split('\n').pop().split(' ').map(Number) : [NaN, NaN, NaN];
  return { seconds, rssMiB: rssKiB / 1024, cpu: user + sys };
}

/** Runs `cmd` through a shell so stdin can come from the file without a copy in this process. */
function measureShell(script, { cwd = work } = {}) {
  return measure('bash', ['-c', script], { cwd });
}

function makeModel(out, size, seed) {
  execFileSync(process.execPath, [makeModelTool, '--out', out, '--size', size, '--tensors', '64', '--seed', String(seed)], { stdio: 'ignore' });
}

function row(name, samples, bytes) {
  const s = median(samples.map((x) => x.seconds));
  const rss = median(samples.map((x) => x.rssMiB));
  const mbs = bytes / 1e6 / s;
  const cpu = median(samples.map((x) => x.cpu));
  console.log(`${name.padEnd(34)} ${s.toFixed(2).padStart(7)} s ${mbs.toFixed(0).padStart(6)} MB/s  cpu ${cpu.toFixed(2).padStart(5)} s  peak RSS ${Number.isNaN(rss) ? '   n/a' : rss.toFixed(0).padStart(5)} MiB   (runs: ${samples.map((x) => x.seconds.toFixed(2)).join(', ')})`);
  return { seconds: s, mbs, rss };
}

try {
  const file = join(work, 'model-1g.safetensors');
  makeModel(file, '1GiB', 1);
  const size = statSync(file).size;
  console.log(`hub store benchmark: ${(size / MiB).toFixed(0)} MiB file, median of ${runs} runs, ${new Date().toISOString()}`);
  console.log(`node ${process.version}; BLAKE3 backend: ${process.env.HUB_BLAKE3 === 'wasm' ? 'wasm (forced)' : 'native if it loads'}`);
  // warm the page cache so every contender reads from memory
  measureShell(`cat ${file} > /dev/null`);

  const lfsRepo = join(work, 'lfs-repo');
  execFileSync('git', ['init', '-q', lfsRepo]);
  execFileSync('git', ['lfs', 'install', '--local'], { cwd: lfsRepo, stdio: 'ignore' });

  const results = {};
  const sample = (n, fn) => Array.from({ length: n }, (_, i) => fn(i));
  results.openssl = row('openssl dgst -sha256 (floor)', sample(runs, () => measure('openssl', ['dgst', '-sha256', file])), size);
  results.lfs = row('git lfs clean < FILE (peer)', sample(runs, () => {
    rmSync(join(lfsRepo, '.git/lfs/objects'), { recursive: true, force: true });
    return measureShell(`git lfs clean < ${file} > /dev/null`, { cwd: lfsRepo });
  }), size);
  results.chunk = row('hub chunk --json', sample(runs, () => measure(process.execPath, [hub, 'chunk', file, '--json'])), size);
  const home = join(work, 'home');
  results.add = row('hub store add (fresh store)', sample(runs, () => {
    rmSync(home, { recursive: true, force: true });
    return measure(process.execPath, [hub, 'store', 'add', file], { env: { HUB_HOME: home } });
  }), size);
  results.again = row('hub store add (all deduplicated)', sample(runs, () => measure(process.execPath, [hub, 'store', 'add', file], { env: { HUB_HOME: home } })), size);
  rmSync(home, { recursive: true, force: true });

  console.log('');
  console.log(`hub store add vs git lfs clean: ${(results.add.mbs / results.lfs.mbs).toFixed(2)}x the throughput (goal >= 1.5x)`);
  console.log(`hub store add vs openssl sha256: ${(results.add.mbs / results.openssl.mbs).toFixed(2)}x the throughput of hashing alone`);
  console.log(`hub chunk vs openssl sha256:     ${(results.chunk.mbs / results.openssl.mbs).toFixed(2)}x`);
  rmSync(lfsRepo, { recursive: true, force: true });
  rmSync(file);

  if (process.env.HUB_BENCH_SKIP_4G !== '1') {
    const big = join(work, 'model-4g.safetensors');
    makeModel(big, '4GiB', 4);
    const home = join(work, 'home-4g');
    const r = measure(process.execPath, [hub, 'store', 'add', big], { env: { HUB_HOME: home } });
    const bigSize = statSync(big).size;
    console.log('');
    console.log(`hub store add of 4 GiB: ${r.seconds.toFixed(2)} s, ${(bigSize / 1e6 / r.seconds).toFixed(0)} MB/s, peak RSS ${r.rssMiB.toFixed(0)} MiB (limit 300 MiB): ${r.rssMiB < 300 ? 'ok' : 'OVER'}`);
    rmSync(home, { recursive: true, force: true });
    rmSync(big);
    if (!(r.rssMiB < 300)) process.exitCode = 1;
  }
} finally {
  if (!process.env.HUB_BENCH_DIR) rmSync(work, { recursive: true, force: true });
}

// the repository benchmarks (issue 3); HUB_BENCH_STORE_ONLY=1 stops after the store's
console.log('');
for (const bench of process.env.HUB_BENCH_STORE_ONLY === '1' ? [] : ['status.mjs', 'many-files.mjs', 'serve.mjs', 'remote.mjs', 'registration.mjs', 'server-load.mjs', 'responsiveness.mjs', 'diff-model.mjs', 'diff-table.mjs', 'web-pages.mjs', 'locks.mjs', 'scale-out.mjs']) {
  console.log('');
  const r = spawnSync(process.execPath, [join(root, 'test/bench', bench)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
