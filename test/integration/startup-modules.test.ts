/**
 * What a command loads before it does any work (docs/performance.md, "Fixed costs"): every run of
 * hub imports the CLI's entry, so a heavy library reached from it statically costs every command
 * its load time (undici alone is about 60 ms of CPU here). The built CLI is run with a module
 * hook that lists every module it loads (ESM and CommonJS), and the heavy libraries must be
 * missing where the command does not need them: as tsc built it (HUB_NO_BUNDLE=1) and as
 * bundled by bin/build-bundle.mjs (a bundled package is seen by the `// node_modules/PKG/...`
 * comments esbuild writes before each of its files), which bin/hub.js prefers while it is fresh.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHubServe } from '../helpers/hub-server.js';
import { hubBin, repoRoot } from '../helpers/paths.js';
import { pushOneFile } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Libraries only the commands that talk to a remote, a git history or a database need. */
const HEAVY = ['undici', 'isomorphic-git', 'better-sqlite3', 'pg', 'lz4js', 'hash-wasm', 'ora', '@aws-sdk'];

/** The packages under node_modules that `hub ARGS` loaded, in `cwd`, and the files of dist/ it loaded. */
function packagesLoaded(args: string[], cwd: string, exitCode = 0, bundle = true, script = hubBin, input = '', env: NodeJS.ProcessEnv = {}): Set<string> & { files?: string[]; modules?: string[] } {
  const dir = tmpDir('hub-startup-');
  const log = join(dir, 'loaded.txt');
  // `load` sees every ESM module and every CommonJS module imported from ESM; `require` of one
  // CommonJS file by another does not pass through it, but a package's entry does
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', register, script, ...args], { cwd, input, env: { ...process.env, CI: 'true', HUB_HOME: join(dir, 'home'), HUB_NO_BUNDLE: bundle ? '' : '1', ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(exitCode);
  const loaded: Set<string> & { files?: string[]; modules?: string[] } = new Set<string>();
  loaded.modules = []; // each file of node_modules seen, as node_modules/PKG/PATH
  const add = (pkg: string): void => void loaded.add(pkg.startsWith('@aws-sdk/') ? '@aws-sdk' : pkg);
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  loaded.files = urls.filter((u) => u.startsWith(`file://${repoRoot}/dist/`)).map((u) => u.slice(`file://${repoRoot}/`.length));
  for (const url of urls) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) add(m[1]);
    if (m) loaded.modules.push(url.slice(url.indexOf('node_modules/')));
    if (url.startsWith(`file://${repoRoot}/dist/bundle/`)) {
      for (const c of readFileSync(new URL(url), 'utf8').matchAll(/^\/\/ (node_modules\/((?:@[^/]+\/)?[^/]+)\/\S*)/gm)) {
        add(c[2]);
        loaded.modules.push(c[1]);
      }
    }
  }
  return loaded;
}

describe.each([
  ['as bundled (dist/bundle/)', true],
  ['as tsc built it (dist/cli/, HUB_NO_BUNDLE=1)', false],
])('modules loaded at start, %s', (_name, bundle) => {
  it('sees the modules a command loads (the hook works: a clone lists undici and isomorphic-git)', () => {
    // nothing listens on port 9 (discard) of 127.0.0.1 here: the clone fails with exit 6 after loading its code
    const cloning = packagesLoaded(['clone', 'http://127.0.0.1:9/acme/none', 'x'], tmpDir('hub-startup-cwd-'), 6, bundle);
    expect(cloning.has('commander')).toBe(true);
    expect(cloning.has('undici')).toBe(true);
    expect(cloning.has('isomorphic-git')).toBe(true);
    expect(cloning.files!.some((f) => f.startsWith('dist/bundle/'))).toBe(bundle);
  });

  it("a network command loads undici's request, not its index (fetch, WebSocket, cookies, caches: 42 ms of the start)", () => {
    const cloning = packagesLoaded(['clone', 'http://127.0.0.1:9/acme/none', 'x'], tmpDir('hub-startup-cwd-'), 6, bundle);
    const undici = cloning.modules!.filter((m) => m.startsWith('node_modules/undici/'));
    expect(undici).toContain('node_modules/undici/lib/api/api-request.js');
    const unused = /^node_modules\/undici\/(index\.js|lib\/(mock|cache|interceptor)\/|lib\/web\/(websocket|cookies|eventsource|cache)\/)/;
    expect(undici.filter((m) => unused.test(m))).toEqual([]);
  });

  it('hub --version and hub status load none of the heavy libraries', () => {
    const repo = tmpDir('hub-startup-repo-');
    expect(spawnSync(process.execPath, [hubBin, 'init'], { cwd: repo, env: { ...process.env, CI: 'true' }, encoding: 'utf8' }).status).toBe(0);
    for (const args of [['--version'], ['status']]) {
      const loaded = packagesLoaded(args, repo, 0, bundle);
      expect(HEAVY.filter((p) => loaded.has(p)), `hub ${args.join(' ')}`).toEqual([]);
    }
  });
});

describe('downloads', () => {
  it('a clone of a large file loads no LZ4 encoder (lz4js allocates 5 MiB when imported; readers decode with lz4-frame.ts)', async () => {
    const server = await startHubServe();
    try {
      await pushOneFile(server, 'admin/lz', Buffer.alloc(300_000, 7));
      for (const bundle of [true, false]) {
        const loaded = packagesLoaded(['clone', `${server.url}/admin/lz`, 'c'], tmpDir('hub-startup-clone-'), 0, bundle, hubBin, '', { HUB_TOKEN: server.adminToken });
        expect(loaded.has('undici'), 'the clone ran its transfer').toBe(true);
        expect(loaded.has('lz4js'), bundle ? 'bundled' : 'tsc').toBe(false);
      }
    } finally {
      await server.stop();
    }
  });
});

describe('the pre-receive hook', () => {
  it('loads no database library when the push brings no pointer', () => {
    // no ref update at all (input empty): nothing to check, exit 0; a push of small files only
    // takes the same path past the scan of its new blobs
    const loaded = packagesLoaded([], tmpDir('hub-startup-hook-'), 0, true, join(repoRoot, 'dist/server/pre-receive-hook.js'), '');
    expect(loaded.files!.length).toBeGreaterThan(0);
    expect(['better-sqlite3', 'pg'].filter((p) => loaded.has(p))).toEqual([]);
  });
});

describe('the hook hub serve installs', () => {
  it('is tsc\'s dist/server/pre-receive-hook.js, also when the server runs from the bundle', async () => {
    // repositories keep the hook path written at their creation; dist/server/ is rewritten by
    // every build, while a bundle may be stale or removed later
    const server = await startHubServe();
    try {
      await runHubJson(['repo', 'create', 'admin/hooked', '--endpoint', server.url, '--token', server.adminToken]);
      const hook = readFileSync(join(server.root, 'repos/admin/hooked.git/hooks/pre-receive'), 'utf8');
      expect(hook).toContain(`'${repoRoot}/dist/server/pre-receive-hook.js'`);
    } finally {
      await server.stop();
    }
  });
});

describe('bin/hub.js', () => {
  /** A copy of bin/hub.js beside a fake dist/ whose two entries say which one ran. */
  function fakeInstall(): string {
    const dir = tmpDir('hub-shim-');
    mkdirSync(join(dir, 'bin'));
    copyFileSync(hubBin, join(dir, 'bin/hub.js'));
    for (const [sub, name] of [['cli', 'tsc'], ['bundle', 'bundle']]) {
      mkdirSync(join(dir, 'dist', sub), { recursive: true });
      writeFileSync(join(dir, 'dist', sub, 'main.js'), `export async function main() { process.stdout.write(${JSON.stringify(name)}); return 0; }\n`);
    }
    return dir;
  }
  const ran = (dir: string, env: NodeJS.ProcessEnv = {}): string => spawnSync(process.execPath, [join(dir, 'bin/hub.js')], { env: { ...process.env, HUB_NO_BUNDLE: '', ...env }, encoding: 'utf8' }).stdout;

  it('runs the bundle while it is newer than tsc output, else the tsc output', () => {
    const dir = fakeInstall();
    const at = (file: string, seconds: number): void => utimesSync(join(dir, 'dist', file), seconds, seconds);
    at('cli/main.js', 1_000_000);
    at('bundle/main.js', 1_000_010);
    expect(ran(dir)).toBe('bundle');
    expect(ran(dir, { HUB_NO_BUNDLE: '1' })).toBe('tsc');
    at('cli/main.js', 1_000_020); // rebuilt with tsc alone: the bundle is stale
    expect(ran(dir)).toBe('tsc');
  });

  it('runs the tsc output when there is no bundle', () => {
    const dir = fakeInstall();
    rmSync(join(dir, 'dist/bundle'), { recursive: true });
    expect(existsSync(join(dir, 'dist/bundle'))).toBe(false);
    expect(ran(dir)).toBe('tsc');
  });
});
