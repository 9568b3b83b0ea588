#!/usr/bin/env node
// Benchmark of the server side of hub's transfers (issue 13): the CPU seconds `hub serve` spends
// (all its threads, from /proc/PID/stat) on a `hub push` of a 512 MiB model (HUB_BENCH_SERVER_SIZE),
// on the push of its 10%-changed rev2 (the server must verify the whole file's SHA-256 but should
// not spend more on it than one sequential read), on a basic-transfer `git lfs push` of the same
// size, and the server's peak RSS (VmHWM, reset with /proc/PID/clear_refs before the phase) while
// it serves a 512 MiB push and a 512 MiB clone at once. Baseline in the same run: `openssl dgst
// -sha256` of the model, the floor of any SHA-256 verification. Goal: peak RSS <= 300 MiB.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './hub-serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const makeModelTool = join(root, 'test/helpers/make-model.mjs');
const size = process.env.HUB_BENCH_SERVER_SIZE ?? '512MiB';
const work = mkdtempSync(join(tmpdir(), 'hub-bench-server-'));
const gitHome = join(work, 'git-home');
const baseEnv = { ...process.env, CI: 'true', HOME: gitHome, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.invalid' };
const run = (cmd, args, cwd, env = baseEnv) => execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
const hubJson = (args, cwd, env) => JSON.parse(run(process.execPath, [hub, ...args, '--json'], cwd, env));

/** Runs a command without blocking this process; resolves when it exits 0. */
function runAsync(cmd, args, cwd, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** CPU seconds (user + system, every thread) the process `pid` has used. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  return (Number(fields[11]) + Number(fields[12])) / ticks; // utime, stime (fields 14 and 15)
}
const hwmMiB = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** Wall and server CPU seconds of `fn`. */
async function phase(pid, fn) {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds(pid) - cpu0 };
}

try {
  execFileSync('mkdir', ['-p', gitHome]);
  run('git', ['lfs', 'install'], gitHome);
  const server = await startServer(hub, join(work, 'server'), baseEnv);
  const pid = server.child.pid;
  const env = { ...baseEnv, HUB_TOKEN: server.token };
  const models = ['rev1', 'rev2', 'other', 'lfs'].map((n) => join(work, `${n}.safetensors`));
  execFileSync(process.execPath, [makeModelTool, '--out', models[0], '--size', size, '--seed', '7'], { stdio: 'ignore' });
  execFileSync(process.execPath, [makeModelTool, '--from', models[0], '--out', models[1], '--mutate-fraction', '0.1', '--seed', '8'], { stdio: 'ignore' });
  execFileSync(process.execPath, [makeModelTool, '--out', models[2], '--size', size, '--seed', '9'], { stdio: 'ignore' });
  execFileSync(process.execPath, [makeModelTool, '--out', models[3], '--size', size, '--seed', '10'], { stdio: 'ignore' });
  const t0 = performance.now();
  run('openssl', ['dgst', '-sha256', models[0]], work);
  const floor = (performance.now() - t0) / 1000;
  console.log(`hub serve load benchmark: ${size} models against hub serve on 127.0.0.1 (server pid ${pid}); openssl sha256 of one model: ${floor.toFixed(2)} s`);

  const repoDir = (name, model) => {
    run(process.execPath, [hub, 'repo', 'create', `admin/${name}`, '--endpoint', server.url, '--token', server.token], work, env);
    const dir = join(work, name);
    execFileSync('mkdir', ['-p', dir]);
    hubJson(['init'], dir, env);
    hubJson(['track', '*.safetensors'], dir, env);
    hubJson(['remote', 'add', 'origin', `${server.url}/admin/${name}`], dir, env);
    execFileSync('cp', [model, join(dir, 'model.safetensors')]);
    hubJson(['add', '-A'], dir, env);
    hubJson(['commit', '-m', 'rev1'], dir, env);
    return dir;
  };
  const a = repoDir('a', models[0]);
  const b = repoDir('b', models[2]);
  const rows = [];
  const row = (name, p, extra = '') => {
    rows.push(name);
    console.log(`${name.padEnd(34)} wall ${p.wall.toFixed(2).padStart(6)} s   server CPU ${p.cpu.toFixed(2).padStart(6)} s (${(p.cpu / floor).toFixed(1)}x the sha256 floor)${extra}`);
  };
  row('hub push rev1 (hub-chunks)', await phase(pid, () => runAsync(process.execPath, [hub, 'push'], a, env)));
  execFileSync('cp', [models[1], join(a, 'model.safetensors')]);
  hubJson(['add', '-A'], a, env);
  hubJson(['commit', '-m', 'rev2'], a, env);
  row('hub push rev2 (10% changed)', await phase(pid, () => runAsync(process.execPath, [hub, 'push'], a, env)));

  // basic transfer: git-lfs PUTs the whole object
  run(process.execPath, [hub, 'repo', 'create', 'admin/g', '--endpoint', server.url, '--token', server.token], work, env);
  const url = server.url.replace('http://', `http://bench:${server.token}@`) + '/admin/g';
  const g = join(work, 'git-g');
  run('git', ['clone', '-q', url, g], work);
  run('git', ['lfs', 'track', '*.safetensors'], g);
  execFileSync('cp', [models[3], join(g, 'model.safetensors')]);
  run('git', ['add', '-A'], g);
  run('git', ['commit', '-q', '-m', 'rev1'], g);
  row('git lfs push (basic PUT)', await phase(pid, () => runAsync('git', ['push', '-q', 'origin', 'main'], g, baseEnv)));

  // a push and a clone at once, with the peak RSS of this phase alone
  const before = rssMiB(pid);
  const lifetime = hwmMiB(pid);
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const both = await phase(pid, () =>
    Promise.all([runAsync(process.execPath, [hub, 'push'], b, env), runAsync(process.execPath, [hub, 'clone', `${server.url}/admin/a`, 'clone-a'], work, { ...env, HUB_HOME: join(work, 'hub-home-c') })]),
  );
  const peak = hwmMiB(pid);
  row('hub push + hub clone at once', both, `   server peak RSS ${peak.toFixed(0)} MiB (RSS before ${before.toFixed(0)} MiB, peak of the earlier phases ${lifetime.toFixed(0)} MiB; goal <= 300: ${peak <= 300 ? 'met' : 'NOT met'})`);
  const same = run('cmp', [models[1], join(work, 'clone-a', 'model.safetensors')], work) === '';
  console.log(`clone holds rev2's bytes: ${same ? 'yes' : 'NO'}`);
  server.child.kill('SIGTERM');
  if (!same) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
