#!/usr/bin/env node
// The main job (`npm run demo`): what hub's content store does, end to end, on generated data.
// A synthetic 256 MiB safetensors model (N(0, 0.02) weights) is stored; a fine-tune of 10% of its tensors
// is stored next, and only its new chunks take space; both come back byte-exact and verified;
// fsck checks everything, and a flipped byte is caught. Nothing outside a temporary folder is
// touched (HUB_HOME points into it). Set HUB_DEMO_SIZE=64 for a smaller model (MiB).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fineTuneModel, generateModel } from '../helpers/make-model.mjs';

const hub = fileURLToPath(new URL('../../bin/hub.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hub-demo-'));
const env = { ...process.env, HUB_HOME: join(work, 'home'), CI: process.env.CI ?? '' };
const MiB = 1 << 20;
const sizeMiB = Number(process.env.HUB_DEMO_SIZE ?? 256);

function run(args, { show = true, allowFail = false } = {}) {
  if (show) console.log(`\n$ hub ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [hub, ...args], { cwd: work, env, encoding: 'utf8' });
  if (show) process.stdout.write(r.stdout + r.stderr.split('\n').filter((l) => l.startsWith('hub:') || l.startsWith('damaged')).map((l) => `${l}\n`).join(''));
  if (r.status !== 0 && !allowFail) throw new Error(`hub ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

try {
  console.log(`hub content-store demo in ${work}`);
  // weights like a real checkpoint's: N(0, 0.02) in BF16, F16 and F32 tensors; the fine-tune
  // nudges 4 of 40 tensors (relative L2 change about 0.05), drops one and adds a small adapter
  generateModel({ out: join(work, 'base.safetensors'), size: sizeMiB * MiB, tensors: 40, seed: 1, dtype: 'mixed' });
  const tune = fineTuneModel({ from: join(work, 'base.safetensors'), out: join(work, 'tuned.safetensors'), fraction: 0.1, seed: 2, addDrop: true });
  console.log(`generated base.safetensors (${sizeMiB} MiB, 40 tensors) and tuned.safetensors (4 tensors fine-tuned, ${tune.dropped[0]} dropped, ${tune.added[0]} added)`);

  run(['store', 'add', 'base.safetensors']);
  const tuned = JSON.parse(run(['store', 'add', 'tuned.safetensors', '--json'], { show: false }).stdout).files[0];
  console.log(`\n$ hub store add tuned.safetensors\n${tuned.oid}  tuned.safetensors  new ${(tuned.newBytes / MiB).toFixed(1)} MiB, deduplicated ${(tuned.dedupBytes / MiB).toFixed(1)} MiB`);
  run(['du']);
  run(['store', 'cat', tuned.oid, '-o', 'restored.safetensors']);
  const same = readFileSync(join(work, 'restored.safetensors')).equals(readFileSync(join(work, 'tuned.safetensors')));
  console.log(same ? 'restored.safetensors is byte-identical to tuned.safetensors' : 'MISMATCH');
  run(['fsck']);

  // damage one byte of one xorb: fsck names it, cat refuses to write anything
  const xorbDir = join(env.HUB_HOME, 'store', 'xorbs');
  const xorb = readdirSync(xorbDir, { recursive: true, encoding: 'utf8' }).find((p) => p.endsWith('.xorb'));
  const bytes = readFileSync(join(xorbDir, xorb));
  bytes[bytes.length >> 1] ^= 1;
  writeFileSync(join(xorbDir, xorb), bytes);
  console.log(`\nflipped one byte of xorb ${xorb.slice(3, 15)}...`);
  const fsck = run(['fsck'], { allowFail: true });
  console.log(`(exit ${fsck.status})`);
  if (!same || fsck.status !== 5) process.exitCode = 1;

  // the same two revisions as commits of a repository that git and git-lfs can read
  console.log('\n--- a hub repository ---');
  rmSync(env.HUB_HOME, { recursive: true, force: true });
  const repo = join(work, 'llama-tiny');
  const at = (args, opts) => run(['-C', repo, ...args], opts);
  run(['init', 'llama-tiny']);
  at(['track', '*.safetensors']);
  writeFileSync(join(repo, 'config.json'), '{"layers": 40}\n');
  writeFileSync(join(repo, 'model.safetensors'), readFileSync(join(work, 'base.safetensors')));
  at(['add', '-A']);
  at(['commit', '-m', 'base model', '--author', 'Demo <demo@example.invalid>']);
  writeFileSync(join(repo, 'model.safetensors'), readFileSync(join(work, 'tuned.safetensors')));
  at(['status']);
  at(['add', 'model.safetensors']);
  at(['commit', '-m', 'fine-tune: 4 of 40 tensors', '--author', 'Demo <demo@example.invalid>']);
  at(['log', '--oneline', '--stat']);
  // what changed, tensor by tensor: only the headers and the changed tensors are read
  at(['diff', 'HEAD~1', 'HEAD', '--stats', '--limit', '4']);
  at(['checkout', 'HEAD~1']);
  const back = readFileSync(join(repo, 'model.safetensors')).equals(readFileSync(join(work, 'base.safetensors')));
  console.log(back ? 'model.safetensors is the base model again, byte for byte' : 'MISMATCH');
  at(['checkout', 'main']);
  at(['status']);
  at(['du']);
  if (!back) process.exitCode = 1;

  // a hub server, used by the real git and git-lfs clients (hub's own clone/push come next)
  if (spawnSync('git', ['lfs', 'version']).status === 0) {
    console.log('\n--- hub serve, with real git + git-lfs ---');
    const serveRoot = join(work, 'server');
    const server = spawn(process.execPath, [hub, 'serve', '--root', serveRoot, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const out = await new Promise((resolve, reject) => {
        let text = '';
        server.stdout.on('data', (b) => {
          text += b;
          if (/listening on/.test(text)) resolve(text);
        });
        server.once('exit', (code) => reject(new Error(`hub serve exited ${code}`)));
      });
      const url = /listening on (http:\/\/\S+)/.exec(out)[1];
      const token = /admin token: (\S+)/.exec(out)[1];
      console.log(`hub serve is listening on ${url} (first start: it printed an admin token)`);
      env.HUB_TOKEN = token; // the token goes in the environment, not on the command line
      run(['repo', 'create', 'admin/llama-tiny', '--endpoint', url]);
      const gitEnv = { ...env, HOME: join(work, 'git-home'), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
      const git = (cwd, ...args) => {
        console.log(`\n$ git ${args.join(' ').replace(token, '<token>')}`);
        const r = spawnSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' });
        process.stdout.write((r.stdout + r.stderr).replace(new RegExp(token, 'g'), '<token>'));
        if (r.status !== 0) throw new Error(`git ${args[0]} failed`);
      };
      spawnSync('mkdir', ['-p', gitEnv.HOME]);
      for (const args of [['config', '--global', 'user.name', 'Demo'], ['config', '--global', 'user.email', 'demo@example.invalid'], ['lfs', 'install']]) spawnSync('git', args, { env: gitEnv });
      const remote = url.replace('http://', `http://demo:${token}@`) + '/admin/llama-tiny';
      git(work, 'clone', '-q', remote, 'pushed');
      const pushed = join(work, 'pushed');
      git(pushed, 'lfs', 'track', '*.safetensors');
      writeFileSync(join(pushed, 'model.safetensors'), readFileSync(join(work, 'base.safetensors')));
      git(pushed, 'add', '-A');
      git(pushed, 'commit', '-q', '-m', 'base model');
      git(pushed, 'push', 'origin', 'main');
      writeFileSync(join(pushed, 'model.safetensors'), readFileSync(join(work, 'tuned.safetensors')));
      git(pushed, 'commit', '-q', '-am', 'fine-tune');
      git(pushed, 'push', 'origin', 'main');
      git(work, 'clone', '-q', remote, 'fresh');
      const ok = readFileSync(join(work, 'fresh', 'model.safetensors')).equals(readFileSync(join(work, 'tuned.safetensors')));
      console.log(ok ? '\na fresh git clone checked out the fine-tuned model, byte for byte' : 'MISMATCH');
      let stored = 0;
      for (const rel of readdirSync(join(serveRoot, 'store', 'xorbs'), { recursive: true, encoding: 'utf8' })) if (rel.endsWith('.xorb')) stored += statSync(join(serveRoot, 'store', 'xorbs', rel)).size;
      console.log(`the server stores ${(stored / MiB).toFixed(1)} MiB for two revisions of a ${sizeMiB} MiB model (git-lfs sent both whole)`);
      if (!ok) process.exitCode = 1;

      // hub's own remote commands: push the repository above, clone it without content, diff the
      // two revisions there (only the chunks the diff reads come over the network)
      console.log('\n--- hub push, hub clone --no-checkout, hub diff ---');
      run(['repo', 'create', 'admin/llama-hub', '--endpoint', url]);
      at(['remote', 'add', 'origin', `${url}/admin/llama-hub`]);
      at(['push']);
      console.log('(nothing to send: the server already holds every chunk of both revisions, from the git-lfs pushes above; chunks are shared across repositories)');
      run(['clone', '--no-checkout', `${url}/admin/llama-hub`, 'llama-clone']);
      env.HUB_HOME = join(work, 'home-clone'); // another machine: an empty store
      const d = JSON.parse(run(['-C', join(work, 'llama-clone'), 'diff', '--json', 'HEAD~1', 'HEAD'], { show: false }).stdout);
      const model = d.files.find((f) => f.path === 'model.safetensors');
      console.log(`\n$ hub diff HEAD~1 HEAD   (in the clone, with an empty store)\n${model.tensors.changed.count} tensors changed, ${model.tensors.unchanged} unchanged; ${(d.bytesFetched / MiB).toFixed(1)} MiB fetched of a ${sizeMiB} MiB model`);
      if (model.tensors.changed.count !== 4) process.exitCode = 1;
    } finally {
      server.kill('SIGTERM');
    }
  } else console.log('\n(git-lfs is not installed: skipping the hub serve part; .ci/run installs it)');
} finally {
  rmSync(work, { recursive: true, force: true });
}
