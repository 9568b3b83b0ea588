/**
 * A git request that waits for a slot and is answered meanwhile (the idle timeout's 408 for a
 * stalled body) or whose client goes away leaves the queue and never runs. Before, it ran once a
 * slot freed: git http-backend waited for a body that would never come, its slot was never given
 * back, and every later git request of that client hung (found by a CI run that saw one git
 * process outlive server-attacks.test.ts's stalled requests).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';

/** The `git http-backend` processes whose parent is `pid`. */
function backendsUnder(pid: number): number {
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('http-backend')) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

/** Sends `head` and two bytes of a 1000-byte body, then nothing; resolves with the status line (or 'cut') once the server closes. */
function stalledRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}00`));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'cut'));
  });
}

describe('git requests waiting for a slot', () => {
  let server: TestServer;
  beforeAll(async () => {
    // one git request at a time per client (a quarter of 4), an idle timeout of 2 s
    server = await startHubServe(undefined, ['--max-git', '4', '--idle-timeout', '2']);
    await runHubJson(['repo', 'create', 'admin/pub', '--endpoint', server.url, '--token', server.adminToken]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a stalled one answered 408 while it waited never runs: the client\'s next git request is served at once', async () => {
    const port = Number(new URL(server.url).port);
    const head = 'POST /admin/pub.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 1000\r\n\r\n';
    // one runs, the others wait for its slot; all stall
    const statuses = await Promise.all(Array.from({ length: 4 }, () => stalledRequest(port, head)));
    expect(statuses.filter((s) => s === '408').length, statuses.join(' ')).toBeGreaterThanOrEqual(2);
    const started = Date.now();
    const r = await fetch(`${server.url}/admin/pub.git/info/refs?service=git-upload-pack`, { signal: AbortSignal.timeout(10_000) });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('# service=git-upload-pack');
    expect(Date.now() - started, 'ms to answer the next request').toBeLessThan(5_000);
    // and nothing of the stalled ones is left running
    for (let i = 0; i < 250 && backendsUnder(server.child.pid!) > 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(backendsUnder(server.child.pid!)).toBe(0);
  });
});
