/**
 * Ctrl-C stops work (issue 12, point 2). Each command is started for real (the built CLI, a real
 * `hub serve`, content slowed by a throttling proxy or a large input), interrupted once its work
 * is seen under way, and then: exit 130, nothing on stdout, the work demonstrably unfinished, no
 * temporary files, a healthy store; an interrupted clone leaves nothing, a killed one restarts.
 * The time from SIGINT to exit is printed for each command (the issue asks for 1 s; the
 * assertion keeps a wide margin for a loaded machine).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { interruptHub, storeTmp, tmpFilesIn, type InterruptedRun } from '../helpers/interrupt.js';
import { ID, localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
/** Generous bound on SIGINT -> exit; the goal is 1 s, the figures are printed. */
const EXIT_BOUND_MS = 5000;
const timings: Record<string, number> = {};

/** A sparse file of `bytes` zeros: costs no disk, but chunking and hashing it takes seconds. */
function sparseFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

/** Exit 130 on the first Ctrl-C, nothing on stdout, one error line, within the bound. */
function expectInterrupted(r: InterruptedRun, what: string): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(130);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^hub: error: interrupted$/m);
  expect(r.msToExit).toBeLessThan(EXIT_BOUND_MS);
  timings[what] = r.msToExit;
  console.log(`${what}: SIGINT -> exit ${r.msToExit} ms`);
}

/** `hub fsck` (in `cwd`) calls the store healthy, and the store holds no temporary file. */
async function expectHealthy(cwd: string, env: Record<string, string>): Promise<any> {
  const r = await runHub(['fsck', '--json'], { cwd, env });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.healthy).toBe(true);
  expect(tmpFilesIn(storeTmp(env.HUB_HOME))).toEqual([]);
  return report;
}

afterAll(() => {
  console.log(`SIGINT -> exit, per command (ms): ${JSON.stringify(timings)}`);
});

describe('Ctrl-C during local work', () => {
  it('hub store add: stops mid-file, prints nothing, leaves no temporary file and no stored file', async () => {
    const dir = tmpDir();
    const env = { HUB_HOME: tmpDir() };
    sparseFile(join(dir, 'big.bin'), 1 << 30);
    const r = await interruptHub(['store', 'add', 'big.bin'], { cwd: dir, env, started: () => tmpFilesIn(storeTmp(env.HUB_HOME)).length > 0 });
    expectInterrupted(r, 'store add');
    const report = await expectHealthy(dir, env);
    expect(report.checked.manifests).toBe(0); // the add did not finish
  });

  it('hub store add --json: the one document on stdout is the interrupted error', async () => {
    const dir = tmpDir();
    const env = { HUB_HOME: tmpDir() };
    sparseFile(join(dir, 'big.bin'), 1 << 30);
    const r = await interruptHub(['store', 'add', 'big.bin', '--json'], { cwd: dir, env, started: () => tmpFilesIn(storeTmp(env.HUB_HOME)).length > 0 });
    expect(r.code, r.stderr).toBe(130);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'interrupted', message: 'interrupted', exitCode: 130 } });
    expect((await expectHealthy(dir, env)).checked.manifests).toBe(0);
  });

  it('hub add: stops mid-file; nothing staged, no temporary file in the store or .git/hub/tmp', async () => {
    const dir = tmpDir();
    const env = { ...ID, HUB_HOME: tmpDir() };
    await runHubJson(['init'], { cwd: dir, env });
    sparseFile(join(dir, 'big.bin'), 1 << 30);
    writeFileSync(join(dir, 'small.txt'), 'hello\n');
    const r = await interruptHub(['add', '-A'], { cwd: dir, env, started: () => tmpFilesIn(storeTmp(env.HUB_HOME)).length > 0 });
    expectInterrupted(r, 'add');
    const status = await runHubJson(['status'], { cwd: dir, env });
    expect(status.staged).toEqual([]);
    expect(status.untracked).toEqual(expect.arrayContaining(['big.bin', 'small.txt']));
    expect(tmpFilesIn(join(dir, '.git', 'hub', 'tmp'))).toEqual([]);
    expect((await expectHealthy(dir, env)).checked.manifests).toBe(0);
  });
});

describe('Ctrl-C during transfers (content throttled by a proxy)', () => {
  const FILES = 4;
  const FILE_BYTES = 3 << 19; // 1.5 MiB: a file's records fit in one 2 MiB piece (transfer/xorb-spans.ts)
  const TOTAL = FILES * FILE_BYTES;
  let s: TestServer;
  let proxy: FaultProxy;
  const rules: FaultRule[] = [];
  /** A content request: a xorb upload or a range of one (Xet: `/v1/xorbs/`, signed `/fetch/` URLs; hub-chunks: `/cas/v1/xorbs/`). */
  const content = (url: string) => url.includes('/xorbs/') || url.includes('/api/xet-cas/fetch/');
  /** Content requests at 1 MiB/s each, one at a time (HUB_CONCURRENCY=1). */
  const throttle = (on: boolean): void => {
    rules.length = 0;
    if (on) rules.push({ match: (req) => content(req.url ?? ''), fault: 'throttle', times: Infinity, rate: 1 << 20 });
  };
  const xorbGets = () => proxy.log.filter((e) => e.method === 'GET' && content(e.url));
  const xorbPuts = () => proxy.log.filter((e) => (e.method === 'PUT' || e.method === 'POST') && e.url.includes('/xorbs/'));
  const received = () => xorbGets().reduce((n, e) => n + e.received, 0);
  let source: { dir: string; env: Record<string, string> };

  /** A repository on the server (remote = the proxy) with FILES random files of FILE_BYTES, each its own xorb. */
  async function sourceRepo(name: string, seed: number, push = true): Promise<{ dir: string; env: Record<string, string> }> {
    const repo = await localRepoWithRemote(s, name, { track: ['*.bin'], base: proxy.url });
    for (let i = 0; i < FILES; i++) writeFileSync(join(repo.dir, `part-${i}.bin`), mulberry32Bytes(seed + i, FILE_BYTES));
    writeFileSync(join(repo.dir, 'config.json'), '{}\n');
    await runHubJson(['add', '-A'], { cwd: repo.dir, env: repo.env });
    await runHubJson(['commit', '-m', 'parts'], { cwd: repo.dir, env: repo.env });
    if (push) await runHubJson(['push'], { cwd: repo.dir, env: repo.env });
    return repo;
  }

  /** A fresh user (own store) of the server. */
  const user = () => ({ ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: s.adminToken, HUB_CONCURRENCY: '1' });

  beforeAll(async () => {
    s = await startHubServe();
    proxy = await startFaultProxy(s.url, rules);
    source = await sourceRepo('admin/src', 1000);
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.stop();
  });

  it('hub clone: the first Ctrl-C stops the download and removes the directory it made', async () => {
    const parent = tmpDir();
    const env = user();
    throttle(true);
    proxy.log.length = 0;
    const r = await interruptHub(['clone', `${proxy.url}/admin/src`, 'b'], { cwd: parent, env, started: () => received() > 0 });
    throttle(false);
    expectInterrupted(r, 'clone');
    expect(xorbGets().every((e) => e.url.includes('/cas/v1/xorbs/'))).toBe(true); // the hub-chunks transfer (the first choice against hub serve) was stopped
    expect(received()).toBeLessThan(TOTAL); // stopped before the content was all there
    expect(existsSync(join(parent, 'b'))).toBe(false);
    await expectHealthy(parent, env);
  });

  it('hub clone killed outright (SIGKILL, or a second Ctrl-C): the rerun restarts it and fetches only what the store lacks', async () => {
    for (const signals of [['SIGKILL'], ['SIGINT', 'SIGINT']] as NodeJS.Signals[][]) {
      const parent = tmpDir();
      const env = user();
      throttle(true);
      proxy.log.length = 0;
      // with one request at a time, a second range request starts only once the first file is stored
      const r = await interruptHub(['clone', `${proxy.url}/admin/src`, 'b'], { cwd: parent, env, signals, started: () => xorbGets().length >= 2 });
      throttle(false);
      if (signals[0] === 'SIGKILL') {
        expect(r.signal).toBe('SIGKILL');
        expect(existsSync(join(parent, 'b', '.git', 'hub', 'clone-in-progress'))).toBe(true);
        const fsck = await runHubJson(['fsck'], { cwd: join(parent, 'b'), env });
        expect(fsck.notes.join('\n')).toMatch(/clone was interrupted/);
      } else {
        // exit 130, or death by the second SIGINT when it lands while node tears the process down
        // after the work stopped (node restores the default handler there): a shell reports both as $? = 130
        expect(r.code === 130 || (r.code === null && r.signal === 'SIGINT'), `${r.code} ${r.signal} after ${r.msToExit} ms: ${r.stderr}`).toBe(true);
        expect(r.stdout).toBe('');
      }
      expect(received()).toBeLessThan(TOTAL);
      proxy.log.length = 0;
      const again = await runHub(['clone', `${proxy.url}/admin/src`, 'b', '--json'], { cwd: parent, env });
      expect(again.code, again.stderr).toBe(0);
      const b = join(parent, 'b');
      for (let i = 0; i < FILES; i++) expect(sha(join(b, `part-${i}.bin`))).toBe(sha(join(source.dir, `part-${i}.bin`)));
      expect(existsSync(join(b, '.git', 'hub', 'clone-in-progress'))).toBe(false);
      expect((await runHubJson(['status'], { cwd: b, env })).clean).toBe(true);
      if (signals[0] === 'SIGKILL') {
        // the first file reached the store before the kill: the rerun does not fetch it again
        // (what it receives is the others' chunk records: their bytes plus 8-byte headers)
        expect(JSON.parse(again.stdout).bytesReceived).toBeLessThan(TOTAL - FILE_BYTES / 2);
        expect(again.stderr).toMatch(/restarting the interrupted clone/);
      }
      await expectHealthy(b, env);
    }
  });

  it('hub push: stops mid-upload, the branch is not pushed; the rerun sends only what the server lacks', async () => {
    const repo = await sourceRepo('admin/push', 2000, false);
    const env = { ...repo.env, HUB_CONCURRENCY: '1' };
    throttle(true);
    proxy.log.length = 0;
    // a second xorb upload starts only once the first one was accepted
    const r = await interruptHub(['push'], { cwd: repo.dir, env, started: () => xorbPuts().length >= 2 });
    throttle(false);
    expectInterrupted(r, 'push');
    expect(xorbPuts().every((e) => e.method === 'PUT' && e.url.includes('/cas/v1/xorbs/'))).toBe(true); // hub-chunks xorb uploads (the first choice against hub serve)
    expect(xorbPuts().filter((e) => e.done).length).toBeLessThan(FILES);
    const parent = tmpDir();
    const empty = await runHubJson(['clone', `${proxy.url}/admin/push`, 'c'], { cwd: parent, env: user() });
    expect(empty.commit).toBeNull(); // the history was never pushed
    await expectHealthy(repo.dir, env);
    // the rerun: what the server verified before the interrupt is not sent again
    const again = await runHubJson(['push'], { cwd: repo.dir, env });
    expect(again.objects.checked).toBe(FILES);
    expect(again.bytesSent).toBeLessThan(TOTAL - FILE_BYTES / 2);
    const c = join(tmpDir(), 'c');
    await runHubJson(['clone', `${proxy.url}/admin/push`, c], { env: user() });
    for (let i = 0; i < FILES; i++) expect(sha(join(c, `part-${i}.bin`))).toBe(sha(join(repo.dir, `part-${i}.bin`)));
  });

  it('hub pull: stops mid-download, HEAD and the working tree stay where they were; the rerun completes', async () => {
    const env = user();
    const parent = tmpDir();
    await runHubJson(['clone', `${proxy.url}/admin/src`, 'b'], { cwd: parent, env });
    const b = join(parent, 'b');
    const before = (await runHubJson(['log'], { cwd: b, env })).commits[0].id;
    // the source moves on: four new files
    for (let i = 0; i < FILES; i++) writeFileSync(join(source.dir, `next-${i}.bin`), mulberry32Bytes(3000 + i, FILE_BYTES));
    await runHubJson(['add', '-A'], { cwd: source.dir, env: source.env });
    await runHubJson(['commit', '-m', 'next'], { cwd: source.dir, env: source.env });
    await runHubJson(['push'], { cwd: source.dir, env: source.env });
    throttle(true);
    proxy.log.length = 0;
    const r = await interruptHub(['pull'], { cwd: b, env, started: () => received() > 0 });
    throttle(false);
    expectInterrupted(r, 'pull');
    expect(received()).toBeLessThan(TOTAL);
    expect((await runHubJson(['log'], { cwd: b, env })).commits[0].id).toBe(before);
    expect(readdirSync(b).filter((n) => n.startsWith('next-'))).toEqual([]);
    expect(tmpFilesIn(join(b, '.git', 'hub', 'tmp'))).toEqual([]);
    await expectHealthy(b, env);
    await runHubJson(['pull'], { cwd: b, env });
    for (let i = 0; i < FILES; i++) expect(sha(join(b, `next-${i}.bin`))).toBe(sha(join(source.dir, `next-${i}.bin`)));
  });

  it('hub fetch: stops mid-download and leaves the store healthy', async () => {
    const env = user();
    const parent = tmpDir();
    await runHubJson(['clone', `${proxy.url}/admin/src`, 'b', '--no-checkout'], { cwd: parent, env });
    const b = join(parent, 'b');
    throttle(true);
    proxy.log.length = 0;
    const r = await interruptHub(['fetch'], { cwd: b, env, started: () => received() > 0 });
    throttle(false);
    expectInterrupted(r, 'fetch');
    expect(received()).toBeLessThan(TOTAL);
    await expectHealthy(b, env);
  });

  it('hub download: stops mid-download; no file and no staging file appears', async () => {
    const env = user();
    const out = join(tmpDir(), 'out');
    throttle(true);
    proxy.log.length = 0;
    const r = await interruptHub(['download', `${proxy.url}/admin/src`, '--local-dir', out], { cwd: tmpDir(), env, started: () => received() > 0 });
    throttle(false);
    expectInterrupted(r, 'download');
    expect(received()).toBeLessThan(TOTAL);
    expect(existsSync(out) ? readdirSync(out).filter((n) => n.endsWith('.bin')) : []).toEqual([]);
    expect(tmpFilesIn(join(out, '.cache', 'hub', 'tmp'))).toEqual([]);
    await expectHealthy(tmpDir(), env);
  });
});
