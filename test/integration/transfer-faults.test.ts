import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const is = (method: string, part: string) => (req: IncomingMessage) => req.method === method && (req.url ?? '').includes(part);

/** The requests of each chunk transfer, by role: [method, URL part]. each selected with HUB_TRANSFER. */
const ROUTES = {
  xet: {
    env: { HUB_TRANSFER: 'xet' } as Record<string, string>,
    ask: ['GET', '/v1/chunks/default-merkledb/'],
    xorbPut: ['POST', '/v1/xorbs/default/'],
    register: ['POST', '/v1/shards'],
    reconstruction: ['GET', '/reconstructions/'],
    range: ['GET', '/api/xet-cas/fetch/'],
  },
  'hub-chunks': {
    env: { HUB_TRANSFER: 'hub-chunks' } as Record<string, string>,
    ask: ['POST', '/chunks/missing'],
    xorbPut: ['PUT', '/cas/v1/xorbs/'],
    register: ['POST', '/cas/v1/reconstructions/'],
    reconstruction: ['GET', '/cas/v1/reconstructions/'],
    range: ['GET', '/cas/v1/xorbs/'],
  },
} as const;
type Role = Exclude<keyof (typeof ROUTES)['xet'], 'env'>;
const TRANSFERS = ['xet', 'hub-chunks'] as const;

describe('transfers through a faulty network', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  /** A local repository with one 8 MiB model committed, its remote pointing at `base`. */
  async function localRepo(base: string, repo: string, seed = 71) {
    const { dir: a, env } = await localRepoWithRemote(s, repo, { base });
    makeModel(join(a, 'model.safetensors'), '8MiB', seed);
    writeFileSync(join(a, 'config.json'), '{}\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: a, env });
    return { a, env };
  }

  for (const transfer of TRANSFERS) {
    const route = (role: Role) => is(ROUTES[transfer][role][0], ROUTES[transfer][role][1]);
    it(`${transfer}: retries 500s, 429s, resets mid-upload and mid-download, truncated and slow bodies: push and clone succeed`, async () => {
      const rules: FaultRule[] = [
        { match: is('POST', '/objects/batch'), fault: 'status500', times: 1 },
        { match: route('ask'), fault: 'status429', times: 1 },
        { match: route('xorbPut'), fault: 'reset-request', times: 1 },
        { match: route('register'), fault: 'status500', times: 1 },
        { match: route('reconstruction'), fault: 'status500', times: 1 },
        { match: route('range'), fault: 'reset-response', times: 1 },
        { match: route('range'), fault: 'truncate', times: 1 },
        { match: route('range'), fault: 'slow', times: 1 },
      ];
      const proxy = await startFaultProxy(s.url, rules);
      try {
        const repo = await localRepo(proxy.url, `admin/faulty-${transfer}`, transfer === 'xet' ? 71 : 76);
        const env = { ...repo.env, ...ROUTES[transfer].env };
        const pushed = await runHubJson(['push'], { cwd: repo.a, env });
        expect(pushed).toMatchObject({ transfer, objects: { uploaded: 1 } });
        const parent = tmpDir();
        await runHubJson(['clone', `${proxy.url}/admin/faulty-${transfer}`, 'b'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir() } });
        expect(sha(join(parent, 'b', 'model.safetensors'))).toBe(sha(join(repo.a, 'model.safetensors')));
        for (const r of rules) expect(r.hits, `${r.fault} ${r.match.toString()}`).toBe(r.times);
      } finally {
        await proxy.close();
      }
    });

    it(`${transfer}: a corrupted byte in a range response: clone exits 5 and no unverified bytes reach the working tree`, async () => {
      const direct = await localRepo(s.url, `admin/corrupt-${transfer}`, transfer === 'xet' ? 77 : 78);
      await runHubJson(['push'], { cwd: direct.a, env: direct.env });
      const proxy = await startFaultProxy(s.url, [{ match: route('range'), fault: 'corrupt', times: Infinity }]);
      try {
        const parent = tmpDir();
        const r = await runHub(['clone', `${proxy.url}/admin/corrupt-${transfer}`, 'b'], { cwd: parent, env: { ...direct.env, ...ROUTES[transfer].env, HUB_HOME: tmpDir() } });
        expect(r.code).toBe(5);
        expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))[0]).toMatch(/do not match its hash|hash(es)? to/);
        expect(existsSync(join(parent, 'b', 'model.safetensors'))).toBe(false);
      } finally {
        await proxy.close();
      }
    });
  }

  it('when retries run out: exit 6 with a clear message', async () => {
    const direct = await localRepo(s.url, 'admin/down');
    const proxy = await startFaultProxy(s.url, [{ match: is('POST', '/objects/batch'), fault: 'status500', times: Infinity }]);
    try {
      await runHubJson(['remote', 'remove', 'origin'], { cwd: direct.a, env: direct.env });
      await runHubJson(['remote', 'add', 'origin', `${proxy.url}/admin/down`], { cwd: direct.a, env: direct.env });
      const r = await runHub(['push'], { cwd: direct.a, env: direct.env });
      expect(r.code).toBe(6);
      expect(lines(r.stderr).filter((l) => l.startsWith('hub: error: '))[0]).toMatch(/LFS upload: injected/);
    } finally {
      await proxy.close();
    }
  });

  it('basic: a download cut mid-body resumes with Range from where it stopped, not from byte 0', async () => {
    const plain = await startHubServe(undefined, ['--no-chunk-transfer']);
    const proxy = await startFaultProxy(plain.url, [{ match: is('GET', '/info/lfs/objects/'), fault: 'reset-response', times: 1 }]);
    try {
      const { dir: a, env } = await localRepoWithRemote(plain, 'admin/resume', { base: proxy.url });
      makeModel(join(a, 'model.safetensors'), '8MiB', 72);
      await runHubJson(['add', '-A'], { cwd: a, env });
      await runHubJson(['commit', '-m', 'one'], { cwd: a, env });
      await runHubJson(['push'], { cwd: a, env });
      const parent = tmpDir();
      const cloned = await runHubJson(['clone', `${proxy.url}/admin/resume`, 'b'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir() } });
      const size = statSync(join(a, 'model.safetensors')).size;
      expect(sha(join(parent, 'b', 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
      const gets = proxy.log.filter((r) => r.method === 'GET' && r.url.includes('/info/lfs/objects/'));
      expect(gets).toHaveLength(2);
      expect(gets[0].range).toBeUndefined();
      const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1]);
      expect(resumedAt).toBeGreaterThan(0);
      expect(resumedAt).toBe(gets[0].received); // exactly where the cut left it
      expect(gets[0].received + gets[1].received).toBe(size); // no byte sent twice
      expect(cloned.bytesReceived).toBe(size);
    } finally {
      await proxy.close();
      await plain.stop();
    }
  });

  for (const transfer of TRANSFERS) {
    const [method, part] = ROUTES[transfer].xorbPut;
    it(`${transfer}: a push that failed part way sends, when rerun, only the xorbs the server still lacks`, async () => {
      let puts = 0;
      // the first xorb upload goes through; every later one fails (after retries: exit 6)
      const proxy = await startFaultProxy(s.url, [{ match: (req) => is(method, part)(req) && ++puts > 1, fault: 'status500', times: Infinity }]);
      try {
        const made = await localRepoWithRemote(s, `admin/half-pushed-${transfer}`, { base: proxy.url });
        const a = made.dir;
        const env = { ...made.env, ...ROUTES[transfer].env };
        const seed = transfer === 'xet' ? 73 : 83;
        makeModel(join(a, 'one.safetensors'), '4MiB', seed);
        makeModel(join(a, 'two.safetensors'), '4MiB', seed + 1);
        await runHubJson(['add', '-A'], { cwd: a, env });
        await runHubJson(['commit', '-m', 'two files'], { cwd: a, env });
        const failed = await runHub(['push'], { cwd: a, env: { ...env, HUB_RETRIES: '2' } });
        expect(failed.code).toBe(6);
        const firstRound = proxy.log.filter((r) => r.method === method && r.url.includes(part));
        const stored = firstRound[0].url; // the one that got through
        proxy.rules.length = 0;
        proxy.log.length = 0;
        const pushed = await runHubJson(['push'], { cwd: a, env });
        const secondRound = proxy.log.filter((r) => r.method === method && r.url.includes(part));
        expect(secondRound).toHaveLength(1);
        expect(secondRound[0].url).not.toBe(stored);
        expect(pushed.bytesSent).toBe(secondRound[0].sent);
        const parent = tmpDir();
        await runHubJson(['clone', `${s.url}/admin/half-pushed-${transfer}`, 'b'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir() } });
        for (const f of ['one.safetensors', 'two.safetensors']) expect(sha(join(parent, 'b', f))).toBe(sha(join(a, f)));
      } finally {
        await proxy.close();
      }
    });
  }

  it('hub-chunks: HUB_CONCURRENCY bounds the requests in flight: one at a time with 1, several at once by default', async () => {
    const repo = await localRepo(s.url, 'admin/parallel');
    const a = repo.a;
    const env = { ...repo.env, HUB_TRANSFER: 'hub-chunks' };
    makeModel(join(a, 'big.safetensors'), '40MiB', 75); // twenty 2 MiB pieces
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'big'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    for (const [concurrency, expected] of [['1', (n: number) => expect(n).toBe(1)], ['', (n: number) => expect(n).toBeGreaterThan(1)]] as const) {
      const proxy = await startFaultProxy(s.url, []);
      proxy.watch.push('/cas/v1/xorbs/');
      try {
        const parent = tmpDir();
        await runHubJson(['clone', `${proxy.url}/admin/parallel`, 'b'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir(), HUB_CONCURRENCY: concurrency } });
        expect(sha(join(parent, 'b', 'big.safetensors'))).toBe(sha(join(a, 'big.safetensors')));
        expect(proxy.log.filter((r) => r.url.includes('/cas/v1/xorbs/')).length).toBeGreaterThanOrEqual(5);
        expected(proxy.maxInFlight.get('/cas/v1/xorbs/') ?? 0);
      } finally {
        await proxy.close();
      }
    }
    const bad = await runHub(['clone', `${s.url}/admin/parallel`, 'c'], { cwd: tmpDir(), env: { ...env, HUB_CONCURRENCY: 'lots' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HUB_CONCURRENCY/);
  });

  it('xet: HUB_CONCURRENCY bounds the fetches in flight: one at a time with 1, several at once by default', async () => {
    const { dir: a, env: base } = await localRepoWithRemote(s, 'admin/parallel-xet');
    const env = { ...base, HUB_TRANSFER: 'xet' };
    for (let i = 0; i < 6; i++) makeModel(join(a, `part-${i}.safetensors`), '2MiB', 90 + i);
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'parts'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
    for (const [concurrency, expected] of [['1', (n: number) => expect(n).toBe(1)], ['', (n: number) => expect(n).toBeGreaterThan(1)]] as const) {
      const proxy = await startFaultProxy(s.url, [{ match: is('GET', '/api/xet-cas/fetch/'), fault: 'slow', times: Infinity }]);
      proxy.watch.push('/api/xet-cas/fetch/');
      try {
        const parent = tmpDir();
        await runHubJson(['clone', `${proxy.url}/admin/parallel-xet`, 'b'], { cwd: parent, env: { ...env, HUB_HOME: tmpDir(), HUB_CONCURRENCY: concurrency } });
        for (let i = 0; i < 6; i++) expect(sha(join(parent, 'b', `part-${i}.safetensors`))).toBe(sha(join(a, `part-${i}.safetensors`)));
        expect(proxy.log.filter((r) => r.url.includes('/api/xet-cas/fetch/')).length).toBeGreaterThanOrEqual(6);
        expected(proxy.maxInFlight.get('/api/xet-cas/fetch/') ?? 0);
      } finally {
        await proxy.close();
      }
    }
  });
});
