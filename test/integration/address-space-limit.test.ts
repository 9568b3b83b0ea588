/**
 * hub under a limit on address space (`ulimit -v`, as shared clusters set it). Each WebAssembly
 * memory (the chunker's gear scan, the aligned buffers of direct I/O) reserves ~10 GiB of address
 * space while V8's trap handler is on, so every command that stores content failed there. bin/hub.js
 * runs hub again with node's --disable-wasm-trap-handler when it sees a finite limit: these runs
 * fail without it. A program that uses the library under a limit without the flag gets a one-line
 * error naming the cause (`wasm_memory`). Linux only (/proc/self/limits).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubBin, repoRoot } from '../helpers/paths.js';
import { ID } from '../helpers/remote-repo.js';
import { hubEnv } from '../helpers/run-hub.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** 4 GB of address space: node runs in far less, one WebAssembly memory's reservation does not fit. */
const LIMIT_KIB = 4_000_000;

/** bash's arguments to run `node ARGS` under the limit, as a shell with `ulimit -v` would start it. */
const underLimit = (args: string[]): string[] => ['-c', `ulimit -v ${LIMIT_KIB} && exec "$@"`, 'limited', process.execPath, ...args];

/** `node ARGS` in `cwd` under the limit, to its end. */
function limited(args: string[], cwd: string, env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', underLimit(args), { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command lines of the processes whose parent is `pid` (from /proc: no procps needed). */
function childrenOf(pid: number): string[] {
  const lines: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) lines.push(readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

/**
 * `hub serve` under the limit, once it listens; `group`: in a process group of its own, as a
 * terminal's foreground job (a signal to the group reaches the launcher and the hub it started).
 * The launcher's only child must be that hub, started again with the flag.
 */
async function limitedServe(group: boolean) {
  const child = spawn('bash', underLimit([hubBin, 'serve', '--root', tmpDir(), '--port', '0']), { env: hubEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 30_000;
  while (!/listening on/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
  expect(port, out).toBeDefined();
  expect(childrenOf(child.pid!)).toEqual([expect.stringContaining(`--disable-wasm-trap-handler ${hubBin} serve`)]);
  return { child, exited, port: Number(port), out: () => out };
}

/** True when nothing accepts connections on 127.0.0.1:`port`. */
function portFree(port: number): boolean {
  const probe = spawnSync(process.execPath, ['-e', `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(3)).on('error', () => process.exit(0))`]);
  return probe.status === 0;
}

describe.skipIf(!existsSync('/proc/self/limits'))('hub under an address-space limit (ulimit -v)', () => {
  it('adds, commits and restores a large file, its bytes verified', () => {
    const dir = tmpDir();
    const env = hubEnv(ID);
    const rand = seededRandom(testSeed('address-space-limit'));
    const bytes = Buffer.alloc(3 << 20, 0).map(() => Math.floor(rand() * 256));
    for (const args of [['init'], ['track', '*.bin']]) expect(limited([hubBin, ...args], dir, env).code).toBe(0);
    writeFileSync(join(dir, 'weights.bin'), bytes);
    const add = limited([hubBin, 'add', '-A'], dir, env);
    expect(add.stderr).not.toMatch(/WebAssembly|Out of memory/);
    expect(add.code).toBe(0);
    expect(limited([hubBin, 'commit', '-m', 'rev1'], dir, env).code).toBe(0);
    rmSync(join(dir, 'weights.bin'));
    expect(limited([hubBin, 'restore', 'weights.bin'], dir, env).code).toBe(0);
    expect(readFileSync(join(dir, 'weights.bin')).equals(bytes)).toBe(true);
    const fsck = limited([hubBin, 'fsck', '--json'], dir, env);
    expect(fsck.code).toBe(0);
  });

  it('gives a program using the library without the flag a one-line error naming the cause', () => {
    const script = `const { Chunker } = await import(${JSON.stringify(join(repoRoot, 'dist/chunking/chunker.js'))});
      try { new Chunker({ backend: 'native', hash: () => new Uint8Array(32) }); console.log('constructed'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, exitCode: e.exitCode, message: e.message, hint: e.hint })); }`;
    const r = limited(['--input-type=module', '-e', script], tmpDir(), hubEnv());
    const err = JSON.parse(r.stdout) as { code: string; exitCode: number; message: string; hint: string };
    expect(err).toMatchObject({ code: 'wasm_memory', exitCode: 1 });
    expect(err.message).not.toContain('\n');
    expect(err.hint).toContain('--disable-wasm-trap-handler');
  });

  it('sizes every WebAssembly memory exactly (ours, and the portable BLAKE3\'s): under the limit none costs a garbage collection for room it cannot reserve', () => {
    const script = `const { alignedArrayBuffer } = await import(${JSON.stringify(join(repoRoot, 'dist/fs/direct-io.js'))});
      const { Chunker } = await import(${JSON.stringify(join(repoRoot, 'dist/chunking/chunker.js'))});
      for (let i = 0; i < 20; i++) alignedArrayBuffer(3 << 20);
      const { createXetHashers } = await import(${JSON.stringify(join(repoRoot, 'dist/hash/hashers.js'))});
      for (let i = 0; i < 5; i++) new Chunker({ backend: 'native', hash: () => new Uint8Array(32) });
      // the portable BLAKE3 (hash-wasm, where the native addon does not load) makes memories of its own
      for (let i = 0; i < 5; i++) {
        const { chunk } = await createXetHashers({ HUB_BLAKE3: 'wasm' });
        if (chunk.backend !== 'wasm') throw new Error('not the portable BLAKE3: ' + chunk.backend);
        chunk.hash(new Uint8Array(1 << 20));
      }
      console.log('made');`;
    const r = limited(['--disable-wasm-trap-handler', '--trace-gc', '--input-type=module', '-e', script], tmpDir(), hubEnv());
    expect(r.stdout).toContain('made');
    // a memory without a maximum: V8 asks for room to grow to 4 GiB, is refused, and collects
    // everything it can ("Mark-Compact (reduce) ... memory pressure") before it retries
    expect(r.stdout).not.toMatch(/Mark-Compact \(reduce\)/);
  });

  it('passes SIGTERM on to the hub it started again (hub serve stops, and so does the launcher)', async () => {
    const serve = await limitedServe(false);
    serve.child.kill('SIGTERM'); // the launcher (bash exec'd into node): only it gets the signal
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(serve.out()).toMatch(/hub serve stopped/);
    expect(portFree(serve.port)).toBe(true); // the server the launcher started is gone too
  });

  it('a Ctrl-C (SIGINT to the whole process group) stops hub serve once, cleanly: the launcher does not pass it on a second time', async () => {
    const serve = await limitedServe(true);
    process.kill(-serve.child.pid!, 'SIGINT');
    // exit 130 as any interrupted command; a second SIGINT would have made hub serve exit at once, without its orderly stop
    expect(await serve.exited).toEqual({ code: 130, signal: null });
    expect(serve.out().match(/hub serve stopped/g)).toHaveLength(1);
    expect(portFree(serve.port)).toBe(true);
  });
});
