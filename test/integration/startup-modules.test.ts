/**
 * What a command loads before it does any work (docs/performance.md, "Fixed costs"): every run of
 * hub imports the CLI's entry, so a heavy library reached from it statically costs every command
 * its load time (undici alone is about 60 ms of CPU here). The built CLI is run with a module
 * hook that lists every module it loads (ESM and CommonJS), and the heavy libraries must be
 * missing where the command does not need them.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubBin } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Libraries only the commands that talk to a remote, a git history or a database need. */
const HEAVY = ['undici', 'isomorphic-git', 'better-sqlite3', 'pg', 'lz4js', 'hash-wasm', 'ora', '@aws-sdk'];

/** The packages under node_modules that `hub ARGS` loaded, in `cwd`. */
function packagesLoaded(args: string[], cwd: string, exitCode = 0): Set<string> {
  const dir = tmpDir('hub-startup-');
  const log = join(dir, 'loaded.txt');
  // `load` sees every ESM module and every CommonJS module imported from ESM; `require` of one
  // CommonJS file by another does not pass through it, but a package's entry does
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', register, hubBin, ...args], { cwd, env: { ...process.env, CI: 'true', HUB_HOME: join(dir, 'home') }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(exitCode);
  const loaded = new Set<string>();
  for (const url of spawnSync('cat', [log], { encoding: 'utf8' }).stdout.split('\n')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) loaded.add(m[1].startsWith('@aws-sdk/') ? '@aws-sdk' : m[1]);
  }
  return loaded;
}

describe('modules loaded at start', () => {
  it('sees the modules a command loads (the hook works: a clone lists undici and isomorphic-git)', () => {
    // nothing listens on port 9 (discard) of 127.0.0.1 here: the clone fails with exit 6 after loading its code
    const cloning = packagesLoaded(['clone', 'http://127.0.0.1:9/acme/none', 'x'], tmpDir('hub-startup-cwd-'), 6);
    expect(cloning.has('commander')).toBe(true);
    expect(cloning.has('undici')).toBe(true);
    expect(cloning.has('isomorphic-git')).toBe(true);
  });

  it('hub --version and hub status load none of the heavy libraries', () => {
    const repo = tmpDir('hub-startup-repo-');
    expect(spawnSync(process.execPath, [hubBin, 'init'], { cwd: repo, env: { ...process.env, CI: 'true' }, encoding: 'utf8' }).status).toBe(0);
    for (const args of [['--version'], ['status']]) {
      const loaded = packagesLoaded(args, repo);
      expect(HEAVY.filter((p) => loaded.has(p)), `hub ${args.join(' ')}`).toEqual([]);
    }
  });
});
