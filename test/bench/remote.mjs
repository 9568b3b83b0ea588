#!/usr/bin/env node
// Benchmark of hub's remote commands (issues 5 and 13) on a 512 MiB model (HUB_BENCH_REMOTE_SIZE)
// and its 10%-changed rev2, against hub serve on 127.0.0.1, beside git + git-lfs doing the same
// steps against the same server in the same run: add rev1, push rev1, add rev2, push rev2, clone
// (git: clone with the lfs smudge), pull rev1 -> rev2, and the server disk both revisions take
// (git-lfs: its object store, which any LFS server holds as whole objects). The steps run in
// HUB_BENCH_ROUNDS rounds (default 3), each on a model pair of its own, hub first in even rounds
// and git-lfs first in odd ones: one run of each step swung its ratio by up to 2x on this VM
// (docs/performance.md), so the table and the goals take each step's median over the rounds and
// print every round's figures beside it. Prints issue 13's table (step | hub | git + git-lfs |
// ratio | hub peak RSS | hub serve peak RSS | each round) and the goals;
// then a push of one small change after 100 earlier commits (HUB_BENCH_HISTORY) beside the same
// push after 1, alternated as many times as there are rounds, to show that push costs grow with the
// change, not with history (goal: the medians within 1.2x). Peak RSS comes
// from /usr/bin/time -f %M; the server's peak from /proc/PID/status (VmHWM), reset through
// /proc/PID/clear_refs before each of hub's steps, so each step shows its own. Then the server's
// peak while a push of another model of the same size and a clone run at once (issue 13: hub
// serve <= 300 MiB then), a clone of ten 48 MiB files (downloaded several at once), and the goal
// lines: every hub command and hub serve <= 300 MiB. With
// HUB_BENCH_BIG=1, the hub steps again on a 10 GiB model (HUB_BENCH_BIG_SIZE), to show times
// linear and RSS flat, with the server's peak over each step beside the 512 MiB one.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './hub-serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const makeModelTool = join(root, 'test/helpers/make-model.mjs');
const size = process.env.HUB_BENCH_REMOTE_SIZE ?? '512MiB';
const history = Number(process.env.HUB_BENCH_HISTORY ?? 100);
/** Rounds of the steps, each on a model pair of its own; the table and the goals take each step's median. */
const rounds = Number(process.env.HUB_BENCH_ROUNDS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'hub-bench-remote-'));
const gitHome = join(work, 'git-home');
const haveTime = existsSync('/usr/bin/time');
const baseEnv = { ...process.env, CI: 'true', HOME: gitHome, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.invalid' };
const run = (cmd, args, cwd, env = baseEnv) => execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });

/** Runs a command after `sync` (untimed); wall seconds, stdout and peak RSS in MiB. */
function timed(cmd, args, cwd, env = baseEnv) {
  spawnSync('sync');
  const argv = haveTime ? ['/usr/bin/time', ['-f', 'CPU %U %S\nRSS %M', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv[1], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /RSS (\d+)\s*$/.exec(r.stderr);
  const cpu = /CPU ([\d.]+) ([\d.]+)\s*\nRSS/.exec(r.stderr);
  return { s, out: r.stdout, rss: m ? Number(m[1]) / 1024 : NaN, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
}
const hubTimed = (args, cwd, env) => {
  const pid = bigServer?.child.pid;
  if (pid) resetPeak(pid);
  const cpu0 = pid ? cpuSeconds(pid) : NaN;
  const t = timed(process.execPath, [hub, ...args, '--json'], cwd, env);
  return { ...t, json: JSON.parse(t.out), server: pid ? vmHwmMiB(pid) : NaN, serverCpu: pid ? cpuSeconds(pid) - cpu0 : NaN };
};
const hubJson = (args, cwd, env) => JSON.parse(run(process.execPath, [hub, ...args, '--json'], cwd, env));
/** The hub steps alone at `modelSize` (a repository `admin/NAME` of the running server): push rev1, clone, push rev2 (10% changed), pull. */
function hubStepsAt(modelSize, name, extraEnv = {}, seed = 17) {
  const dir = join(work, name);
  mkdirSync(dir);
  const m1 = join(dir, 'rev1.safetensors');
  const m2 = join(dir, 'rev2.safetensors');
  execFileSync(process.execPath, [makeModelTool, '--out', m1, '--size', modelSize, '--seed', String(seed)], { stdio: 'ignore' });
  execFileSync(process.execPath, [makeModelTool, '--from', m1, '--out', m2, '--mutate-fraction', '0.1', '--seed', String(seed + 1)], { stdio: 'ignore' });
  const bytes = Number(run('stat', ['-c', '%s', m1], work));
  const { url, token } = bigServer;
  const env = { ...baseEnv, HUB_TOKEN: token, HUB_HOME: join(dir, 'home-a'), ...extraEnv };
  const envB = { ...env, HUB_HOME: join(dir, 'home-b') };
  run(process.execPath, [hub, 'repo', 'create', `admin/${name}`, '--endpoint', url, '--token', token], work, env);
  const a = join(dir, 'a');
  mkdirSync(a);
  hubJson(['init'], a, env);
  hubJson(['track', '*.safetensors'], a, env);
  hubJson(['remote', 'add', 'origin', `${url}/admin/${name}`], a, env);
  execFileSync('mv', [m1, join(a, 'model.safetensors')]);
  hubJson(['add', '-A'], a, env);
  hubJson(['commit', '-m', 'rev1'], a, env);
  const steps = {};
  steps['push rev1'] = hubTimed(['push'], a, env);
  steps.clone = hubTimed(['clone', `${url}/admin/${name}`, 'b'], dir, envB);
  execFileSync('mv', [m2, join(a, 'model.safetensors')]);
  hubJson(['add', '-A'], a, env);
  hubJson(['commit', '-m', 'rev2'], a, env);
  steps['push rev2'] = hubTimed(['push'], a, env);
  // the pusher's working copy is not needed any more: at 10 GiB its room is what the pull's new
  // working file needs (the run otherwise needs ~75 GB free, and one stopped with ENOSPC at 72)
  rmSync(join(a, 'model.safetensors'));
  steps['pull rev1 -> rev2'] = hubTimed(['pull'], join(dir, 'b'), envB);
  // a diff of the two revisions in a clone that has no content (issue 6: only what it reads is fetched)
  const envC = { ...env, HUB_HOME: join(dir, 'home-c') };
  run(process.execPath, [hub, 'clone', '--no-checkout', `${url}/admin/${name}`, 'c', '--json'], dir, envC);
  steps['diff HEAD~1 HEAD, no content'] = hubTimed(['diff', 'HEAD~1', 'HEAD'], join(dir, 'c'), envC);
  return { bytes, steps };
}

/**
 * HUB_BENCH_COMPARE=xet,hub-chunks: only hub's steps, once per listed transfer (HUB_TRANSFER) per
 * round, rounds interleaved (HUB_BENCH_ROUNDS, default 3) on this shared machine, each on a model of
 * its own (else the server would already hold it); prints the median time, the bytes moved and the
 * peak RSS of each step per transfer, and the ratio to the first transfer listed.
 */
async function compareTransfers(list) {
  bigServer = await startServer(hub, join(work, 'server'), baseEnv);
  const results = Object.fromEntries(list.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [i, t] of list.entries()) results[t].push(hubStepsAt(size, `cmp-${t}-${r}`, { HUB_TRANSFER: t }, 100 + 10 * r + 2 * i));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const moved = (name, json) => (name.startsWith('push') ? json.bytesSent : name.startsWith('diff') ? json.bytesFetched : json.bytesReceived);
  console.log(`hub's transfers compared on a ${size} model (${rounds} rounds, median):`);
  console.log('');
  console.log(`| step | ${list.map((t) => `${t}: s (min-max) | ${t}: CPU s hub + serve | ${t}: MB moved | ${t}: peak RSS | ${t}: serve peak (max)`).join(' | ')} | ${list.slice(1).map((t) => `${list[0]} / ${t} time | CPU`).join(' | ')} |`);
  console.log(`|---|${list.map(() => '---:|---:|---:|---:|---:|').join('')}${list.slice(1).map(() => '---:|---:|').join('')}`);
  for (const name of Object.keys(results[list[0]][0].steps)) {
    const cells = list.map((t) => {
      const runs = results[t].map((x) => x.steps[name]);
      const ss = runs.map((x) => x.s);
      return { s: median(ss), lo: Math.min(...ss), hi: Math.max(...ss), cpu: median(runs.map((x) => x.cpu)), scpu: median(runs.map((x) => x.serverCpu)), mb: median(runs.map((x) => moved(name, x.json) ?? NaN)) / 1e6, rss: median(runs.map((x) => x.rss)), server: Math.max(...runs.map((x) => x.server)) };
    });
    console.log(`| ${name} | ${cells.map((c) => `${c.s.toFixed(2)} (${c.lo.toFixed(2)}-${c.hi.toFixed(2)}) | ${c.cpu.toFixed(2)} + ${c.scpu.toFixed(2)} | ${c.mb.toFixed(1)} | ${c.rss.toFixed(0)} MiB | ${c.server.toFixed(0)} MiB`).join(' | ')} | ${cells.slice(1).map((c) => `${(cells[0].s / c.s).toFixed(2)}x | ${((cells[0].cpu + cells[0].scpu) / (c.cpu + c.scpu)).toFixed(2)}x`).join(' | ')} |`);
  }
  console.log(`transfers used: ${list.map((t) => `${t} -> ${[...new Set(results[t].flatMap((x) => Object.values(x.steps).map((st) => st.json.transfer).filter(Boolean)))].join('/')}`).join('; ')}`);
  bigServer.child.kill('SIGTERM');
}
let bigServer;
const duBytes = (dir) => Number(run('du', ['-sb', dir], work).split('\t')[0]);
/** User + system CPU seconds `pid` has used (all its threads; /proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const vmRssMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const vmHwmMiB = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
/** Resets the peak RSS of `pid` to its RSS now (Linux clear_refs 5); false where that is not allowed. */
const resetPeak = (pid) => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
};
/** Runs a command without blocking this process; resolves with wall seconds and peak RSS in MiB. */
const timedAsync = (cmd, args, cwd, env) =>
  new Promise((resolve, reject) => {
    const argv = haveTime ? ['/usr/bin/time', ['-f', 'RSS %M', cmd, ...args]] : [cmd, args];
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv[1], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err}`));
      const m = /RSS (\d+)\s*$/.exec(err);
      resolve({ s: Number(process.hrtime.bigint() - t0) / 1e9, rss: m ? Number(m[1]) / 1024 : NaN });
    });
  });

try {
  mkdirSync(gitHome, { recursive: true });
  if (process.env.HUB_BENCH_COMPARE) {
    await compareTransfers(process.env.HUB_BENCH_COMPARE.split(',').map((t) => t.trim()));
    rmSync(work, { recursive: true, force: true });
    process.exit(0);
  }
  run('git', ['lfs', 'install'], gitHome);
  const server = await startServer(hub, join(work, 'server'), baseEnv);
  bigServer = server;
  const env = { ...baseEnv, HUB_TOKEN: server.token };
  const MB = (b) => (b / 1e6).toFixed(1);
  const MiB = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} MiB` : 'n/a');
  console.log(`hub remote benchmark: a ${size} model and its 10%-changed rev2 against hub serve on 127.0.0.1, ${rounds} round(s), medians`);
  const pid = server.child.pid;
  const perStep = resetPeak(pid);
  /** A hub step with the server's own peak over it (VmHWM reset before the step). */
  const serverStep = (step) => {
    resetPeak(pid);
    const t = step();
    return { ...t, server: vmHwmMiB(pid) };
  };

  /**
   * One round: a model pair of its own (else the server would hold it already), hub's six steps
   * against admin/hub-R and git + git-lfs's against admin/git-R, in turn first (odd rounds start
   * with git-lfs): whoever goes second finds the page cache the first one left.
   */
  const benchRound = (r) => {
    const dir = join(work, `round-${r}`);
    mkdirSync(dir);
    // hub's and git-lfs's models differ (same size and layout, other seeds): hub serve keeps one
    // copy of a chunk whoever sent it, so the second to push the same bytes would find them
    // stored and write nothing new (the baseline before this: git-lfs pushed hub's model)
    const pair = (name, seed) => {
      const m1 = join(dir, `${name}-rev1.safetensors`);
      const m2 = join(dir, `${name}-rev2.safetensors`);
      execFileSync(process.execPath, [makeModelTool, '--out', m1, '--size', size, '--seed', String(seed)], { stdio: 'ignore' });
      execFileSync(process.execPath, [makeModelTool, '--from', m1, '--out', m2, '--mutate-fraction', '0.1', '--seed', String(seed + 1)], { stdio: 'ignore' });
      return [m1, m2];
    };
    const [model1, model2] = pair('hub', 7 + 10 * r);
    const [gitModel1, gitModel2] = pair('git', 1007 + 10 * r);
    const bytes = Number(run('stat', ['-c', '%s', model1], work));
    if (Number(run('stat', ['-c', '%s', gitModel1], work)) !== bytes) throw new Error('the two models differ in size');
    for (const repo of [`admin/hub-${r}`, `admin/git-${r}`]) run(process.execPath, [hub, 'repo', 'create', repo, '--endpoint', server.url, '--token', server.token], work, env);
    const hubSide = () => {
      const envA = { ...env, HUB_HOME: join(dir, 'hub-home-a') };
      const envB = { ...env, HUB_HOME: join(dir, 'hub-home-b') };
      const before = duBytes(join(work, 'server'));
      const a = join(dir, 'hub-a');
      mkdirSync(a);
      hubJson(['init'], a, envA);
      hubJson(['track', '*.safetensors'], a, envA);
      hubJson(['remote', 'add', 'origin', `${server.url}/admin/hub-${r}`], a, envA);
      const add = (file, msg) => {
        execFileSync('cp', [file, join(a, 'model.safetensors')]);
        const t = hubTimed(['add', '-A'], a, envA);
        hubJson(['commit', '-m', msg], a, envA);
        return t;
      };
      const t = {};
      t.add1 = serverStep(() => add(model1, 'rev1'));
      t.push1 = serverStep(() => hubTimed(['push'], a, envA));
      t.clone = serverStep(() => hubTimed(['clone', `${server.url}/admin/hub-${r}`, 'hub-b'], dir, envB));
      t.add2 = serverStep(() => add(model2, 'rev2'));
      t.push2 = serverStep(() => hubTimed(['push'], a, envA));
      t.pull = serverStep(() => hubTimed(['pull'], join(dir, 'hub-b'), envB));
      return { t, disk: duBytes(join(work, 'server')) - before };
    };
    const gitSide = () => {
      const url = server.url.replace('http://', `http://bench:${server.token}@`) + `/admin/git-${r}`;
      const g = join(dir, 'git-a');
      run('git', ['clone', '-q', url, g], work);
      run('git', ['lfs', 'track', '*.safetensors'], g);
      const t = {};
      execFileSync('cp', [gitModel1, join(g, 'model.safetensors')]);
      t.add1 = timed('git', ['add', '-A'], g);
      run('git', ['commit', '-q', '-m', 'rev1'], g);
      t.push1 = timed('git', ['push', '-q', 'origin', 'main'], g);
      t.clone = timed('git', ['clone', '-q', url, 'git-b'], dir);
      execFileSync('cp', [gitModel2, join(g, 'model.safetensors')]);
      t.add2 = timed('git', ['add', '-A'], g);
      run('git', ['commit', '-q', '-m', 'rev2'], g);
      t.push2 = timed('git', ['push', '-q', 'origin', 'main'], g);
      t.pull = timed('git', ['pull', '-q', 'origin', 'main'], join(dir, 'git-b'));
      return { t, disk: duBytes(join(g, '.git', 'lfs', 'objects')) };
    };
    let hubR, gitR;
    if (r % 2) {
      gitR = gitSide();
      hubR = hubSide();
    } else {
      hubR = hubSide();
      gitR = gitSide();
    }
    const same = run('cmp', [join(dir, 'hub-b', 'model.safetensors'), model2], work) === '' && run('cmp', [join(dir, 'git-b', 'model.safetensors'), gitModel2], work) === '';
    rmSync(dir, { recursive: true, force: true }); // ~6 model sizes of working copies and stores
    return { bytes, hub: hubR.t, git: gitR.t, hubDisk: hubR.disk, gitDisk: gitR.disk, same, serverAfter: vmRssMiB(pid) };
  };
  const results = [];
  for (let r = 0; r < rounds; r++) {
    results.push(benchRound(r));
    console.log(`round ${r + 1} of ${rounds} done`);
  }
  const bytes = results[0].bytes;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]; // (the lower middle of an even count)
  /** One step over the rounds: median seconds, the rounds' seconds, peak RSS and server peak at their worst, round 1's --json. */
  const over = (side, key) => {
    const ts = results.map((x) => x[side][key]);
    return { s: median(ts.map((t) => t.s)), all: ts.map((t) => t.s), rss: Math.max(...ts.map((t) => t.rss)), server: Math.max(...ts.map((t) => t.server)), json: ts[0].json };
  };
  const steps = ['add1', 'push1', 'clone', 'add2', 'push2', 'pull'];
  const H = Object.fromEntries(steps.map((k) => [k, over('hub', k)]));
  const G = Object.fromEntries(steps.map((k) => [k, over('git', k)]));
  const serverDisk = median(results.map((x) => x.hubDisk));
  const gitDisk = median(results.map((x) => x.gitDisk));
  const same = results.every((x) => x.same);
  const serverRss = perStep ? Math.max(...['push1', 'clone', 'push2', 'pull'].map((k) => H[k].server)) : vmHwmMiB(pid);

  /** A new repository admin/NAME on the server and a hub clone of it in work/hub-NAME tracking *.safetensors, with a store of its own. */
  const newHubRepo = (name) => {
    run(process.execPath, [hub, 'repo', 'create', `admin/${name}`, '--endpoint', server.url, '--token', server.token], work, env);
    const dir = join(work, `hub-${name}`);
    mkdirSync(dir);
    const dirEnv = { ...env, HUB_HOME: join(work, `hub-home-${name}`) };
    hubJson(['init'], dir, dirEnv);
    hubJson(['track', '*.safetensors'], dir, dirEnv);
    hubJson(['remote', 'add', 'origin', `${server.url}/admin/${name}`], dir, dirEnv);
    return [dir, dirEnv];
  };

  // hub serve while a push of another model of this size and a clone run at once (issue 13)
  const [o, envO] = newHubRepo('other');
  execFileSync(process.execPath, [makeModelTool, '--out', join(o, 'model.safetensors'), '--size', size, '--seed', '9'], { stdio: 'ignore' });
  hubJson(['add', '-A'], o, envO);
  hubJson(['commit', '-m', 'other'], o, envO);
  spawnSync('sync');
  resetPeak(pid);
  const serverBefore2 = vmHwmMiB(pid);
  const [atOncePush, atOnceClone] = await Promise.all([
    timedAsync(process.execPath, [hub, 'push'], o, envO),
    timedAsync(process.execPath, [hub, 'clone', `${server.url}/admin/hub-0`, 'hub-d'], work, { ...env, HUB_HOME: join(work, 'hub-home-d') }),
  ]);
  const serverAtOnce = vmHwmMiB(pid);
  // many files at once (issue 13: every command's memory, whatever the files): a clone of ten
  // 48 MiB models, which a clone downloads several at a time
  const [mf, envM] = newHubRepo('many');
  for (let i = 0; i < 10; i++) execFileSync(process.execPath, [makeModelTool, '--out', join(mf, `shard-${i}.safetensors`), '--size', '48MiB', '--seed', String(300 + i)], { stdio: 'ignore' });
  hubJson(['add', '-A'], mf, envM);
  hubJson(['commit', '-m', 'many'], mf, envM);
  hubJson(['push'], mf, envM);
  const manyClone = hubTimed(['clone', `${server.url}/admin/many`, 'hub-many-b'], work, { ...env, HUB_HOME: join(work, 'hub-home-many-b') });
  rmSync(mf, { recursive: true, force: true });
  rmSync(join(work, 'hub-many-b'), { recursive: true, force: true });

  // issue 6: diff the two revisions in a clone that has no content (only the chunks read are fetched)
  const envC = { ...env, HUB_HOME: join(work, 'hub-home-c') };
  hubJson(['clone', '--no-checkout', `${server.url}/admin/hub-0`, 'hub-c'], work, envC);
  const remoteDiff = hubTimed(['diff', 'HEAD~1', 'HEAD'], join(work, 'hub-c'), envC);

  const rows = [
    ['add rev1', 'add1'],
    [`push rev1 (hub sends ${MB(H.push1.json.bytesSent)} MB)`, 'push1'],
    ['add rev2', 'add2'],
    [`push rev2 (hub sends ${MB(H.push2.json.bytesSent)} MB, git-lfs ${MB(bytes)} MB)`, 'push2'],
    [`clone (hub receives ${MB(H.clone.json.bytesReceived)} MB; git: clone + lfs smudge)`, 'clone'],
    [`pull rev1 -> rev2 (hub receives ${MB(H.pull.json.bytesReceived)} MB)`, 'pull'],
  ];
  const ratio = (k) => G[k].s / H[k].s;
  const secs = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
  console.log('');
  console.log(`| step | hub | git + git-lfs | git-lfs time / hub time | hub peak RSS | hub serve peak RSS | ratio in each round | hub s in each round | git-lfs s in each round |`);
  console.log('|---|---:|---:|---:|---:|---:|---|---|---|');
  for (const [name, k] of rows) console.log(`| ${name} | ${H[k].s.toFixed(2)} s | ${G[k].s.toFixed(2)} s | ${ratio(k).toFixed(2)}x | ${MiB(H[k].rss)} | ${perStep ? MiB(H[k].server) : ''} | ${results.map((x) => (x.git[k].s / x.hub[k].s).toFixed(2) + 'x').join(', ')} | ${secs(H[k].all)} | ${secs(G[k].all)} |`);
  console.log(`| server disk for both revisions | ${(serverDisk / bytes).toFixed(2)}x model | ${(gitDisk / bytes).toFixed(2)}x model | | | ${perStep ? '' : `${MiB(serverRss)} over hub's steps`} | | | |`);
  console.log(`| hub push (another ${size} model) and hub clone at once | push ${atOncePush.s.toFixed(2)} s, clone ${atOnceClone.s.toFixed(2)} s | | | push ${MiB(atOncePush.rss)}, clone ${MiB(atOnceClone.rss)} | ${MiB(serverAtOnce)} (${MiB(serverBefore2)} before) | | | |`);
  console.log('');
  console.log(`hub's and git-lfs's clones hold their rev2's bytes in every round: ${same ? 'yes' : 'NO'}`);
  console.log(`hub serve's peak RSS over hub's steps, round by round: ${results.map((x) => MiB(Math.max(...steps.map((k) => x.hub[k].server)))).join(', ')}; its RSS after each round: ${results.map((x) => MiB(x.serverAfter)).join(', ')}`);
  // where the CPU goes: a step bound by the client's CPU shows it here, and hub serve's own work
  // (its background work included) shows in the server's figure
  console.log(`CPU seconds over hub's steps, client + hub serve, round by round: ${steps.map((k) => `${k} ${results.map((x) => `${x.hub[k].cpu.toFixed(2)} + ${x.hub[k].serverCpu.toFixed(2)}`).join(', ')}`).join('; ')}`);
  console.log(`hub's chunk transfer (HUB_TRANSFER=${process.env.HUB_TRANSFER ?? ''}): push ${H.push1.json.transfer}, clone ${H.clone.json.transfer}, push rev2 ${H.push2.json.transfer}, pull ${H.pull.json.transfer}`);
  console.log(`hub clone of ten 48 MiB files: ${manyClone.s.toFixed(2)} s, peak RSS ${MiB(manyClone.rss)}`);
  const tensors = remoteDiff.json.files.find((f) => f.path === 'model.safetensors')?.tensors;
  console.log(`hub diff HEAD~1 HEAD in a --no-checkout clone: ${remoteDiff.s.toFixed(2)} s, ${tensors?.changed.count} tensors changed, ${MB(remoteDiff.json.bytesFetched)} MB fetched of a ${MB(bytes)} MB model (${((100 * remoteDiff.json.bytesFetched) / bytes).toFixed(1)}%), peak RSS ${MiB(remoteDiff.rss)}`);

  // push cost against history: one small change pushed after `history` earlier commits, and after 1,
  // the two pushes alternated `rounds` times and compared by their medians (one push of each read
  // 1.02 to 1.30 between runs whose history path was the same code: docs/performance.md)
  const repoAfter = (commits, name) => {
    run(process.execPath, [hub, 'repo', 'create', `admin/${name}`, '--endpoint', server.url, '--token', server.token], work, env);
    const dir = join(work, name);
    mkdirSync(dir);
    hubJson(['init'], dir, env);
    hubJson(['track', '*.bin'], dir, env);
    hubJson(['remote', 'add', 'origin', `${server.url}/admin/${name}`], dir, env);
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `w${i}.bin`), `weights ${i} `.repeat(300));
    for (let c = 0; c < commits; c++) {
      writeFileSync(join(dir, `w${c % 20}.bin`), `weights ${c % 20} rev ${c} `.repeat(300));
      hubJson(['add', '-A'], dir, env);
      hubJson(['commit', '-m', `c${c}`], dir, env);
    }
    hubJson(['push'], dir, env);
    return dir;
  };
  const pushChange = (dir, k) => {
    writeFileSync(join(dir, 'w0.bin'), `the change pushed, ${k} `.repeat(300));
    hubJson(['add', '-A'], dir, env);
    hubJson(['commit', '-m', `change ${k}`], dir, env);
    return hubTimed(['push'], dir, env).s;
  };
  const manyDir = repoAfter(history, 'history-many');
  const oneDir = repoAfter(1, 'history-one');
  const afterMany = [];
  const afterOne = [];
  for (let k = 0; k < rounds; k++) {
    afterMany.push(pushChange(manyDir, k));
    afterOne.push(pushChange(oneDir, k));
  }
  const historyRatio = median(afterMany) / median(afterOne);
  console.log(`push of one changed file after ${history} earlier commits: ${median(afterMany).toFixed(2)} s (${secs(afterMany)}); after 1: ${median(afterOne).toFixed(2)} s (${secs(afterOne)}); ratio of the medians ${historyRatio.toFixed(2)}, goal <= 1.2 (the same cost): ${historyRatio <= 1.2 ? 'met' : 'NOT met'}`);

  // HUB_BENCH_BIG=1: the same hub steps on a 10 GiB model (HUB_BENCH_BIG_SIZE), against a repository of
  // its own on the same server; times must grow linearly from the 512 MiB run (seconds per GiB within
  // 1.25x of its own) and peak RSS stay flat (<= 300 MiB). Needs about 6x the size free on disk.
  if (process.env.HUB_BENCH_BIG === '1') {
    const bigSize = process.env.HUB_BENCH_BIG_SIZE ?? '10GiB';
    const big = hubStepsAt(bigSize, 'big');
    const small = { 'push rev1': H.push1, clone: H.clone, 'push rev2': H.push2, 'pull rev1 -> rev2': H.pull };
    console.log('');
    console.log(`| hub step | ${size}: s/GiB | ${bigSize}: s/GiB | growth | peak RSS ${size} | peak RSS ${bigSize} | hub serve ${size} | hub serve ${bigSize} |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    let linear = true;
    let flat = true;
    for (const [name, t] of Object.entries(big.steps)) {
      if (!small[name]) continue;
      const perSmall = small[name].s / (bytes / 2 ** 30);
      const perBig = t.s / (big.bytes / 2 ** 30);
      linear &&= perBig <= 1.25 * perSmall;
      flat &&= t.rss <= 300;
      console.log(`| ${name} | ${perSmall.toFixed(2)} | ${perBig.toFixed(2)} | ${(perBig / perSmall).toFixed(2)}x | ${MiB(small[name].rss)} | ${MiB(t.rss)} | ${MiB(small[name].server)} | ${MiB(t.server)} |`);
    }
    const serverBig = Math.max(...Object.values(big.steps).map((t) => t.server));
    console.log(`goals at ${bigSize}: times linear (s/GiB within 1.25x of ${size}): ${linear ? 'met' : 'NOT met'}; peak RSS <= 300 MiB: ${flat ? 'met' : 'NOT met'}; hub serve's peak over these steps: ${MiB(serverBig)} (the goal is stated for ${size})`);
  }

  // how dear a new page of file cache is on this machine right now: on a VM whose free memory the
  // host takes back (virtio-balloon free page reporting), the first touch of each page costs a
  // fault in the host, up to ~4 s of system time per GiB, which every step above that writes pays
  // (hub and git-lfs alike); written after every step, so it changes none of them
  const fresh = timed('dd', ['if=/dev/zero', `of=${join(work, 'page-probe')}`, 'bs=4M', 'count=128', 'status=none'], work);
  rmSync(join(work, 'page-probe'));
  console.log(`writing 512 MiB of new file here: ${fresh.s.toFixed(2)} s (${fresh.cpu.toFixed(2)} s CPU; about 0.1 s when the pages are warm, docs/performance.md "Cold pages")`);
  // the same for a process's own new memory (every buffer a command allocates and touches first)
  const [touch, again] = run(process.execPath, ['-e', 'const t = process.hrtime.bigint(); const b = Buffer.alloc(64 << 20, 1); const warm = process.hrtime.bigint(); b.fill(2); console.log(Number(warm - t) / 1e6, Number(process.hrtime.bigint() - warm) / 1e6)'], work).split(' ').map(Number);
  console.log(`filling 64 MiB of a process's new memory here: ${touch.toFixed(0)} ms; the same memory again: ${again.toFixed(0)} ms (docs/performance.md "New memory")`);

  const peak = Math.max(...steps.map((k) => H[k].rss), atOncePush.rss, atOnceClone.rss, manyClone.rss);
  const serverPeak = Math.max(serverRss, serverAtOnce);
  const goal = (k, x) => `${ratio(k).toFixed(2)}x, ${ratio(k) >= x ? 'met' : 'NOT met'}`;
  console.log(`goals (medians of ${rounds} round(s)): add rev1 >= 1.5x: ${goal('add1', 1.5)}; push rev1 >= 1.0x: ${goal('push1', 1)}; push rev2 >= 5x: ${goal('push2', 5)}; clone >= 3x: ${goal('clone', 3)}; pull >= 5x: ${goal('pull', 5)}`);
  console.log(`memory goals (${size} model): every hub command's peak RSS <= 300 MiB: ${peak <= 300 ? 'met' : 'NOT met'} (${MiB(peak)}); hub serve <= 300 MiB while a push and a clone run at once: ${serverAtOnce <= 300 ? 'met' : 'NOT met'} (${MiB(serverAtOnce)}); hub serve over every hub step: ${serverPeak <= 300 ? 'met' : 'NOT met'} (${MiB(serverPeak)})`);
  server.child.kill('SIGTERM');
  if (!same) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
