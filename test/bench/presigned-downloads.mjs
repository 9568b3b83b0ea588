#!/usr/bin/env node
// What `hub serve --presigned-downloads` saves the server (issue 18): two servers on one root and
// one bucket of a real single-node Swift (test/services/swift.sh, started under its own root and
// stopped at the end), one with the flag and one without; one file pushed once, then
// `hub clone` with HUB_TRANSFER=xet from each, HUB_BENCH_RUNS times. Needs a build (dist/) and
// Debian's swift packages.
//
//   node test/bench/presigned-downloads.mjs      (HUB_BENCH_MIB=64 file size, HUB_BENCH_RUNS=3)
//
// Prints, as medians: the clone's wall time and the CPU seconds the serving process spent
// (utime + stime from /proc, before and after), with the ratio presigned / through the server.
// Swift runs on the same 2 cores: wall time moves little; the server's CPU is the point.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const MiB = 1 << 20;
const size = Number(process.env.HUB_BENCH_MIB ?? 64) * MiB;
const runs = Number(process.env.HUB_BENCH_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'hub-bench-presign-'));
const swiftRoot = join(tmpdir(), `hub-bench-swift-${process.pid}`);
const aws = { AWS_ACCESS_KEY_ID: 'test:tester', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
const swift = (cmd) => execFileSync('bash', [join(root, 'test/services/swift.sh'), cmd], { encoding: 'utf8', env: { ...process.env, HUB_SWIFT_ROOT: swiftRoot } });
const ID = { GIT_AUTHOR_NAME: 'B', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'B', GIT_COMMITTER_EMAIL: 'b@example.com' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpu = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};
const run = (args, opts) => execFileSync(process.execPath, [hub, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

function serve(serveRoot, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hub, 'serve', '--root', serveRoot, '--port', '0', ...args], { env: { ...process.env, ...aws }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], token: /admin token: (\S+)/.exec(out)?.[1] });
    });
    child.once('exit', (code) => reject(new Error(`hub serve exited with ${code}`)));
  });
}

const servers = [];
try {
  const endpoint = /(http:\/\/\S+)/.exec(swift('start'))[1];
  const storage = ['--storage', `s3://bench-presign-${process.pid}/srv`, '--s3-endpoint', endpoint];
  const serveRoot = join(work, 'root');
  const plain = await serve(serveRoot, storage);
  servers.push(plain);
  const presigned = await serve(serveRoot, [...storage, '--presigned-downloads']);
  servers.push(presigned);
  const token = plain.token;
  const env = { ...process.env, ...ID, HUB_HOME: join(work, 'home'), HUB_TOKEN: token };
  const repo = join(work, 'repo');
  run(['init', repo], { env });
  run(['track', '*.bin'], { cwd: repo, env });
  const buf = Buffer.allocUnsafe(8 * MiB);
  writeFileSync(join(repo, 'w.bin'), '');
  for (let at = 0; at < size; at += buf.length) writeFileSync(join(repo, 'w.bin'), randomFillSync(buf), { flag: 'a' });
  run(['repo', 'create', 'admin/bench', '--endpoint', plain.url, '--token', token], { env });
  run(['add', '-A'], { cwd: repo, env });
  run(['commit', '-m', 'w'], { cwd: repo, env });
  run(['remote', 'add', 'origin', `${plain.url}/admin/bench`], { cwd: repo, env });
  run(['push'], { cwd: repo, env });

  const results = {};
  for (const [name, s] of [['through the server', plain], ['presigned', presigned]]) {
    const wall = [];
    const used = [];
    for (let i = 0; i < runs; i++) {
      const into = join(work, `${name.replace(/ /g, '-')}-${i}`);
      const before = cpu(s.child.pid);
      const t0 = process.hrtime.bigint();
      run(['clone', `${s.url}/admin/bench`, into], { env: { ...env, HUB_HOME: join(into + '-home'), HUB_TRANSFER: 'xet' } });
      wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
      used.push(cpu(s.child.pid) - before);
      rmSync(into, { recursive: true, force: true });
    }
    results[name] = { wall: median(wall), cpu: median(used) };
  }
  const a = results['through the server'];
  const b = results.presigned;
  console.log(`hub clone (HUB_TRANSFER=xet) of a ${size / MiB} MiB file, medians of ${runs}:`);
  for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(20)} ${r.wall.toFixed(2)} s wall, server CPU ${r.cpu.toFixed(2)} s`);
  console.log(`  presigned / through: wall ${(b.wall / a.wall).toFixed(2)}x, server CPU ${(b.cpu / Math.max(a.cpu, 0.01)).toFixed(2)}x`);
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
  try {
    swift('stop');
  } catch {
    /* already stopped */
  }
  rmSync(swiftRoot, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
