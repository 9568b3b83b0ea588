/**
 * The git side of `hub serve` with the real git client: bare repositories (bare-repos.ts), smart
 * HTTP through `git http-backend` (git-http.ts) and the pre-receive hook that refuses pointers to
 * LFS objects the server does not hold (pre-receive-hook.ts, lfs-presence.ts). A tiny node:http
 * server on 127.0.0.1 routes everything to handleGitRequest; the hook runs from dist/, so build
 * first (`npx tsc -p tsconfig.json`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { pointerFor } from '../../src/formats/lfs-pointer.js';
import { sha256Hex } from '../../src/hash/sha256.js';
import { createBareRepo, deleteBareRepo, preReceiveHookCommand, repoDir } from '../../src/server/bare-repos.js';
import { gitRoute, handleGitRequest, parseCgiHeaders } from '../../src/server/git-http.js';
import { checkLfsObjects } from '../../src/server/lfs-presence.js';
import { SqliteMetadata } from '../../src/server/metadata.js';
import { parseRefUpdates, refusalMessage } from '../../src/server/pre-receive-hook.js';
import { repoRoot } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const HOOK_JS = join(repoRoot, 'dist', 'server', 'pre-receive-hook.js');
const ID = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid'];

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

let root: string;
let home: string;
let server: Server;
let base: string;
/** Extra hook environment per repository path (`acme/x` or `datasets/acme/x`). */
const repoEnv = new Map<string, Record<string, string>>();
/** Every request the test server answered. */
const seen: Seen[] = [];
/** A hook command whose sizeOf() knows the oids of $TEST_KNOWN_OIDS (comma-separated), each at 1234 bytes. */
let testHookCommand: string;

beforeAll(async () => {
  if (!existsSync(HOOK_JS)) throw new Error(`${HOOK_JS} is missing: run npx tsc -p tsconfig.json first`);
  root = tmpDir('hub-serve-git-');
  home = tmpDir('hub-git-home-');
  const hookMjs = join(tmpDir('hub-hook-'), 'test-hook.mjs');
  writeFileSync(
    hookMjs,
    [
      `import { runPreReceive } from ${JSON.stringify(HOOK_JS)};`,
      "const known = new Set((process.env.TEST_KNOWN_OIDS ?? '').split(',').filter(Boolean));",
      'process.exitCode = await runPreReceive({ sizeOf: (oid) => (known.has(oid) ? 1234 : undefined) });',
      '',
    ].join('\n'),
  );
  testHookCommand = preReceiveHookCommand(hookMjs);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const route = gitRoute(url.pathname);
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}\n');
      return;
    }
    const key = `${route.type === 'dataset' ? 'datasets/' : ''}${route.owner}/${route.name}`;
    void handleGitRequest(req, res, {
      projectRoot: join(root, 'repos'),
      pathInfo: route.pathInfo,
      query: url.search.slice(1),
      remoteUser: 'test',
      // the server side hermetic too: no system or user git configuration
      env: { GIT_CONFIG_NOSYSTEM: '1', HOME: home, ...repoEnv.get(key) },
    });
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real git client (asynchronously: the server lives in this process). */
function gitRun(cwd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('GIT_') || /_proxy$/i.test(name)) delete env[name];
  Object.assign(env, { GIT_CONFIG_NOSYSTEM: '1', HOME: home, GIT_TERMINAL_PROMPT: '0', NO_PROXY: '*', no_proxy: '*', ...extraEnv });
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...ID, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs git and expects success; returns stdout. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await gitRun(cwd, args);
  expect(r.code, `git ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** A new bare repository on the server; returns its URL (without `.git`) and directory. */
async function serverRepo(owner: string, name: string, opts: { hookCommand?: string; env?: Record<string, string>; dataset?: boolean } = {}) {
  const type = opts.dataset ? 'dataset' : 'model';
  const dir = repoDir(root, type, owner, name);
  await createBareRepo(dir, { hookCommand: opts.hookCommand ?? testHookCommand });
  const path = `${opts.dataset ? 'datasets/' : ''}${owner}/${name}`;
  if (opts.env) repoEnv.set(path, opts.env);
  return { url: `${base}/${path}`, dir };
}

/** A working repository with a commit on main. */
async function workRepo(): Promise<string> {
  const dir = tmpDir('hub-work-');
  await git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), '# model\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

async function commitFile(dir: string, path: string, content: string | Uint8Array, message: string): Promise<string> {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), content);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', message);
  return (await git(dir, 'rev-parse', 'HEAD')).trim();
}

/** `<id> <ref>` lines of every ref, sorted. */
async function refsOf(gitDir: string): Promise<string> {
  const r = await gitRun(gitDir, ['for-each-ref', '--format=%(objectname) %(refname)']);
  return r.stdout.split('\n').filter(Boolean).sort().join('\n');
}

describe('bare repositories', () => {
  it('repoDir places models and datasets under <root>/repos and refuses bad names', () => {
    expect(repoDir('/srv', 'model', 'acme', 'llama-7b')).toBe('/srv/repos/acme/llama-7b.git');
    expect(repoDir('/srv', 'dataset', 'acme', 'squad_v2.1')).toBe('/srv/repos/datasets/acme/squad_v2.1.git');
    for (const [owner, name] of [
      ['..', 'x'], ['acme', '..'], ['a..b', 'x'], ['acme', 'x..y'], ['acme', ''], ['', 'x'], ['acme', 'a/b'],
      ['acme', '.hidden'], ['-acme', 'x'], ['acme', 'x.git'], ['acme', 'x y'], ['acme', 'x'.repeat(97)], ['datasets', 'x'],
    ]) {
      let err: unknown;
      try {
        repoDir('/srv', 'model', owner, name);
      } catch (e) {
        err = e;
      }
      expect(err, `${owner}/${name}`).toBeInstanceOf(UsageError);
      expect((err as UsageError).code).toBe('bad_name');
    }
  });

  it('createBareRepo configures git and installs an executable hook; it is idempotent; deleteBareRepo removes it', async () => {
    const dir = repoDir(tmpDir(), 'model', 'acme', 'fresh');
    await createBareRepo(dir, { hookCommand: "'/bin/false' 'first'" });
    await createBareRepo(dir, { hookCommand: testHookCommand });
    const config = (key: string) => gitRun(dir, ['config', '--get', key]).then((r) => r.stdout.trim());
    expect(await config('core.bare')).toBe('true');
    expect(await config('receive.fsckObjects')).toBe('true');
    expect(await config('http.receivepack')).toBe('true');
    expect(await config('uploadpack.allowFilter')).toBe('true');
    expect((await gitRun(dir, ['symbolic-ref', 'HEAD'])).stdout.trim()).toBe('refs/heads/main');
    const hook = join(dir, 'hooks', 'pre-receive');
    const script = readFileSync(hook, 'utf8');
    expect(script.startsWith('#!/bin/sh\n# Installed by hub serve: refuses a push whose Git LFS pointers name objects the server does not hold.\n')).toBe(true);
    expect(script).toContain('HUB_HOOK_FD'); // through hub serve: the server's check (hook-channel.ts)
    expect(script.endsWith(`\nexec ${testHookCommand}\n`)).toBe(true); // elsewhere: the hook process
    expect(script).not.toContain('first');
    expect(statSync(hook).mode & 0o777).toBe(0o700); // executable by the server's user, and by nobody else
    expect(await deleteBareRepo(dir)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(await deleteBareRepo(dir)).toBe(false);
  });
});

describe('gitRoute', () => {
  it('recognises the smart-HTTP paths of models and datasets, with or without .git', () => {
    expect(gitRoute('/acme/llama/info/refs')).toEqual({ type: 'model', owner: 'acme', name: 'llama', service: 'info/refs', pathInfo: '/acme/llama.git/info/refs' });
    expect(gitRoute('/acme/llama.git/git-upload-pack')).toEqual({
      type: 'model', owner: 'acme', name: 'llama', service: 'git-upload-pack', pathInfo: '/acme/llama.git/git-upload-pack',
    });
    expect(gitRoute('/datasets/acme/squad.git/git-receive-pack')).toEqual({
      type: 'dataset', owner: 'acme', name: 'squad', service: 'git-receive-pack', pathInfo: '/datasets/acme/squad.git/git-receive-pack',
    });
  });

  it('refuses other routes, the dumb protocol, bad names and traversal', () => {
    for (const path of [
      '/', '/acme', '/acme/llama', '/acme/llama/HEAD', '/acme/llama.git/objects/info/packs', '/acme/llama/info/lfs/objects/batch',
      '/acme/llama/resolve/main/x', '/../llama/info/refs', '/acme/../info/refs', '/acme/llama/../info/refs', '/acme//info/refs',
      '//acme/llama/info/refs', '/acme/llama/info/refs/', '/acme/%2e%2e/info/refs', '/acme/llama.git.git/info/refs',
      'acme/llama/info/refs', '/datasets/acme/info/refs', '/acme/llama/git-upload-pack/x', '/acme/.git/info/refs',
    ]) {
      expect(gitRoute(path), path).toBeUndefined();
    }
  });
});

describe('CGI header parsing', () => {
  it('takes Status when present, 200 otherwise, and keeps repeated headers', () => {
    expect(parseCgiHeaders('Status: 404 Not Found\r\nContent-Type: text/plain\r\n')).toEqual({ status: 404, headers: [['Content-Type', 'text/plain']] });
    expect(parseCgiHeaders('Expires: Fri, 01 Jan 1980 00:00:00 GMT\nPragma: no-cache\nPragma: x')).toEqual({
      status: 200,
      headers: [['Expires', 'Fri, 01 Jan 1980 00:00:00 GMT'], ['Pragma', 'no-cache'], ['Pragma', 'x']],
    });
    expect(() => parseCgiHeaders('garbage')).toThrow(/bad CGI header/);
    expect(() => parseCgiHeaders('Status: ok')).toThrow(/bad CGI status/);
  });
});

describe('git smart HTTP through git http-backend', () => {
  it('clones an empty repository, pushes branches and a tag, clones them back (v2 and v0) and pulls', async () => {
    const { url, dir: bare } = await serverRepo('acme', 'llama');
    const parent = tmpDir('hub-clones-');
    const empty = await gitRun(parent, ['clone', url, 'empty']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toMatch(/empty repository/);

    const work = join(parent, 'empty');
    await commitFile(work, 'README.md', '# llama\n', 'first');
    await commitFile(work, 'config.json', '{"layers": 2}\n', 'config');
    await git(work, 'branch', 'dev');
    await git(work, 'switch', '-q', '-c', 'feature/x');
    await commitFile(work, 'notes/x.txt', 'x\n', 'feature');
    await git(work, 'tag', '-a', '-m', 'release 1', 'v1', 'main');
    await git(work, 'push', '-q', 'origin', 'main', 'dev', 'feature/x', 'v1');
    expect(await refsOf(bare)).toBe(
      (await git(work, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'))
        .split('\n').filter(Boolean).sort().join('\n'),
    );

    for (const [version, suffix] of [['2', '.git'], ['0', '']]) {
      const clone = join(parent, `clone-v${version}`);
      await git(parent, '-c', `protocol.version=${version}`, 'clone', '-q', '--mirror', `${url}${suffix}`, clone);
      expect(await refsOf(clone)).toBe(await refsOf(bare));
    }
    const v2 = seen.filter((s) => s.url.startsWith('/acme/llama') && s.headers['git-protocol'] === 'version=2');
    expect(v2.length).toBeGreaterThan(0);

    // a second clone, a new commit pushed from the first one, then pull
    const other = join(parent, 'other');
    await git(parent, 'clone', '-q', url, other);
    expect((await git(other, 'rev-parse', 'HEAD')).trim()).toBe((await git(work, 'rev-parse', 'main')).trim());
    await git(work, 'switch', '-q', 'main');
    const next = await commitFile(work, 'weights.txt', 'v2\n', 'second');
    await git(work, 'push', '-q', 'origin', 'main');
    await git(other, 'pull', '-q', '--ff-only');
    expect((await git(other, 'rev-parse', 'HEAD')).trim()).toBe(next);
    expect(readFileSync(join(other, 'weights.txt'), 'utf8')).toBe('v2\n');
  });

  it('moves ~5 MB of small files (a chunked push) and many branches (a gzip-compressed fetch request)', async () => {
    const { url, dir: bare } = await serverRepo('acme', 'bulk', { dataset: true });
    const work = await workRepo();
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(work, `shard-${d}`));
      for (let f = 0; f < 128; f++) writeFileSync(join(work, `shard-${d}`, `part-${f}.bin`), randomBytes(4096));
    }
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', 'five megabytes');
    for (let b = 0; b < 40; b++) await commitFile(work, `branches/b${b}.txt`, `${b}\n`, `branch ${b}`).then(() => git(work, 'branch', `b${b}`));
    const before = seen.length;
    await git(work, 'remote', 'add', 'origin', url);
    await git(work, 'push', '-q', 'origin', '--all');
    const pushes = seen.slice(before).filter((s) => s.url.endsWith('/git-receive-pack'));
    expect(pushes.some((s) => s.headers['transfer-encoding'] === 'chunked' && s.headers['content-length'] === undefined)).toBe(true);
    expect(await refsOf(bare)).toBe(
      (await git(work, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads')).split('\n').filter(Boolean).sort().join('\n'),
    );

    const clone = join(tmpDir('hub-clones-'), 'bulk');
    const mark = seen.length;
    await git(work, '-c', 'protocol.version=0', 'clone', '-q', '--mirror', url, clone);
    const fetches = seen.slice(mark).filter((s) => s.url.endsWith('/git-upload-pack'));
    expect(fetches.some((s) => s.headers['content-encoding'] === 'gzip')).toBe(true);
    expect(await refsOf(clone)).toBe(await refsOf(bare));
    await git(clone, 'fsck', '--strict', '--no-dangling');
  });

  it('refuses a corrupt object (receive.fsckObjects)', async () => {
    const { url, dir: bare } = await serverRepo('acme', 'strict');
    const work = await workRepo();
    const tree = (await git(work, 'rev-parse', 'HEAD^{tree}')).trim();
    const bad = join(tmpDir(), 'bad-commit');
    writeFileSync(bad, `tree ${tree}\nauthor no email 1700000000 +0000\ncommitter no email 1700000000 +0000\n\nbad\n`);
    const id = (await git(work, 'hash-object', '-t', 'commit', '--literally', '-w', bad)).trim();
    const r = await gitRun(work, ['push', url, `${id}:refs/heads/main`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote: error: object [0-9a-f]{40}: \w+/);
    expect(await refsOf(bare)).toBe('');
  });

  it('speaks protocol v2 when the client asks with Git-Protocol, v0 otherwise', async () => {
    const { url } = await serverRepo('acme', 'proto');
    const work = await workRepo();
    await git(work, 'push', '-q', url, 'main');
    const v2 = await httpRequest(`${url}.git/info/refs?service=git-upload-pack`, { headers: { 'Git-Protocol': 'version=2' } });
    expect(v2.status).toBe(200);
    expect(v2.headers['content-type']).toBe('application/x-git-upload-pack-advertisement');
    expect(v2.body).toContain('version 2\n');
    const v0 = await httpRequest(`${url}/info/refs?service=git-upload-pack`);
    expect(v0.body).toMatch(/^001e# service=git-upload-pack\n0000[0-9a-f]{4}[0-9a-f]{40} HEAD\0/);
    expect(v0.body).not.toContain('version 2');
    expect((await httpRequest(`${base}/acme/missing.git/info/refs?service=git-upload-pack`)).status).toBe(404);
  });

  it('answers 500 with a JSON error when git cannot run', async () => {
    await withServer(
      (req, res) => handleGitRequest(req, res, { projectRoot: root, pathInfo: '/acme/llama.git/info/refs', query: '', env: { PATH: '/nonexistent' } }),
      async (local) => {
        const { status, body } = await httpRequest(`${local}/x`);
        expect(status).toBe(500);
        expect(JSON.parse(body)).toEqual({ error: expect.stringMatching(/cannot run git http-backend/) });
      },
    );
  });

  it('stops git when the client goes away in the middle of a push', async () => {
    await serverRepo('acme', 'abort');
    let handled: Promise<void> | undefined;
    await withServer(
      (req, res) => {
        handled = handleGitRequest(req, res, { projectRoot: join(root, 'repos'), pathInfo: '/acme/abort.git/git-receive-pack', query: '', remoteUser: 'test' });
        return handled;
      },
      async (local) => {
        const req = request(`${local}/x`, { method: 'POST', headers: { 'Content-Type': 'application/x-git-receive-pack-request' } });
        req.on('error', () => {});
        // half a pkt-line: receive-pack waits for the rest, which never comes
        req.write('00');
        await within(new Promise<void>((resolve) => req.on('response', () => resolve())), 'no response headers');
        req.destroy();
        await expect(within(handled!, 'git still running')).resolves.toBeUndefined();
      },
    );
  });
});

/** `promise`, or a rejection naming `what` after 10 s. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} after 10 s`)), 10_000)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` against a server of its own whose requests `handler` answers. */
async function withServer(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const local = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(local.address() as AddressInfo).port}`);
  } finally {
    local.closeAllConnections();
    await new Promise<void>((resolve) => local.close(() => resolve()));
  }
}

/** One HTTP request to 127.0.0.1; the whole body as text. */
function httpRequest(url: string, opts: { headers?: Record<string, string> } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the pre-receive hook', () => {
  const known = sha256Hex(Buffer.from('weights the server holds'));
  const unknown = sha256Hex(Buffer.from('weights nobody uploaded'));

  it('accepts pointers to held objects and refuses the push naming a missing one, leaving refs alone', async () => {
    const { url, dir: bare } = await serverRepo('acme', 'hooked', { env: { TEST_KNOWN_OIDS: known } });
    const work = await workRepo();
    await git(work, 'remote', 'add', 'origin', url);
    const ok = await commitFile(work, 'model.safetensors', pointerFor(known, 1234), 'known weights');
    await git(work, 'push', '-q', 'origin', 'main');
    expect(await refsOf(bare)).toBe(`${ok} refs/heads/main`);

    await commitFile(work, 'big/model-2.safetensors', pointerFor(unknown, 99), 'unknown weights');
    await commitFile(work, 'notes.txt', 'a small file\n', 'later');
    const r = await gitRun(work, ['push', 'origin', 'main', 'HEAD:refs/heads/other']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote: hub: push refused: 1 Git LFS pointer(s) cannot be served:');
    expect(r.stderr).toContain(`remote: hub:   ${unknown} (big/model-2.safetensors): not on the server`);
    expect(r.stderr).not.toContain(known);
    expect(r.stderr).toMatch(/pre-receive hook declined/);
    expect(await refsOf(bare)).toBe(`${ok} refs/heads/main`);

    // deleting a branch and pointing a new one at a commit the server has are not checked again
    await git(work, 'push', '-q', 'origin', `${ok}:refs/heads/keep`);
    await git(work, 'push', '-q', 'origin', ':refs/heads/keep');
    expect(await refsOf(bare)).toBe(`${ok} refs/heads/main`);
  });

  it('checks against the metadata database read-only (HUB_SERVE_DB, HUB_REPO_ID) with the installed hook', async () => {
    const dbPath = join(tmpDir(), 'meta.sqlite');
    const meta = SqliteMetadata.open(dbPath);
    try {
      await meta.ensureUser('acme');
      const repo = await meta.createRepo({ type: 'model', owner: 'acme', name: 'dbcheck', private: false });
      const other = await meta.createRepo({ type: 'model', owner: 'acme', name: 'elsewhere', private: false });
      await meta.addObject(repo.id, known, 1234);
      await meta.addObject(other.id, unknown, 99); // held by another repository: not good enough
      const env = { HUB_SERVE_DB: dbPath, HUB_REPO_ID: String(repo.id) };
      expect(await checkLfsObjects([{ oid: known, size: 1234 }, { oid: unknown, size: 99 }, { oid: known, size: 1234 }], env)).toEqual([{ oid: unknown, size: 99 }]);
      expect(await checkLfsObjects([{ oid: known, size: 1235 }], env)).toEqual([{ oid: known, size: 1235, held: 1234 }]);

      const { url, dir: bare } = await serverRepo('acme', 'dbcheck', { hookCommand: preReceiveHookCommand(HOOK_JS), env });
      const work = await workRepo();
      await git(work, 'remote', 'add', 'origin', url);
      const ok = await commitFile(work, 'model.safetensors', pointerFor(known, 1234), 'known');
      await git(work, 'push', '-q', 'origin', 'main');
      await commitFile(work, 'other.safetensors', pointerFor(unknown, 99), 'unknown');
      const r = await gitRun(work, ['push', 'origin', 'main']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`remote: hub:   ${unknown} (other.safetensors): not on the server`);
      expect(await refsOf(bare)).toBe(`${ok} refs/heads/main`);
    } finally {
      await meta.close();
    }
  });

  it('fails closed when the database cannot be read', async () => {
    const { url, dir: bare } = await serverRepo('acme', 'nodb', {
      hookCommand: preReceiveHookCommand(HOOK_JS),
      env: { HUB_SERVE_DB: join(tmpDir(), 'missing.sqlite'), HUB_REPO_ID: '1' },
    });
    const work = await workRepo();
    // a push without pointers never needs the database
    await git(work, 'push', '-q', url, 'main');
    await commitFile(work, 'w.bin', pointerFor(known, 1), 'pointer');
    const r = await gitRun(work, ['push', url, 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote: hub: push refused: cannot check Git LFS objects/);
    expect((await refsOf(bare)).split('\n')).toHaveLength(1);
  });

  it('parses its input strictly and names at most 20 objects', () => {
    const a = 'a'.repeat(40);
    const z = '0'.repeat(40);
    expect(parseRefUpdates(`${z} ${a} refs/heads/main\n${a} ${z} refs/tags/v1\n`)).toEqual([
      { oldId: z, newId: a, ref: 'refs/heads/main' },
      { oldId: a, newId: z, ref: 'refs/tags/v1' },
    ]);
    expect(() => parseRefUpdates('nonsense\n')).toThrow(/unexpected pre-receive input/);
    const oids = Array.from({ length: 25 }, (_, i) => sha256Hex(Buffer.from(String(i))));
    const wrong = oids.map((oid, i) => (i === 1 ? { oid, size: 5, held: 4 } : { oid, size: 5 }));
    const lines = refusalMessage(wrong, [{ oid: oids[0], size: 5, path: 'a.bin' }]).trimEnd().split('\n');
    expect(lines[0]).toBe('hub: push refused: 25 Git LFS pointer(s) cannot be served:');
    expect(lines[1]).toBe(`hub:   ${oids[0]} (a.bin): not on the server`);
    expect(lines[2]).toBe(`hub:   ${oids[1]}: the server holds 4 bytes, the pointer says 5`);
    expect(lines.filter((l) => /^hub: {3}[0-9a-f]{64}/.test(l))).toHaveLength(20);
    expect(lines).toContain('hub:   ... and 5 more');
  });
});
