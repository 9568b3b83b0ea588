// A hub-chunks push asks the server which xorbs it holds whole before asking about chunks: a new
// revision's question then names the unchanged xorbs once each and only the new xorbs' chunks. A
// server that does not answer the xorb question (one from before it, stood in for by dropping
// "held" from the real server's answer) gets every chunk asked about, as before, and the push
// sends only the new revision's xorb either way.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const asking = (req: IncomingMessage) => req.method === 'POST' && (req.url ?? '').endsWith('/chunks/missing');
/** Request body bytes of the chunk questions among requests [from, to) of the log. */
const askedBytes = (p: FaultProxy, from: number, to = p.log.length) => p.log.slice(from, to).filter((r) => r.method === 'POST' && r.url.endsWith('/chunks/missing')).reduce((n, r) => n + r.sent, 0);

describe('hub push: which xorbs the server holds, asked before chunks', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startHubServe();
  });
  afterAll(async () => s?.stop());

  /** Pushes rev1 then rev2 of the same model through a proxy; the question bytes and push answers of each. */
  async function twoPushes(repo: string, seed: number, rules: FaultRule[]) {
    const proxy = await startFaultProxy(s.url, rules);
    try {
      const { dir, env } = await localRepoWithRemote(s, repo, { base: proxy.url });
      const model = join(dir, 'model.safetensors');
      makeModel(model, '8MiB', seed);
      await runHubJson(['add', '-A'], { cwd: dir, env });
      await runHubJson(['commit', '-m', 'rev1'], { cwd: dir, env });
      const first = await runHubJson(['push'], { cwd: dir, env: { ...env, HUB_TRANSFER: 'hub-chunks' } });
      const between = proxy.log.length;
      mutateModel(model, join(dir, 'next'), 0.1, seed + 1);
      renameSync(join(dir, 'next'), model);
      await runHubJson(['add', '-A'], { cwd: dir, env });
      await runHubJson(['commit', '-m', 'rev2'], { cwd: dir, env });
      const second = await runHubJson(['push'], { cwd: dir, env: { ...env, HUB_TRANSFER: 'hub-chunks' } });
      const clone = tmpDir();
      await runHubJson(['clone', `${s.url}/${repo}`, 'b'], { cwd: clone, env: { ...env, HUB_HOME: tmpDir() } });
      expect(sha(join(clone, 'b', 'model.safetensors'))).toBe(sha(model));
      return { first, second, asked1: askedBytes(proxy, 0, between), asked2: askedBytes(proxy, between) };
    } finally {
      await proxy.close();
    }
  }

  it('rev2 asks about its unchanged xorb once, not chunk by chunk; without the answer every chunk is asked about, and rev2 sends only its new xorb either way', async () => {
    const held = await twoPushes('admin/held', 131, []);
    const dropHeld: FaultRule = {
      match: asking,
      fault: 'transform',
      times: Infinity,
      transform: (body) => {
        const answer = JSON.parse(body.toString()) as Record<string, unknown>;
        delete answer.held;
        return Buffer.from(JSON.stringify(answer));
      },
    };
    const old = await twoPushes('admin/held-old', 141, [dropHeld]) // other content: the server would have the first's;
    expect(dropHeld.hits).toBeGreaterThan(0);

    for (const r of [held, old]) expect(r.second).toMatchObject({ transfer: 'hub-chunks', objects: { uploaded: 1 } });
    // either way rev2 sends its new chunks' xorb, not the model again
    for (const r of [held, old]) {
      expect(r.second.bytesSent as number).toBeGreaterThan(0);
      expect(r.second.bytesSent as number).toBeLessThan((r.first.bytesSent as number) / 2);
    }
    // rev1 has nothing on the server: every chunk is asked about either way (~67 bytes of JSON each)
    for (const r of [held, old]) expect(r.asked1).toBeGreaterThan(60 * 100);
    // rev2: the unchanged xorb is named once where each of its chunks was
    expect(held.asked2).toBeLessThan(held.asked1 / 2);
    expect(old.asked2).toBeGreaterThanOrEqual(old.asked1 * 0.9);
  });
});
