#!/usr/bin/env node
// Benchmark of issue 18: push and clone throughput of 1, 2 and 3 `hub serve` processes behind
// nginx (test/services/nginx.sh), 8 clients at once, over the same backends; then one client
// alone, to compare backends. Each client pushes its own repository (a HUB_BENCH_SCALE_SIZE
// model, default 32 MiB, then a 10%-changed rev2) and clones another client's. Backends: the
// embedded default (local disk + SQLite), or what HUB_BENCH_SERVE_ARGS adds to every `hub serve`
// (e.g. "--storage s3://bucket --s3-endpoint URL --database postgres://..."), so the same run
// can be made against S3 + PostgreSQL. Prints a table: servers, wall seconds of the 8 clients'
// pushes and clones, MB/s of model bytes moved, speed-up over one server.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './hub-serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const nginx = join(root, 'test/services/nginx.sh');
const makeModelTool = join(root, 'test/helpers/make-model.mjs');
const size = process.env.HUB_BENCH_SCALE_SIZE ?? '32MiB';
const clients = Number(process.env.HUB_BENCH_SCALE_CLIENTS ?? 8);
const serverCounts = (process.env.HUB_BENCH_SCALE_SERVERS ?? '1,2,3').split(',').map(Number);
const serveArgs = (process.env.HUB_BENCH_SERVE_ARGS ?? '').split(' ').filter(Boolean);
const work = mkdtempSync(join(tmpdir(), 'hub-bench-scale-'));
const baseEnv = { ...process.env, CI: 'true', GIT_AUTHOR_NAME: 'B', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'B', GIT_COMMITTER_EMAIL: 'b@example.invalid' };

const run = (args, cwd, env) => execFileSync(process.execPath, [hub, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
/** Runs hub without blocking; resolves when it exits 0. */
const hubAsync = (args, cwd, env) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hub, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`hub ${args.join(' ')}: ${err}`))));
  });
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

async function cluster(n) {
  const dir = join(work, `root-${n}`);
  const first = await startServer(hub, dir, baseEnv, { args: serveArgs });
  const servers = [first, ...(await Promise.all(Array.from({ length: n - 1 }, () => startServer(hub, dir, baseEnv, { args: serveArgs }))))];
  const ngx = join(work, `nginx-${n}`);
  mkdirSync(ngx);
  const url = execFileSync('bash', [nginx, 'start', ngx, ...servers.map((s) => s.url.split(':').pop())], { encoding: 'utf8' }).trim();
  return { url, token: first.token, stop: () => { execFileSync('bash', [nginx, 'stop', ngx]); for (const s of servers) s.child.kill('SIGTERM'); } };
}

const rev1 = join(work, 'rev1.safetensors');
const rev2 = join(work, 'rev2.safetensors');
execFileSync(process.execPath, [makeModelTool, '--out', rev1, '--size', size, '--seed', '3'], { stdio: 'ignore' });
execFileSync(process.execPath, [makeModelTool, '--from', rev1, '--out', rev2, '--mutate-fraction', '0.1', '--seed', '4'], { stdio: 'ignore' });
const bytes = statSync(rev1).size;
console.log(`hub scale-out benchmark: ${clients} clients, a ${size} model each (push rev1, push a 10%-changed rev2, clone another client's), through nginx${serveArgs.length ? `; hub serve ${serveArgs.join(' ')}` : ' (local disk + SQLite)'}`);
console.log('');
console.log('| servers | 8 clients: pushes (s) | clones (s) | model MB/s (push rev1 + clone) | speed-up | 1 client: push rev1 (s) | clone (s) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
let base;
try {
  for (const n of serverCounts) {
    const c = await cluster(n);
    try {
    const env = { ...baseEnv, HUB_TOKEN: c.token };
    const envOf = (i) => ({ ...env, HUB_HOME: join(work, `n${n}-home${i}`) });
    const dirs = [];
    for (let i = 0; i < clients; i++) {
      const d = join(work, `n${n}-c${i}`);
      mkdirSync(d);
      run(['repo', 'create', `admin/m${i}`, '--endpoint', c.url, '--token', c.token], d, envOf(i));
      run(['init'], d, envOf(i));
      run(['track', '*.safetensors'], d, envOf(i));
      run(['remote', 'add', 'origin', `${c.url}/admin/m${i}`], d, envOf(i));
      execFileSync('cp', [rev1, join(d, 'model.safetensors')]);
      run(['add', '-A'], d, envOf(i));
      run(['commit', '-m', 'rev1'], d, envOf(i));
      dirs.push(d);
    }
    // one client alone first
    let t0 = process.hrtime.bigint();
    await hubAsync(['push', '-u', 'origin', 'main'], dirs[0], envOf(0));
    const onePush = seconds(t0);
    t0 = process.hrtime.bigint();
    await hubAsync(['clone', `${c.url}/admin/m0`, 'one'], join(work), { ...env, HUB_HOME: join(work, `n${n}-one`) });
    const oneClone = seconds(t0);
    rmSync(join(work, 'one'), { recursive: true, force: true });
    // then all at once: the others push rev1, everyone pushes rev2, everyone clones its neighbour's
    t0 = process.hrtime.bigint();
    await Promise.all(dirs.slice(1).map((d, k) => hubAsync(['push', '-u', 'origin', 'main'], d, envOf(k + 1))));
    await Promise.all(
      dirs.map(async (d, i) => {
        execFileSync('cp', [rev2, join(d, 'model.safetensors')]);
        await hubAsync(['add', '-A'], d, envOf(i));
        await hubAsync(['commit', '-m', 'rev2'], d, envOf(i));
        await hubAsync(['push'], d, envOf(i));
      }),
    );
    const pushes = seconds(t0);
    t0 = process.hrtime.bigint();
    await Promise.all(dirs.map((d, i) => hubAsync(['clone', `${c.url}/admin/m${(i + 1) % clients}`, join(work, `n${n}-clone${i}`)], work, { ...env, HUB_HOME: join(work, `n${n}-clonehome${i}`) })));
    const clones = seconds(t0);
    const mbs = ((clients - 1) * bytes + clients * bytes) / 1e6 / (pushes + clones);
    base ??= mbs;
    console.log(`| ${n} | ${pushes.toFixed(2)} | ${clones.toFixed(2)} | ${mbs.toFixed(1)} | ${(mbs / base).toFixed(2)}x | ${onePush.toFixed(2)} | ${oneClone.toFixed(2)} |`);
    for (let i = 0; i < clients; i++) rmSync(join(work, `n${n}-clone${i}`), { recursive: true, force: true });
    } finally {
      c.stop(); // a failed step leaves no server or nginx behind
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
