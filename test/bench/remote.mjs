#!/usr/bin/env node
// Benchmark of hub's remote commands (issue 5) on a 512 MiB model (HUB_BENCH_REMOTE_SIZE) and its
// 10%-changed rev2, against hub serve on 127.0.0.1: `hub push` of rev1 and rev2, `hub clone`,
// `hub pull` of rev2 — seconds, MB/s and content bytes moved — beside `git push` + git-lfs and
// `git clone` / `git pull` with git-lfs for the same revisions against the same server, in the
// same run, with the ratios. Goal: rev2 push and pull at least 5x faster than git-lfs; clone no
// slower.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './hub-serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const makeModelTool = join(root, 'test/helpers/make-model.mjs');
const size = process.env.HUB_BENCH_REMOTE_SIZE ?? '512MiB';
const work = mkdtempSync(join(tmpdir(), 'hub-bench-remote-'));
const gitHome = join(work, 'git-home');
const baseEnv = { ...process.env, CI: 'true', HOME: gitHome, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.invalid' };
const run = (cmd, args, cwd, env = baseEnv) => execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
const timed = (fn) => {
  const t0 = process.hrtime.bigint();
  const out = fn();
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, out };
};
const hubJson = (args, cwd, env) => JSON.parse(run(process.execPath, [hub, ...args, '--json'], cwd, env));


try {
  execFileSync('mkdir', ['-p', gitHome]);
  run('git', ['lfs', 'install'], gitHome);
  const server = await startServer(hub, join(work, 'server'), baseEnv);
  const env = { ...baseEnv, HUB_TOKEN: server.token };
  const model1 = join(work, 'rev1.safetensors');
  const model2 = join(work, 'rev2.safetensors');
  execFileSync(process.execPath, [makeModelTool, '--out', model1, '--size', size, '--seed', '7'], { stdio: 'ignore' });
  execFileSync(process.execPath, [makeModelTool, '--from', model1, '--out', model2, '--mutate-fraction', '0.1', '--seed', '8'], { stdio: 'ignore' });
  const bytes = Number(run('stat', ['-c', '%s', model1], work));
  const MB = (b) => (b / 1e6).toFixed(1);
  console.log(`hub remote benchmark: a ${size} model and its 10%-changed rev2 against hub serve on 127.0.0.1`);

  // hub
  for (const r of ['admin/hub', 'admin/git']) run(process.execPath, [hub, 'repo', 'create', r, '--endpoint', server.url, '--token', server.token], work, env);
  const a = join(work, 'hub-a');
  execFileSync('mkdir', ['-p', a]);
  hubJson(['init'], a, env);
  hubJson(['track', '*.safetensors'], a, env);
  hubJson(['remote', 'add', 'origin', `${server.url}/admin/hub`], a, env);
  const addCommit = (file, msg) => {
    execFileSync('cp', [file, join(a, 'model.safetensors')]);
    hubJson(['add', '-A'], a, env);
    hubJson(['commit', '-m', msg], a, env);
  };
  addCommit(model1, 'rev1');
  const hubPush1 = timed(() => hubJson(['push'], a, env));
  const hubClone = timed(() => hubJson(['clone', `${server.url}/admin/hub`, 'hub-b'], work, { ...env, HUB_HOME: join(work, 'hub-home-b') }));
  addCommit(model2, 'rev2');
  const hubPush2 = timed(() => hubJson(['push'], a, env));
  const hubPull2 = timed(() => hubJson(['pull'], join(work, 'hub-b'), { ...env, HUB_HOME: join(work, 'hub-home-b') }));
  // issue 6: diff the two revisions in a clone that has no content (only the chunks read are fetched)
  const envC = { ...env, HUB_HOME: join(work, 'hub-home-c') };
  hubJson(['clone', '--no-checkout', `${server.url}/admin/hub`, 'hub-c'], work, envC);
  const remoteDiff = timed(() => hubJson(['diff', 'HEAD~1', 'HEAD'], join(work, 'hub-c'), envC));

  // git + git-lfs
  const url = server.url.replace('http://', `http://bench:${server.token}@`) + '/admin/git';
  const g = join(work, 'git-a');
  run('git', ['clone', '-q', url, g], work);
  run('git', ['lfs', 'track', '*.safetensors'], g);
  execFileSync('cp', [model1, join(g, 'model.safetensors')]);
  run('git', ['add', '-A'], g);
  run('git', ['commit', '-q', '-m', 'rev1'], g);
  const gitPush1 = timed(() => run('git', ['push', '-q', 'origin', 'main'], g));
  const gitClone = timed(() => run('git', ['clone', '-q', url, 'git-b'], work));
  execFileSync('cp', [model2, join(g, 'model.safetensors')]);
  run('git', ['commit', '-q', '-am', 'rev2'], g);
  const gitPush2 = timed(() => run('git', ['push', '-q', 'origin', 'main'], g));
  const gitPull2 = timed(() => run('git', ['pull', '-q', 'origin', 'main'], join(work, 'git-b')));
  const same = run('cmp', [join(work, 'hub-b', 'model.safetensors'), join(work, 'git-b', 'model.safetensors')], work) === '';

  const row = (name, h, hubBytes, gitT) =>
    console.log(`${name.padEnd(12)} hub ${h.s.toFixed(2).padStart(6)} s (${MB(hubBytes).padStart(7)} MB moved, ${(bytes / 1e6 / h.s).toFixed(0).padStart(5)} MB/s of model)   git+lfs ${gitT.s.toFixed(2).padStart(6)} s (${MB(bytes).padStart(7)} MB moved)   git-lfs / hub = ${(gitT.s / h.s).toFixed(1)}x`);
  row('push rev1', hubPush1, hubPush1.out.bytesSent, gitPush1);
  row('clone', hubClone, hubClone.out.bytesReceived, gitClone);
  row('push rev2', hubPush2, hubPush2.out.bytesSent, gitPush2);
  row('pull rev2', hubPull2, hubPull2.out.bytesReceived, gitPull2);
  console.log(`both clones hold identical rev2 bytes: ${same ? 'yes' : 'NO'}`);
  const tensors = remoteDiff.out.files.find((f) => f.path === 'model.safetensors')?.tensors;
  console.log(`hub diff HEAD~1 HEAD in a --no-checkout clone: ${remoteDiff.s.toFixed(2)} s, ${tensors?.changed.count} tensors changed, ${MB(remoteDiff.out.bytesFetched)} MB fetched of a ${MB(bytes)} MB model (${((100 * remoteDiff.out.bytesFetched) / bytes).toFixed(1)}%)`);
  console.log(`goals: rev2 push >= 5x faster: ${gitPush2.s / hubPush2.s >= 5 ? 'met' : 'NOT met'}; rev2 pull >= 5x faster: ${gitPull2.s / hubPull2.s >= 5 ? 'met' : 'NOT met'}; clone no slower: ${hubClone.s <= gitClone.s ? 'met' : 'NOT met'}`);
  server.child.kill('SIGTERM');
  if (!same) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
