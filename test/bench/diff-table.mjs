#!/usr/bin/env node
// Benchmark of the table diff (issue 6, Done 3): two versions of a 1,000,000-row CSV (id and 8
// columns of mixed types, about 100 MB) with 1% of rows changed (0.5% modified, 0.25% removed,
// 0.25% added), generated from a fixed seed. Times `hub diff --no-index a.csv b.csv --key id
// --json` (the whole command, under /usr/bin/time for its peak RSS) and checks the counts it
// reports against what the generator changed. Baseline in the
// same run: a line-level multiset diff with coreutils, `LC_ALL=C sort` of both files and
// `comm -3` (it neither parses CSV nor pairs rows by key, so it is a floor, not a peer).
// Goal: under 20 s and under 1 GiB peak RSS. Prints medians of HUB_BENCH_RUNS (default 3).
// Usage: npm run build && node test/bench/diff-table.mjs (also run by npm run bench); HUB_BENCH_DIR keeps files elsewhere.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROWS = 1_000_000;
const SEED = 20240611;
const GOAL_SECONDS = 20;
const GOAL_RSS_MIB = 1024;
const hubBin = fileURLToPath(new URL('../../bin/hub.js', import.meta.url));

/** The LCG of test/helpers/seed.ts: floats in [0, 1). */
function seededRandom(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Writes a.csv and b.csv; returns what was changed. */
function generate(dir) {
  const rand = seededRandom(SEED);
  const int = (n) => Math.floor(rand() * n);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'kappa', 'lambda', 'sigma'];
  const cities = ['Paris', 'Lyon', 'Zürich', 'São Paulo', 'New York, NY', 'Tokyo', 'Berlin', 'Oslo'];
  const row = (id) => {
    const city = cities[int(cities.length)];
    const note = `${words[int(10)]} ${words[int(10)]} ${words[int(10)]} #${int(1e6)}`;
    const date = `20${10 + int(15)}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`;
    return [id, `user_${int(1e7)}`, city.includes(',') ? `"${city}"` : city, (rand() * 1000).toFixed(4), int(100000), rand() < 0.5, rand().toFixed(6), date, note];
  };
  const header = 'id,name,city,score,count,active,ratio,date,note\n';
  const fa = openSync(join(dir, 'a.csv'), 'w');
  const fb = openSync(join(dir, 'b.csv'), 'w');
  let bufA = header;
  let bufB = header;
  const flush = (force) => {
    if (force || bufA.length > 1 << 22) (writeSync(fa, bufA), (bufA = ''));
    if (force || bufB.length > 1 << 22) (writeSync(fb, bufB), (bufB = ''));
  };
  const changed = { modified: 0, removed: 0, added: 0 };
  let nextNew = ROWS;
  for (let id = 0; id < ROWS; id++) {
    const cells = row(id);
    const line = `${cells.join(',')}\n`;
    bufA += line;
    const r = rand();
    if (r < 0.005) {
      cells[3 + int(3)] = 'changed';
      bufB += `${cells.join(',')}\n`;
      changed.modified++;
    } else if (r < 0.0075) {
      changed.removed++;
    } else {
      bufB += line;
      if (r < 0.01) {
        bufB += `${row(nextNew++).join(',')}\n`;
        changed.added++;
      }
    }
    flush(false);
  }
  flush(true);
  closeSync(fa);
  closeSync(fb);
  return changed;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a command under /usr/bin/time; wall seconds and peak RSS (MiB). */
function measure(cmd, args) {
  const haveTime = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(haveTime ? '/usr/bin/time' : cmd, haveTime ? ['-f', '%M', cmd, ...args] : args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const rss = haveTime ? Number(r.stderr.trim().split('\n').pop()) / 1024 : NaN;
  return { seconds, rssMiB: rss, stdout: r.stdout };
}

async function main() {
  const runs = Number(process.env.HUB_BENCH_RUNS ?? 3);
  const work = process.env.HUB_BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'hub-bench-diff-table-'));
  try {
    const t0 = Date.now();
    const changed = generate(work);
    const a = join(work, 'a.csv');
    const b = join(work, 'b.csv');
    const mb = (statSync(a).size + statSync(b).size) / 2 / 1e6;
    console.log(`generated 2 x ${ROWS} rows (${mb.toFixed(1)} MB each, seed ${SEED}) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(changed)}`);
    const hub = [];
    const base = [];
    for (let i = 0; i < runs; i++) {
      const r = measure(process.execPath, [hubBin, 'diff', '--json', '--no-index', a, b, '--key', 'id', '--limit', '10']);
      const t = JSON.parse(r.stdout).files[0].table;
      const s = { added: t.added.count, removed: t.removed.count, modified: t.modified.count };
      if (s.modified !== changed.modified || s.removed !== changed.removed || s.added !== changed.added) {
        throw new Error(`wrong counts: ${JSON.stringify(s)} vs generated ${JSON.stringify(changed)}`);
      }
      hub.push({ seconds: r.seconds, rssMiB: r.rssMiB });
      const sortDir = join(work, 'sorted');
      const script = `mkdir -p ${sortDir} && LC_ALL=C sort -T ${sortDir} ${a} > ${sortDir}/a && LC_ALL=C sort -T ${sortDir} ${b} > ${sortDir}/b && LC_ALL=C comm -3 ${sortDir}/a ${sortDir}/b | wc -l`;
      base.push(measure('sh', ['-c', script]));
    }
    const hubS = median(hub.map((x) => x.seconds));
    const hubRss = median(hub.map((x) => x.rssMiB));
    const baseS = median(base.map((x) => x.seconds));
    const baseRss = median(base.map((x) => x.rssMiB));
    const rowsPerS = (2 * ROWS) / hubS;
    console.log(`medians of ${runs} runs:`);
    console.log(`  hub diff --key id         ${hubS.toFixed(2)} s  ${(rowsPerS / 1e6).toFixed(2)} M rows/s  ${((2 * mb) / hubS).toFixed(0)} MB/s  peak RSS ${hubRss.toFixed(0)} MiB`);
    console.log(`  sort + comm (baseline)    ${baseS.toFixed(2)} s  peak RSS ${baseRss.toFixed(0)} MiB (largest process)`);
    console.log(`  ratio hub / baseline      ${(hubS / baseS).toFixed(2)}x time`);
    const ok = hubS < GOAL_SECONDS && hubRss < GOAL_RSS_MIB;
    console.log(`  goal < ${GOAL_SECONDS} s and < ${GOAL_RSS_MIB} MiB: ${ok ? 'met' : 'NOT met'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    if (!process.env.HUB_BENCH_DIR) rmSync(work, { recursive: true, force: true });
  }
}

await main();
