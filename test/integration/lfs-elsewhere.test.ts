// The git remote on one server, its Git LFS endpoint on another (named by a committed .lfsconfig)
// behind Basic auth, credentials from git's credential helpers: hub beside real git + git-lfs.
import { randomBytes, createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.js';
import { startLfsTestServer, type LfsTestServer } from '../helpers/lfs-test-server.js';
import { ID } from '../helpers/remote-repo.js';
import { hubEnv, lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const BOB_PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Random bytes (content only needs to be distinct per test; nothing depends on the values). */
const seeded = (_label: number, n: number): Buffer => randomBytes(n);

/** An isolated git world: HOME, a global config file, no system config; `helper` is credential.helper. */
function gitWorld(helper?: string): { env: Record<string, string>; git: (cwd: string, ...args: string[]) => string; gitNet: (cwd: string, ...args: string[]) => Promise<string>; home: string } {
  const home = tmpDir('creds-home-');
  const global = join(home, 'gitconfig');
  writeFileSync(global, '');
  const env: Record<string, string> = { ...ID, HOME: home, GIT_CONFIG_GLOBAL: global, GIT_CONFIG_NOSYSTEM: '1', HUB_HOME: tmpDir('creds-hub-') };
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: '0' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git(home, 'config', '--global', 'init.defaultBranch', 'main');
  git(home, 'lfs', 'install');
  if (helper !== undefined) git(home, 'config', '--global', 'credential.helper', helper);
  // the servers run in this process: git that talks to them must not block its event loop
  const gitNet = async (cwd: string, ...args: string[]) => (await promisify(execFile)('git', args, { cwd, env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: '0' }, encoding: 'utf8' })).stdout;
  return { env, git, gitNet, home };
}

/** A credential helper that records each operation and its fields (never the password) and answers `get` from `answer`. */
function recordingHelper(dir: string): { helper: string; log: () => string[]; answer: (user: string, password: string) => void } {
  const log = join(dir, 'helper.log');
  const answer = join(dir, 'helper.answer');
  const script = join(dir, 'helper.sh');
  writeFileSync(log, '');
  writeFileSync(script, `#!/bin/sh\nin=$(cat)\nprintf '%s %s\\n' "$1" "$(printf '%s\\n' "$in" | grep -v '^password=' | tr '\\n' ' ')" >> '${log}'\nif [ "$1" = get ] && [ -f '${answer}' ]; then cat '${answer}'; fi\n`);
  chmodSync(script, 0o755);
  return { helper: script, log: () => lines(readFileSync(log, 'utf8')), answer: (u, p) => writeFileSync(answer, `username=${u}\npassword=${p}\n`) };
}

describe('an LFS endpoint elsewhere, found and logged into as git-lfs does', () => {
  let lfs: LfsTestServer;
  let gitServer: GitHttpServer;
  beforeAll(async () => {
    lfs = await startLfsTestServer({ user: 'alice', password: PASSWORD, other: { user: 'bob', password: BOB_PASSWORD } });
    gitServer = await startGitHttpServer();
  });
  afterAll(async () => {
    await lfs?.stop();
    await gitServer?.stop();
  });

  /** A hub repository with origin at a fresh repo of the git server, a committed .lfsconfig naming `lfsUrl`, and one large file. */
  async function project(name: string, env: Record<string, string>, lfsUrl: string, seed: number) {
    const remote = gitServer.create(`acme/${name}`);
    const dir = tmpDir('creds-repo-');
    await runHubJson(['init'], { cwd: dir, env });
    await runHubJson(['track', '*.bin'], { cwd: dir, env });
    writeFileSync(join(dir, '.lfsconfig'), `[lfs]\n\turl = ${lfsUrl}\n`);
    const bytes = seeded(seed, 300_000);
    writeFileSync(join(dir, 'weights.bin'), bytes);
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'weights'], { cwd: dir, env });
    await runHubJson(['remote', 'add', 'origin', remote], { cwd: dir, env });
    return { dir, remote, bytes, oid: sha(bytes) };
  }

  it('hub push and hub clone use the .lfsconfig endpoint with credentials from `credential.helper store`; git-lfs reads what hub wrote', async () => {
    const w = gitWorld();
    const store = join(w.home, 'stored-credentials');
    writeFileSync(store, `http://alice:${PASSWORD}@${lfs.url.slice('http://'.length)}\n`, { mode: 0o600 });
    w.git(w.home, 'config', '--global', 'credential.helper', `store --file ${store}`);
    const endpoint = `${lfs.url}/acme/one.git/info/lfs`;
    const p = await project('one', w.env, endpoint, 1);
    const seenBefore = lfs.requests.length;

    const push = await runHub(['push', '--json'], { cwd: p.dir, env: w.env });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toMatchObject({ transfer: 'basic', objects: { checked: 1, uploaded: 1 } });
    expect(lfs.object(p.oid)?.equals(p.bytes)).toBe(true);
    // as git-lfs: the locks are verified first, with no credentials at first (access none), a 401,
    // then the helper's for that and the batch; the access mode is recorded
    const seen = lfs.requests.slice(seenBefore);
    expect(seen[0]).toMatchObject({ path: '/acme/one.git/info/lfs/locks/verify', auth: 'none', status: 401 });
    expect(seen.find((r) => r.path.endsWith('/objects/batch'))).toMatchObject({ auth: 'basic:alice', status: 200 });
    expect(seen.slice(1).every((r) => r.auth === 'basic:alice' && r.status === 200)).toBe(true);
    expect(w.git(p.dir, 'config', `lfs.${endpoint}.access`).trim()).toBe('basic');
    expect(push.stdout + push.stderr).not.toContain(PASSWORD);

    // hub clone reads .lfsconfig of the commit it checks out
    const parent = tmpDir();
    const clone = await runHub(['clone', p.remote, 'b', '--json'], { cwd: parent, env: { ...w.env, HUB_HOME: tmpDir() } });
    expect(clone.code, clone.stderr).toBe(0);
    expect(readFileSync(join(parent, 'b', 'weights.bin')).equals(p.bytes)).toBe(true);

    // real git + git-lfs, same helper: byte-exact
    const g = join(tmpDir(), 'g');
    await w.gitNet(w.home, 'clone', '-q', p.remote, g);
    expect(readFileSync(join(g, 'weights.bin')).equals(p.bytes)).toBe(true);
  });

  it('file locks on that endpoint, with helper credentials: a git-lfs lock is seen by hub and stops its push; a hub lock is seen by git-lfs', async () => {
    const storeFor = (w: ReturnType<typeof gitWorld>, user: string, password: string) => {
      const store = join(w.home, 'stored-credentials');
      writeFileSync(store, `http://${user}:${password}@${lfs.url.slice('http://'.length)}\n`, { mode: 0o600 });
      w.git(w.home, 'config', '--global', 'credential.helper', `store --file ${store}`);
    };
    const alice = gitWorld();
    storeFor(alice, 'alice', PASSWORD);
    const p = await project('locking', alice.env, `${lfs.url}/acme/locking.git/info/lfs`, 7);
    expect((await runHub(['push', '-u', 'origin', 'main'], { cwd: p.dir, env: alice.env })).code).toBe(0);
    const bob = gitWorld();
    storeFor(bob, 'bob', BOB_PASSWORD);
    const g = join(tmpDir('creds-bob-'), 'clone');
    await bob.gitNet(bob.home, 'clone', '-q', p.remote, g);
    await bob.gitNet(g, 'lfs', 'lock', 'weights.bin');
    // hub, as alice, sees bob's lock through the same endpoint and credentials
    const listed = await runHubJson(['locks'], { cwd: p.dir, env: alice.env });
    expect(listed.locks).toEqual([expect.objectContaining({ path: 'weights.bin', owner: 'bob' })]);
    writeFileSync(join(p.dir, 'weights.bin'), seeded(8, 300_000));
    await runHubJson(['add', '-A'], { cwd: p.dir, env: alice.env });
    await runHubJson(['commit', '-m', 'changed under a lock'], { cwd: p.dir, env: alice.env });
    const refused = await runHub(['push'], { cwd: p.dir, env: alice.env });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/weights\.bin.*bob/);
    // and the other way: a hub lock is one git-lfs lists under alice's name
    writeFileSync(join(p.dir, 'notes.bin'), seeded(9, 1000));
    expect((await runHubJson(['lock', 'notes.bin'], { cwd: p.dir, env: alice.env })).locks).toEqual([expect.objectContaining({ path: 'notes.bin' })]);
    const fromGit = JSON.parse(await bob.gitNet(g, 'lfs', 'locks', '--json')) as Array<{ path: string; owner: { name: string } }>;
    expect(fromGit.map((l) => [l.path, l.owner.name]).sort()).toEqual([['notes.bin', 'alice'], ['weights.bin', 'bob']]);
    expect(lfs.requests.filter((r) => r.path.endsWith('/locks') || r.path.endsWith('/locks/verify')).every((r) => r.auth !== 'bad')).toBe(true);
  });

  it('git + git-lfs push, hub clones and pulls from the endpoint git-lfs used', async () => {
    const rec = recordingHelper(tmpDir());
    rec.answer('alice', PASSWORD);
    const w = gitWorld(rec.helper);
    const remote = gitServer.create('acme/two');
    const g = join(tmpDir(), 'g');
    await w.gitNet(w.home, 'clone', '-q', remote, g);
    w.git(g, 'lfs', 'track', '*.bin');
    writeFileSync(join(g, '.lfsconfig'), `[lfs]\n\turl = ${lfs.url}/acme/two\n`);
    const bytes = seeded(2, 200_000);
    writeFileSync(join(g, 'w.bin'), bytes);
    w.git(g, 'add', '-A');
    w.git(g, 'commit', '-qm', 'from git');
    await w.gitNet(g, 'push', '-q', 'origin', 'main');
    expect(lfs.object(sha(bytes))?.equals(bytes)).toBe(true);

    const parent = tmpDir();
    const clone = await runHub(['clone', remote, 'h', '--json'], { cwd: parent, env: w.env });
    expect(clone.code, clone.stderr).toBe(0);
    expect(readFileSync(join(parent, 'h', 'w.bin')).equals(bytes)).toBe(true);
    // the helper was asked for the LFS server (protocol and host, as git describes it) and told the credentials worked
    const asked = rec.log().filter((l) => l.includes(`host=${lfs.url.slice('http://'.length)}`));
    expect(asked.some((l) => l.startsWith('get ') && l.includes('protocol=http'))).toBe(true);
    expect(asked.some((l) => l.startsWith('store ') && l.includes('username=alice'))).toBe(true);

    // a second revision by git, fetched by hub pull
    const next = seeded(3, 100_000);
    writeFileSync(join(g, 'w.bin'), next);
    w.git(g, 'commit', '-qam', 'two');
    await w.gitNet(g, 'push', '-q', 'origin', 'main');
    const pull = await runHub(['pull', '--json'], { cwd: join(parent, 'h'), env: w.env });
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(join(parent, 'h', 'w.bin')).equals(next)).toBe(true);
  });

  it('rejected credentials: exit 4, one line, the helper is told to forget them, no password anywhere in the output', async () => {
    const rec = recordingHelper(tmpDir());
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    rec.answer('alice', wrong);
    const w = gitWorld(rec.helper);
    const p = await project('three', w.env, `${lfs.url}/acme/three`, 4);
    const push = await runHub(['push', '--json'], { cwd: p.dir, env: w.env });
    expect(push.code).toBe(4);
    expect(JSON.parse(push.stdout)).toMatchObject({ error: { code: 'credentials_rejected' } });
    expect(rec.log().some((l) => l.startsWith('erase ') && l.includes('username=alice'))).toBe(true);
    const human = await runHub(['push'], { cwd: p.dir, env: w.env });
    expect(human.code).toBe(4);
    expect(lines(human.stderr).filter((l) => !l.startsWith('hint:'))).toHaveLength(1);
    for (const out of [push.stdout, push.stderr, human.stdout, human.stderr]) {
      expect(out).not.toContain(wrong);
      expect(out).not.toContain(PASSWORD);
    }
  });

  it('no helper and no terminal: exit 4 at once with one line; credentials in the URL work and are never printed', async () => {
    const w = gitWorld();
    const p = await project('four', w.env, `${lfs.url}/acme/four`, 5);
    const push = await runHub(['push'], { cwd: p.dir, env: w.env, timeoutMs: 30_000 });
    expect(push.code).toBe(4);
    expect(lines(push.stderr)[0]).toMatch(/asks for credentials \(HTTP 401\).*credential helper gave none/);
    expect(lines(push.stderr).filter((l) => !l.startsWith('hint:'))).toHaveLength(1);

    writeFileSync(join(p.dir, '.lfsconfig'), `[lfs]\n\turl = http://alice:${PASSWORD}@${lfs.url.slice('http://'.length)}/acme/four\n`);
    const ok = await runHub(['push', '--json'], { cwd: p.dir, env: w.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(lfs.object(p.oid)?.equals(p.bytes)).toBe(true);
    expect(ok.stdout + ok.stderr).not.toContain(PASSWORD);
  });

  it('on a terminal with no helper, the user is asked (git prompts on the terminal) and the push goes through', async () => {
    const w = gitWorld();
    const p = await project('prompted', w.env, `${lfs.url}/acme/prompted.git/info/lfs`, 11);
    // util-linux's script gives hub a terminal; what is typed goes in through it, as a user would
    const hubBin = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin/hub.js');
    const env = hubEnv({ ...w.env, CI: undefined, TERM: 'dumb' });
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(hubBin)} push`, '/dev/null'], { cwd: p.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let shown = '';
    const answered = new Set<string>();
    // each answer is typed once its prompt shows (git flushes earlier input when it turns echo off)
    const onOutput = (b: Buffer) => {
      shown += b.toString('utf8');
      for (const [prompt, answer] of [[/Username for '[^']+':\s*$/, 'alice'], [/Password for '[^']+':\s*$/, PASSWORD]] as const) {
        if (!answered.has(answer) && prompt.test(shown)) {
          answered.add(answer);
          child.stdin.write(`${answer}\n`);
        }
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000); // a prompt never shown must fail the test, not hang it
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(code, shown).toBe(0);
    expect(shown).toMatch(/Username for 'http:\/\/127\.0\.0\.1:\d+'/);
    expect(shown).toMatch(/Password for 'http:\/\/alice@127\.0\.0\.1:\d+'/);
    expect(shown).not.toContain(PASSWORD); // not echoed, not printed
    expect(lfs.object(p.oid)?.equals(p.bytes)).toBe(true);
  });

  it('on a terminal, a git server that prompts too is asked only once the upload is done (its prompt does not cut into the progress)', async () => {
    const locked = await startGitHttpServer({ user: 'bob', password: BOB_PASSWORD });
    // the upload through a proxy at 1 MiB/s: four seconds, in which git would otherwise prompt
    // (the batch answer's hrefs are rewritten to the proxy: the server names itself in them)
    const slow = await startFaultProxy(lfs.url, [
      { match: (req) => req.method === 'POST' && (req.url ?? '').endsWith('/objects/batch'), fault: 'transform', times: Infinity, transform: (body) => Buffer.from(body.toString('utf8').replaceAll(lfs.url, slow.url)) },
      { match: (req) => req.method === 'PUT', fault: 'throttle', rate: 1 << 20, times: Infinity },
    ]);
    try {
      const w = gitWorld();
      const dir = tmpDir('creds-repo-');
      await runHubJson(['init'], { cwd: dir, env: w.env });
      await runHubJson(['track', '*.bin'], { cwd: dir, env: w.env });
      writeFileSync(join(dir, '.lfsconfig'), `[lfs]\n\turl = ${slow.url}/acme/ordered.git/info/lfs\n`);
      const bytes = seeded(12, 4 << 20);
      writeFileSync(join(dir, 'weights.bin'), bytes);
      await runHubJson(['add', '-A'], { cwd: dir, env: w.env });
      await runHubJson(['commit', '-m', 'weights'], { cwd: dir, env: w.env });
      await runHubJson(['remote', 'add', 'origin', locked.create('acme/ordered')], { cwd: dir, env: w.env });
      const hubBin = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin/hub.js');
      const env = hubEnv({ ...w.env, CI: undefined, TERM: 'dumb' });
      const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(hubBin)} push`, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      const lfsPort = new URL(slow.url).port;
      const gitPort = new URL(locked.create('acme/unused')).port;
      let shown = '';
      const answered = new Set<string>();
      let storedAtGitPrompt: boolean | undefined;
      const onOutput = (b: Buffer) => {
        shown += b.toString('utf8');
        const prompts = [
          [new RegExp(`Username for 'http://127\\.0\\.0\\.1:${lfsPort}':\\s*$`), 'alice'],
          [new RegExp(`Password for 'http://alice@127\\.0\\.0\\.1:${lfsPort}':\\s*$`), PASSWORD],
          [new RegExp(`Username for 'http://127\\.0\\.0\\.1:${gitPort}':\\s*$`), 'bob'],
          [new RegExp(`Password for 'http://bob@127\\.0\\.0\\.1:${gitPort}':\\s*$`), BOB_PASSWORD],
        ] as const;
        for (const [prompt, answer] of prompts) {
          if (!answered.has(answer) && prompt.test(shown)) {
            if (answer === 'bob') storedAtGitPrompt = lfs.object(sha(bytes)) !== undefined;
            answered.add(answer);
            child.stdin.write(`${answer}\n`);
          }
        }
      };
      child.stdout.on('data', onOutput);
      child.stderr.on('data', onOutput);
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect(code, shown).toBe(0);
      expect(answered, shown).toEqual(new Set(['alice', PASSWORD, 'bob', BOB_PASSWORD]));
      expect(storedAtGitPrompt, 'the LFS server held the file when git asked for its password').toBe(true);
      expect(lfs.object(sha(bytes))?.equals(bytes)).toBe(true);
      expect(shown).not.toContain(PASSWORD);
      expect(shown).not.toContain(BOB_PASSWORD);
    } finally {
      await slow.close();
      await locked.stop();
    }
  });

  it('a git server behind Basic auth: hub asks the helper for it too (git smart HTTP)', async () => {
    const locked = await startGitHttpServer({ user: 'bob', password: PASSWORD });
    try {
      const rec = recordingHelper(tmpDir());
      rec.answer('bob', PASSWORD);
      const w = gitWorld(rec.helper);
      const remote = locked.create('acme/five');
      const dir = tmpDir();
      await runHubJson(['init'], { cwd: dir, env: w.env });
      writeFileSync(join(dir, 'README.md'), 'hello\n');
      await runHubJson(['add', '-A'], { cwd: dir, env: w.env });
      await runHubJson(['commit', '-m', 'one'], { cwd: dir, env: w.env });
      await runHubJson(['remote', 'add', 'origin', remote], { cwd: dir, env: w.env });
      const push = await runHub(['push'], { cwd: dir, env: w.env });
      expect(push.code, push.stderr).toBe(0);
      // git's first request, and the LFS lock check of the push (an endpoint of access none, as
      // git-lfs starts one), go without credentials; every other request carries the helper's
      expect(locked.auth[0]).toBe('none');
      expect(locked.auth.every((a) => a === 'ok' || a === 'none')).toBe(true);
      expect(locked.auth.filter((a) => a === 'none').length).toBeLessThanOrEqual(2);
      expect(locked.auth.filter((a) => a === 'ok').length).toBeGreaterThan(0);
      expect(rec.log().some((l) => l.startsWith('store ') && l.includes('username=bob'))).toBe(true);
      expect(push.stdout + push.stderr).not.toContain(PASSWORD);
    } finally {
      await locked.stop();
    }
  });
});
