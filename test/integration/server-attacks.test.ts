/**
 * Issue 11, point 2: no single request may stall `hub serve`. Each attack the red team ran runs
 * here against a live server (idle timeout 1 s), while a probe in a process of its own asks
 * GET /api/health every 20 ms. Every attack must be refused (status and a one-line error) or
 * served, and:
 *
 * - the server's event loop is never held for 100 ms by the server's own work: the server logs
 *   every tick of its loop that comes 100 ms late with the main thread's CPU time meanwhile
 *   (loop-watch.ts), and no late tick may have 100 ms of CPU behind it. The attacks held it for
 *   2.6 s to minutes before;
 * - /api/health answers in < 100 ms throughout, the issue's bound: asserted when the file runs
 *   alone (the `alone` group of test/vitest.config.ts runs it after the rest of the suite, one
 *   file at a time). Run beside other work, it asserts only that health never stalls (< 1 s),
 *   and not even that when the machine's load is over twice its cores (health-probe.ts), since
 *   there any process waits to be scheduled; the CPU-attributed bound above is the part that is
 *   the server's doing, and it is checked in every run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileHash } from '../../src/hash/merkle.js';
import { xetHex } from '../../src/hash/xet-hex.js';
import { addFile } from '../../src/store/ingest.js';
import { readManifest } from '../../src/store/manifest-files.js';
import { xorbPath } from '../../src/store/paths.js';
import { Store } from '../../src/store/store.js';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { startHealthProbe, wallClockBound, type HealthReport } from '../helpers/health-probe.js';
import { answerFrom, http, type Answer } from '../helpers/http-answer.js';
import { startHubServe, type TestServer, pendingUploads } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const LFS = 'application/vnd.git-lfs+json';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The server's resident memory, in MiB. */
function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/**
 * The git processes below `pid`, from /proc: all of them (http-backend, upload-pack, ...) and the
 * http-backends the server started (its children, or its launcher's: server/launcher.ts).
 */
function gitDescendants(pid: number): { all: number; children: number } {
  // only what the requests started: `git http-backend` and what runs under it (upload-pack); the
  // server's other git processes (the web pages' long-running cat-file readers, the work done
  // ahead after a push: ls-tree, log) serve no request and come and go on their own
  const parent = new Map<number, number>();
  const backends = new Set<number>();
  const launchers = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      parent.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('http-backend')) backends.add(Number(entry));
      if (argv.some((a) => a.endsWith('launcher-process.js'))) launchers.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  let all = 0;
  let children = 0;
  for (const p of parent.keys()) {
    const started = parent.get(p)!;
    if (backends.has(p) && (started === pid || (launchers.has(started) && parent.get(started) === pid))) children++;
    let up: number | undefined = p;
    while (up !== undefined && !backends.has(up) && up !== pid && up > 1) up = parent.get(up);
    if (up !== undefined && backends.has(up)) {
      let top: number | undefined = up;
      while (top !== undefined && top !== pid && top > 1) top = parent.get(top);
      if (top === pid) all++;
    }
  }
  return { all, children };
}

/** One raw HTTP/1.1 exchange: sends `head` and `body`, then waits for the server to answer and close (or `timeoutMs`). */
function rawRequest(port: number, head: string, body: Buffer | string, timeoutMs = 10_000): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms; got ${JSON.stringify(answer.slice(0, 200))}`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedAfterMs: performance.now() - started });
    });
    socket.once('connect', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)])));
  });
}

/** The Answer in a raw HTTP/1.1 response (a body of Content-Length bytes, as hub serve sends its refusals). */
function rawAnswer(raw: string): Answer {
  const end = raw.indexOf('\r\n\r\n');
  expect(end, `no complete answer: ${JSON.stringify(raw.slice(0, 200))}`).toBeGreaterThan(0);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return answerFrom(Number(statusLine.split(' ')[1]), headers, Buffer.from(raw.slice(end + 4), 'latin1').subarray(0, Number(headers['content-length'])));
}

describe('hub serve under attack stays responsive (issue 11, point 2)', () => {
  let server: TestServer;
  let alice: string;
  const port = () => Number(new URL(server.url).port);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** Runs `attack` while probing health; asserts the bound and returns what the attack returned. */
  async function underProbe<T>(what: string, attack: () => Promise<T>): Promise<T> {
    const logBefore = server.stderr().length;
    const probe = await startHealthProbe(server.url);
    let result: T;
    let report: HealthReport;
    try {
      result = await attack();
    } finally {
      report = await probe.stop();
    }
    const late = server.stderr().slice(logBefore).split('\n').filter((l) => l.includes('"event loop late"')).map((l) => JSON.parse(l) as { ms: number; cpuMs?: number });
    console.log(`${what}: health max ${report.max.toFixed(1)} ms, p99 ${report.p99.toFixed(1)} ms over ${report.count} probes; late ticks (ms late/cpu ms): ${late.map((l) => `${l.ms}/${l.cpuMs}`).join(', ') || 'none'}`);
    expect(report.failures, `${what}: health requests that failed`).toBe(0);
    expect(report.count, `${what}: the probe ran`).toBeGreaterThanOrEqual(3);
    expect(Math.max(0, ...late.map((l) => l.cpuMs ?? l.ms)), `${what}: longest hold of the event loop by the server's own work (ms)`).toBeLessThan(100);
    const bound = wallClockBound(what);
    if (bound !== undefined) expect(report.max, `${what}: slowest /api/health (ms)`).toBeLessThan(bound);
    return result!;
  }

  /** A refusal: the status and a one-line JSON error matching `pattern`. */
  function refused(a: Answer, status: number, pattern: RegExp): void {
    expect(a.status, a.text.slice(0, 300)).toBe(status);
    expect(a.json?.error, a.text.slice(0, 300)).toMatch(pattern);
    expect(a.json.error).not.toContain('\n');
  }

  beforeAll(async () => {
    server = await startHubServe(undefined, ['--idle-timeout', '1']);
    alice = (await runHubJson(['token', 'create', '--root', server.root, '--user', 'alice', '--write'])).token;
    for (const [repo, flags] of [['alice/pub', []], ['alice/priv', ['--private']]] as const) {
      await runHubJson(['repo', 'create', repo, ...flags, '--endpoint', server.url, '--token', alice]);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a refusal sent before the body was read reaches the client whole: the server answers once the body is in, not while it still arrives (a socket closed with unread bytes is reset, and the reset took the answer)', async () => {
    const body = Buffer.alloc(3 << 20, 'x');
    const head = `POST /alice/priv.git/info/lfs/objects/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${LFS}\r\nContent-Type: ${LFS}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    // 33 of 40 such answers were lost before (a scratch run): 20 in a row all whole
    for (let i = 0; i < 20; i++) refused(rawAnswer((await rawRequest(port(), head, body)).answer), 401, /^authentication required$/);
  });

  it('refuses a batch body of nested [ cheaply: before reading it when the caller may not read the repository, else by size or depth', async () => {
    const deep = (n: number) => Buffer.alloc(n, '[');
    const before = rssMiB(server.child.pid!);
    // raw exchanges: the server may answer before it has read the body, then drain the rest and
    // close; an HTTP client still writing then fails with EPIPE, having never read the answer
    // (a CI flake), where what the server sent is what this test asserts
    const post = async (repo: string, body: Buffer | Buffer[]): Promise<Answer> => {
      const framing = Array.isArray(body) ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`;
      const wire = Array.isArray(body) ? Buffer.concat([...body.flatMap((b) => [Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]) : body;
      const head = `POST /${repo}.git/info/lfs/objects/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${LFS}\r\nContent-Type: ${LFS}\r\n${framing}\r\nConnection: close\r\n\r\n`;
      return rawAnswer((await rawRequest(port(), head, wire)).answer);
    };
    const [big, justUnder, mib] = [deep(3 << 20), deep((2 << 20) - 10), deep(1 << 20)];
    // a flat body of a million tiny values: the scan counts them before JSON.parse would build them
    const flat = Buffer.from(`{"operation":"download","objects":[${'0,'.repeat(900_000)}0]}`);
    await underProbe('nested [ batch bodies', async () => {
      refused(await post('alice/priv', big), 401, /^authentication required$/);
      refused(await post('alice/pub', big), 413, /too large/);
      refused(await post('alice/pub', justUnder), 400, /nests deeper than 8 levels/);
      refused(await post('alice/pub', [mib, mib, mib]), 413, /too large/);
      refused(await post('alice/pub', flat), 400, /more than 100000 values/);
    });
    expect(rssMiB(server.child.pid!) - before, 'RSS growth (MiB)').toBeLessThan(100);
  });

  it('checks base64 in an HF commit line in linear time', async () => {
    const line = (content: string) => `${JSON.stringify({ key: 'header', value: { summary: 's' } })}\n${JSON.stringify({ key: 'file', value: { path: 'x.bin', content, encoding: 'base64' } })}\n`;
    const bodies = [60_000, 600_000].map((spaces) => line(`A${' '.repeat(spaces)}!`));
    await underProbe('quadratic base64 check', async () => {
      for (const body of bodies) {
        const a = await http(`${server.url}/api/models/alice/pub/commit/main`, { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/x-ndjson' }, body });
        refused(a, 400, /"content" is not valid base64/);
      }
    });
  });

  it('matches adversarial .gitattributes patterns in linear time (preupload, and a committed file)', async () => {
    const patterns = `${'**/a'.repeat(10)}/b filter=lfs\n${'**/a/'.repeat(10)}**/c filter=lfs\n`;
    const deepPath = (leaf: string) => `${'a/'.repeat(30)}${leaf}`;
    const files = ['b', 'c', 'd'].map((leaf) => ({ path: deepPath(leaf), size: 5, sample: Buffer.from('hello').toString('base64') }));
    const modes = await underProbe('adversarial preupload gitAttributes', async () => {
      const a = await http(`${server.url}/api/models/alice/pub/preupload/main`, { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/json' }, body: JSON.stringify({ files, gitAttributes: patterns }) });
      expect(a.status, a.text).toBe(200);
      return a.json.files.map((f: { uploadMode: string }) => f.uploadMode);
    });
    expect(modes).toEqual(['lfs', 'lfs', 'regular']);
    // the same patterns committed, then files under them committed
    const ndjson = (ops: unknown[]) => [{ key: 'header', value: { summary: 's' } }, ...ops].map((o) => JSON.stringify(o)).join('\n');
    const content = (text: string) => Buffer.from(text).toString('base64');
    await underProbe('adversarial committed .gitattributes', async () => {
      const first = await http(`${server.url}/api/models/alice/pub/commit/main`, { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/x-ndjson' }, body: ndjson([{ key: 'file', value: { path: '.gitattributes', content: content(patterns), encoding: 'base64' } }]) });
      expect(first.status, first.text).toBe(200);
      const second = await http(`${server.url}/api/models/alice/pub/commit/main`, { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/x-ndjson' }, body: ndjson(['b', 'c', 'd'].map((leaf) => ({ key: 'file', value: { path: deepPath(leaf), content: content(`${leaf}\n`), encoding: 'base64' } }))) });
      expect(second.status, second.text).toBe(200);
    });
    const info = await http(`${server.url}/api/models/alice/pub/tree/main/${deepPath('').slice(0, -1)}`);
    expect(info.json.map((e: { path: string; lfs?: unknown }) => [e.path.split('/').pop(), e.lfs !== undefined])).toEqual([['b', true], ['c', true], ['d', false]]);
  });

  it('hashes a reconstruction that repeats one xorb 6,000 times off the event loop', async () => {
    // a client store makes a real xorb; the manifest names its chunks 6,000 times over
    const client = await Store.open(join(tmpDir(), 'client'), {});
    try {
      const file = join(tmpDir(), 'piece.bin');
      const piece = randomBytes(150_000);
      writeFileSync(file, piece);
      const added = await addFile(client, file);
      const one = readManifest(client.paths, added.oid)!;
      const terms = Array.from({ length: 6000 }, () => one.terms).flat();
      const hash = createHash('sha256');
      for (let i = 0; i < 6000; i++) hash.update(piece);
      const chunkEntries = client.index.chunksOf(one.terms[0].xorb).map((c) => ({ hash: c.hash, size: c.length }));
      const manifest = { ...one, oid: hash.digest('hex'), size: piece.length * 6000, xetHash: xetHex(fileHash(Array.from({ length: 6000 }, () => chunkEntries).flat(), client.hashers)), terms };
      const body = JSON.stringify(manifest);
      expect(body.length).toBeGreaterThan(600_000);
      const cas = `${server.url}/alice/pub.git/info/lfs/cas/v1`;
      const xorb = one.terms[0].xorb;
      const put = await http(`${cas}/xorbs/${xorb}`, { method: 'PUT', headers: bearer(alice), body: readFileSync(xorbPath(client.paths, xorb)) });
      expect(put.status, put.text).toBe(200);
      const registered = await underProbe('6,000-term reconstruction', () => http(`${cas}/reconstructions/${manifest.oid}`, { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/json' }, body }));
      // served or refused by the chunk API's rules: either way never on the event loop
      expect([200, 422], registered.text).toContain(registered.status);
    } finally {
      client.close();
    }
  });

  it('applies 6,000 deletedFolder operations to a 20,000-file tree in linear time', async () => {
    // the tree arrives by git push: 20,000 paths in 6,000 folders, all one blob
    const git = gitClient();
    const work = tmpDir();
    git.run(work, 'clone', '-q', authUrl(server.host, '/alice/pub', alice), 'w');
    const w = join(work, 'w');
    // one commit on top of main, written as a pack by fast-import (20,000 index entries and
    // 6,000 loose trees take git commit a long while on a busy disk)
    const head = git.tryRun(w, 'rev-parse', '--verify', '--quiet', 'HEAD');
    const files = Array.from({ length: 20_000 }, (_, i) => `M 100644 inline dir${i % 6000}/f${i}\ndata 0\n`).join('');
    const stream = `commit refs/heads/main\ncommitter T <t@example.invalid> 1700000000 +0000\ndata 12\nmany folders\n${head.status === 0 ? `from ${head.stdout.trim()}\n` : ''}${files}\n`;
    execFileSync('git', ['fast-import', '--quiet'], { cwd: w, env: git.env, input: stream });
    git.run(w, 'reset', '-q', '--hard', 'main');
    git.run(w, 'push', '-q', 'origin', 'main');
    const lines = [{ key: 'header', value: { summary: 'drop folders' } }, ...Array.from({ length: 6000 }, (_, i) => ({ key: 'deletedFolder', value: { path: `dir${i}/` } }))];
    const body = lines.map((l) => JSON.stringify(l)).join('\n');
    const a = await underProbe('6,000 deletedFolder on 20,000 files', () =>
      http(`${server.url}/api/models/alice/pub/commit/main`, { method: 'POST', headers: { ...bearer(alice), 'content-type': 'application/x-ndjson' }, body }),
    );
    expect(a.status, a.text).toBe(200);
    const tree = await http(`${server.url}/api/models/alice/pub/tree/main?recursive=true`);
    expect(tree.json.filter((e: { path: string }) => e.path.startsWith('dir'))).toEqual([]);
  });

  // on a two-core VM a fork of the server took 15-24 ms: started from the server, the eight git
  // processes held the loop in slices, and a connection opened behind the 30 waited for all of
  // them (230-290 ms); they are started by the launcher since (server/launcher.ts)
  it('ends 30 git requests whose bodies stall, and their git processes, after the idle timeout', async () => {
    const head = `POST /alice/pub.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 1000\r\n\r\n`;
    let peak = 0;
    const results = await underProbe('30 stalled upload-pack bodies', async () => {
      const sampler = setInterval(() => (peak = Math.max(peak, gitDescendants(server.child.pid!).children)), 50);
      try {
        return await Promise.all(Array.from({ length: 30 }, () => rawRequest(port(), head, '00', 15_000)));
      } finally {
        clearInterval(sampler);
      }
    });
    const statuses = results.map((r) => /^HTTP\/1\.1 (\d{3})/.exec(r.answer)?.[1] ?? 'cut');
    // 8 run (the per-client limit), 16 wait their turn, the rest are refused at once; none hangs:
    // a waiting one gets 408, a running one whose git already sent its headers (200) is cut off
    expect(statuses.filter((s) => s === '429').length, statuses.join(' ')).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === '408').length, statuses.join(' ')).toBeGreaterThan(0);
    expect(statuses.every((s) => s === '408' || s === '429' || s === '200'), statuses.join(' ')).toBe(true);
    for (const r of results.filter((x) => x.answer.startsWith('HTTP/1.1 408'))) expect(r.answer).toContain('request body stalled');
    for (const r of results.filter((x) => x.answer.startsWith('HTTP/1.1 200'))) expect(r.answer, 'a cut answer').not.toMatch(/0000$/);
    expect(Math.max(...results.map((r) => r.closedAfterMs)), 'slowest request ended (ms)').toBeLessThan(8000);
    // one http-backend per running request, at most the per-client limit (8) at once
    expect(peak, 'git http-backend processes at once').toBeLessThanOrEqual(8);
    expect(peak, 'the sampler saw git running').toBeGreaterThan(0);
    // ended, not left behind: a SIGTERMed process group may take a moment to go on a busy machine
    for (let i = 0; i < 250 && gitDescendants(server.child.pid!).all > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(gitDescendants(server.child.pid!).all, 'git processes left after 5 s').toBe(0);
  });

  it('ends an LFS upload whose body stalls, leaving nothing behind', async () => {
    const bytes = randomBytes(1000);
    const oid = sha256(bytes);
    const head = `PUT /alice/pub.git/info/lfs/objects/${oid} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice}\r\nContent-Length: 1000\r\n\r\n`;
    const r = await underProbe('stalled LFS PUT', () => rawRequest(port(), head, bytes.subarray(0, 10)));
    expect(r.answer).toMatch(/^HTTP\/1\.1 408/);
    for (let i = 0; i < 100 && pendingUploads(server.root).length > 0; i++) await new Promise((done) => setTimeout(done, 20));
    expect(pendingUploads(server.root)).toEqual([]);
  });

  it('cuts off a client that stops reading a large answer', async () => {
    const bytes = randomBytes(16 << 20);
    const oid = sha256(bytes);
    const batch = await http(`${server.url}/alice/pub.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...bearer(alice), accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [{ oid, size: bytes.length }] }) });
    const up = batch.json.objects[0].actions.upload;
    expect((await http(up.href, { method: 'PUT', headers: up.header, body: bytes })).status).toBe(200);
    const got = await underProbe('a reader that stops reading', () =>
      new Promise<number>((resolve) => {
        const socket = connect(port(), '127.0.0.1');
        let received = 0;
        socket.on('error', () => undefined);
        socket.once('connect', () => {
          socket.write(`GET /alice/pub.git/info/lfs/objects/${oid} HTTP/1.1\r\nHost: x\r\n\r\n`);
          socket.pause();
          // after twice the idle timeout, read what the server managed to send before it gave up
          setTimeout(() => {
            socket.on('data', (d: Buffer) => (received += d.length));
            socket.on('close', () => resolve(received));
            socket.resume();
          }, 2500);
        });
      }),
    );
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(bytes.length);
  });
});
