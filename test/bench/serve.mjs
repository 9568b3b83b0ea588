#!/usr/bin/env node
// Benchmark of `hub serve` (issue 4): `git lfs push` and `git lfs pull` of one large file with the
// real git-lfs client, for 128 MiB and 512 MiB, each against a fresh server: wall time, MB/s and
// the server's peak RSS (VmHWM), which must not grow with the object's size. Baseline in the same
// run: `openssl dgst -sha256` of the file (the hashing floor both sides pay).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './hub-serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const makeModelTool = join(root, 'test/helpers/make-model.mjs');
const work = mkdtempSync(join(tmpdir(), 'hub-bench-serve-'));
const home = join(work, 'home');
const env = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', CI: 'true', HUB_HOME: join(work, 'hubhome') };
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const time = (fn) => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

const hwmMiB = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

try {
  execFileSync('mkdir', ['-p', home]);
  git(home, 'config', '--global', 'user.name', 'Bench');
  git(home, 'config', '--global', 'user.email', 'bench@example.invalid');
  git(home, 'lfs', 'install');
  console.log(`hub serve benchmark: git-lfs ${git(home, 'lfs', 'version').trim().split(' ')[0]} against hub serve on 127.0.0.1`);
  for (const size of ['128MiB', '512MiB']) {
    const dir = join(work, size);
    const server = await startServer(hub, join(dir, 'root'), env);
    execFileSync(process.execPath, [hub, 'repo', 'create', 'admin/m', '--endpoint', server.url, '--token', server.token], { env, stdio: 'ignore' });
    const url = server.url.replace('http://', `http://admin:${server.token}@`) + '/admin/m';
    const a = join(dir, 'a');
    git(dir, 'clone', '-q', url, a);
    git(a, 'lfs', 'track', '*.safetensors');
    execFileSync(process.execPath, [makeModelTool, '--out', join(a, 'model.safetensors'), '--size', size, '--seed', '3'], { stdio: 'ignore' });
    git(a, 'add', '-A');
    git(a, 'commit', '-q', '-m', 'model');
    const bytes = Number(execFileSync('stat', ['-c', '%s', join(a, 'model.safetensors')], { encoding: 'utf8' }));
    const floor = time(() => execFileSync('openssl', ['dgst', '-sha256', join(a, 'model.safetensors')], { stdio: 'ignore' }));
    const push = time(() => git(a, 'lfs', 'push', 'origin', 'main'));
    git(a, 'push', '-q', 'origin', 'main');
    const b = join(dir, 'b');
    const bEnv = { ...env, GIT_LFS_SKIP_SMUDGE: '1' };
    execFileSync('git', ['clone', '-q', url, b], { env: bEnv, stdio: 'ignore' });
    const pull = time(() => git(b, 'lfs', 'pull'));
    const same = spawnSync('cmp', [join(a, 'model.safetensors'), join(b, 'model.safetensors')]).status === 0;
    const rss = hwmMiB(server.child.pid);
    const mbs = (s) => (bytes / 1e6 / s).toFixed(0);
    console.log(`${size.padEnd(7)} git lfs push ${push.toFixed(2)} s (${mbs(push)} MB/s)   git lfs pull ${pull.toFixed(2)} s (${mbs(pull)} MB/s)   server peak RSS ${rss.toFixed(0)} MiB   openssl sha256 ${floor.toFixed(2)} s (push = ${(push / floor).toFixed(1)}x, pull = ${(pull / floor).toFixed(1)}x the hashing floor)   bytes identical: ${same ? 'yes' : 'NO'}`);
    server.child.kill('SIGTERM');
    if (!same) process.exitCode = 1;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
