/**
 * Issue 12 point 6: a remote that answers garbage (a captive portal's login page with status
 * 200, HTML where the LFS or chunk API should answer, truncated JSON) is a protocol error: exit
 * 6, one line naming the URL that answered and what was expected, never "unexpected".
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient } from '../helpers/git-client.js';
import { PORTAL_PAGE, startFaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel } from '../helpers/make-model.js';
import { localRepoWithRemote, ID } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson, type HubResult } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Exit 6 and exactly one stderr line (run with -q): the error, naming a URL under `origin` and `what` it answered. */
function expectProtocolError(r: HubResult, origin: string, urlPart: RegExp, label: string): void {
  expect(r.code, `${label}: ${r.stderr}`).toBe(6);
  const all = lines(r.stderr);
  expect(all, `${label}: ${r.stderr}`).toHaveLength(1);
  expect(all[0], label).toMatch(/^hub: error: /);
  expect(all[0], label).not.toMatch(/unexpected|TypeError|Cannot read/i);
  const url = /(http:\/\/\S+?)(?=:? )/.exec(all[0])?.[1] ?? '';
  expect(url.startsWith(origin), `${label}: ${all[0]}`).toBe(true);
  expect(url, label).toMatch(urlPart);
}

describe('a captive portal that answers every request with a login page (HTML, status 200)', () => {
  let portal: Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    portal = createServer((req: IncomingMessage, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PORTAL_PAGE);
      });
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => portal.close(() => resolve())));

  it('clone, download, login and whoami exit 6 with one line naming the URL', async () => {
    const cwd = tmpDir();
    const env = { HUB_HOME: tmpDir() };
    const runs: Array<[string, string[], Record<string, string>, RegExp]> = [
      ['clone', ['clone', `${url}/acme/llama`, 'llama'], {}, /\/acme\/llama\/info\/refs\?service=git-upload-pack$/],
      ['download URL', ['download', `${url}/acme/llama`], {}, /\/acme\/llama\/info\/refs/],
      ['download OWNER/NAME', ['download', 'acme/llama'], { HUB_ENDPOINT: url }, /\/acme\/llama\/info\/refs/],
      ['login', ['login', '--token', 'hub_x', '--endpoint', url], {}, /\/api\/whoami-v2$/],
      ['whoami', ['whoami', '--endpoint', url], { HUB_TOKEN: 'hub_x' }, /\/api\/whoami-v2$/],
    ];
    for (const [label, args, extra, urlPart] of runs) {
      const r = await runHub(['-q', ...args], { cwd, env: { ...env, ...extra } });
      expectProtocolError(r, url, urlPart, label);
      expect(r.stderr, label).toContain('answered an HTML page');
    }
    expect(existsSync(join(cwd, 'llama')), 'a failed clone leaves no folder').toBe(false);
    const json = await runHub(['clone', `${url}/acme/llama`, 'x', '--json'], { cwd, env });
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'bad_response', exitCode: 6, data: { url: `${url}/acme/llama/info/refs?service=git-upload-pack` } });
    expect(seen.length).toBeGreaterThanOrEqual(runs.length);
  });

  it('push, fetch and pull exit 6 with one line naming the URL', async () => {
    const dir = tmpDir();
    const env = { ...ID, HUB_HOME: tmpDir() };
    await runHubJson(['init'], { cwd: dir, env });
    writeFileSync(join(dir, 'config.json'), '{}\n');
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: dir, env });
    await runHubJson(['remote', 'add', 'origin', `${url}/acme/llama`], { cwd: dir, env });
    for (const cmd of ['push', 'fetch', 'pull']) {
      const r = await runHub(['-q', cmd], { cwd: dir, env });
      expectProtocolError(r, url, /\/acme\/llama\/info\/refs\?service=git-(upload|receive)-pack$/, cmd);
    }
  });
});

describe('a server that speaks git but whose LFS and chunk answers are garbage', () => {
  let s: TestServer;
  let a: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    s = await startHubServe();
    ({ dir: a, env } = await localRepoWithRemote(s, 'admin/garbled'));
    makeModel(join(a, 'model.safetensors'), '2MiB', 12);
    writeFileSync(join(a, 'config.json'), '{}\n');
    await runHubJson(['add', '-A'], { cwd: a, env });
    await runHubJson(['commit', '-m', 'one'], { cwd: a, env });
    await runHubJson(['push'], { cwd: a, env });
  });
  afterAll(async () => s?.stop());

  const lfs = (req: IncomingMessage) => (req.url ?? '').includes('/info/lfs/');
  const at = (method: string, part: string) => (req: IncomingMessage) => req.method === method && (req.url ?? '').includes(part);

  /** Runs `fn` with a proxy in front of the server that applies `rules` (always). */
  async function through(rules: Array<Omit<FaultRule, 'times'>>, fn: (base: string) => Promise<void>): Promise<void> {
    const proxy = await startFaultProxy(s.url, rules.map((r) => ({ ...r, times: Infinity })));
    try {
      await fn(proxy.url);
    } finally {
      await proxy.close();
    }
  }

  it('HTML for the LFS batch API: clone, download and push exit 6 naming the batch URL', async () => {
    await through([{ match: lfs, fault: 'portal' }], async (base) => {
      const cwd = tmpDir();
      const fresh = { ...env, HUB_HOME: tmpDir() };
      const batch = /\/admin\/garbled\.git\/info\/lfs\/objects\/batch$/;
      expectProtocolError(await runHub(['-q', 'clone', `${base}/admin/garbled`, 'b'], { cwd, env: fresh }), base, batch, 'clone');
      expect(existsSync(join(cwd, 'b'))).toBe(false);
      expectProtocolError(await runHub(['-q', 'download', `${base}/admin/garbled`, '--local-dir', join(cwd, 'd')], { cwd, env: fresh }), base, batch, 'download');
      // a second repository whose content the server lacks, pushed through the portal
      const other = await localRepoWithRemote(s, 'admin/garbled-push', { base });
      makeModel(join(other.dir, 'model.safetensors'), '1MiB', 13);
      await runHubJson(['add', '-A'], { cwd: other.dir, env: other.env });
      await runHubJson(['commit', '-m', 'one'], { cwd: other.dir, env: other.env });
      expectProtocolError(await runHub(['-q', 'push'], { cwd: other.dir, env: other.env }), base, /\/admin\/garbled-push\.git\/info\/lfs\/objects\/batch$/, 'push');
    });
  });

  it('a batch answer cut in half (complete on the wire, not valid JSON): exit 6 naming the batch URL', async () => {
    await through([{ match: at('POST', '/objects/batch'), fault: 'half-body' }], async (base) => {
      const r = await runHub(['-q', 'clone', `${base}/admin/garbled`, 'b'], { cwd: tmpDir(), env: { ...env, HUB_HOME: tmpDir() } });
      expectProtocolError(r, base, /\/objects\/batch$/, 'clone');
      expect(r.stderr).toContain('invalid or truncated JSON');
    });
  });

  it('HTML for a chunk reconstruction or a xorb range (Xet and hub-chunks): exit 6 naming that URL', async () => {
    for (const [part, urlPart, transfer] of [
      ['/api/xet-cas/v2/reconstructions/', /\/api\/xet-cas\/v2\/reconstructions\/[0-9a-f]{64}$/, 'xet'],
      ['/api/xet-cas/fetch/', /\/api\/xet-cas\/fetch\/[0-9a-f]{64}\?/, 'xet'],
      ['/cas/v1/reconstructions/', /\/cas\/v1\/reconstructions\/[0-9a-f]{64}$/, 'hub-chunks'],
      ['/cas/v1/xorbs/', /\/cas\/v1\/xorbs\/[0-9a-f]{64}/, 'hub-chunks'],
    ] as const) {
      await through([{ match: at('GET', part), fault: 'portal' }], async (base) => {
        const r = await runHub(['-q', 'clone', `${base}/admin/garbled`, 'b'], { cwd: tmpDir(), env: { ...env, HUB_HOME: tmpDir(), HUB_TRANSFER: transfer } });
        expectProtocolError(r, base, urlPart, part);
      });
    }
  });

  it('HTML for a registration (POST reconstructions, two lines or one): push exits 6 naming its URL, and sends no history', async () => {
    await through([{ match: at('POST', '/cas/v1/reconstructions/'), fault: 'portal' }], async (base) => {
      const other = await localRepoWithRemote(s, 'admin/garbled-register', { base });
      makeModel(join(other.dir, 'model.safetensors'), '1MiB', 14);
      await runHubJson(['add', '-A'], { cwd: other.dir, env: other.env });
      await runHubJson(['commit', '-m', 'one'], { cwd: other.dir, env: other.env });
      const r = await runHub(['-q', 'push'], { cwd: other.dir, env: { ...other.env, HUB_TRANSFER: 'hub-chunks' } });
      expectProtocolError(r, base, /\/admin\/garbled-register\.git\/info\/lfs\/cas\/v1\/reconstructions\/[0-9a-f]{64}$/, 'push');
      expect(gitClient().run(tmpDir(), 'ls-remote', authUrl(new URL(s.url).host, '/admin/garbled-register', s.adminToken))).toBe('');
    });
  });

  it('a chunk reconstruction naming a chunk hash that is not 64 hex digits, or one hash too few: exit 6 naming its URL', async () => {
    // the client packs each term's hashes as the answer is parsed (hash/chunk-hash-list.ts)
    const damage = [
      ['a hash in capitals', (doc: { terms: Array<{ hashes: string[] }> }) => void (doc.terms[0].hashes[0] = doc.terms[0].hashes[0].toUpperCase()), 'chunk hashes are not all 64 hex digits'],
      ['a hash cut short', (doc: { terms: Array<{ hashes: string[] }> }) => void (doc.terms[0].hashes[1] = doc.terms[0].hashes[1].slice(1)), 'chunk hashes are not all 64 hex digits'],
      ['one hash too few', (doc: { terms: Array<{ hashes: string[] }> }) => void doc.terms[0].hashes.pop(), 'chunk list does not match'],
    ] as const;
    for (const [label, change, message] of damage) {
      const transform = (body: Buffer): Buffer => {
        const doc = JSON.parse(body.toString('utf8'));
        change(doc);
        return Buffer.from(JSON.stringify(doc));
      };
      await through([{ match: at('GET', '/cas/v1/reconstructions/'), fault: 'transform', transform }], async (base) => {
        const r = await runHub(['-q', 'clone', `${base}/admin/garbled`, 'b'], { cwd: tmpDir(), env: { ...env, HUB_HOME: tmpDir(), HUB_TRANSFER: 'hub-chunks' } });
        expectProtocolError(r, base, /\/cas\/v1\/reconstructions\/[0-9a-f]{64}$/, label);
        expect(r.stderr, label).toContain(message);
      });
    }
  });

  it('HTML for the Hugging Face tree listing of a server without git routes: download exits 6 naming it', async () => {
    const git = (req: IncomingMessage) => /\/info\/refs|git-upload-pack|git-receive-pack/.test(req.url ?? '');
    await through([{ match: git, fault: 'status404' }, { match: at('GET', '/tree/'), fault: 'portal' }], async (base) => {
      const r = await runHub(['-q', 'download', `${base}/admin/garbled`, '--local-dir', tmpDir()], { env: { ...env, HUB_HOME: tmpDir() } });
      expectProtocolError(r, base, /\/api\/models\/admin\/garbled\/tree\/[0-9a-f]{40}\?recursive=true$/, 'download');
    });
  });
});
