import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';

const LFS = 'application/vnd.git-lfs+json';
type Who = 'anonymous' | 'alice-read' | 'alice-write' | 'bob-read' | 'bob-write' | 'wrong-token';
type Repo = 'alice/pub' | 'alice/priv' | 'alice/missing';
type Op = 'git fetch' | 'git push' | 'lfs download' | 'lfs upload' | 'repo api';

// The issue's access-control matrix (src/server/access.ts), written out cell by cell.
const WRITE_OPS: readonly Op[] = ['git push', 'lfs upload'];
function expected(who: Who, repo: Repo, op: Op): number {
  const write = WRITE_OPS.includes(op);
  if (who === 'wrong-token') return 401;
  if (who === 'anonymous') return repo === 'alice/pub' && !write ? 200 : 401;
  const alice = who.startsWith('alice');
  const canWrite = who.endsWith('write');
  if (repo === 'alice/missing') return 404;
  if (repo === 'alice/priv' && !alice) return 404;
  if (!write) return 200;
  if (!canWrite) return 403;
  return alice ? 200 : 403;
}

describe('access-control matrix of hub serve over HTTP', () => {
  let s: TestServer;
  const tokens: Partial<Record<Who, string>> = {};
  const marker = Buffer.from('PRIVATE-MARKER-'.repeat(400)).subarray(0, 5000);
  const markerOid = createHash('sha256').update(marker).digest('hex');

  beforeAll(async () => {
    s = await startHubServe();
    for (const [who, user, write] of [['alice-read', 'alice', false], ['alice-write', 'alice', true], ['bob-read', 'bob', false], ['bob-write', 'bob', true]] as const) {
      tokens[who] = (await runHubJson(['token', 'create', '--root', s.root, '--user', user, ...(write ? ['--write'] : [])])).token;
    }
    tokens['wrong-token'] = 'hub_notarealtoken';
    await runHubJson(['repo', 'create', 'alice/pub', '--endpoint', s.url, '--token', s.adminToken]);
    await runHubJson(['repo', 'create', 'alice/priv', '--private', '--endpoint', s.url, '--token', s.adminToken]);
    const put = await request(`${s.url}/alice/priv.git/info/lfs/objects/${markerOid}`, { method: 'PUT', headers: { authorization: `Bearer ${tokens['alice-write']}` }, body: marker });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
  });
  afterAll(async () => s?.stop());

  async function attempt(who: Who, repo: Repo, op: Op): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    const auth = tokens[who] ? { authorization: who === 'bob-read' ? `Basic ${Buffer.from(`bob:${tokens[who]}`).toString('base64')}` : `Bearer ${tokens[who]}` } : {};
    const lfsBody = (operation: string) => JSON.stringify({ operation, transfers: ['basic'], objects: [{ oid: markerOid, size: marker.length }] });
    const req =
      op === 'git fetch' ? request(`${s.url}/${repo}.git/info/refs?service=git-upload-pack`, { headers: auth })
      : op === 'git push' ? request(`${s.url}/${repo}.git/info/refs?service=git-receive-pack`, { headers: auth })
      : op === 'repo api' ? request(`${s.url}/api/models/${repo}`, { headers: auth })
      : request(`${s.url}/${repo}.git/info/lfs/objects/batch`, { method: 'POST', headers: { ...auth, accept: LFS, 'content-type': LFS }, body: lfsBody(op === 'lfs upload' ? 'upload' : 'download') });
    const r = await req;
    return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
  }

  const whos: Who[] = ['anonymous', 'alice-read', 'alice-write', 'bob-read', 'bob-write', 'wrong-token'];
  const repos: Repo[] = ['alice/pub', 'alice/priv', 'alice/missing'];
  const ops: Op[] = ['git fetch', 'git push', 'lfs download', 'lfs upload', 'repo api'];

  it('gives every identity exactly the expected status for every operation on every repository', async () => {
    const wrong: string[] = [];
    for (const who of whos) {
      for (const repo of repos) {
        for (const op of ops) {
          const want = expected(who, repo, op);
          const r = await attempt(who, repo, op);
          if (r.status !== want) wrong.push(`${who} x ${repo} x ${op}: expected ${want}, got ${r.status} ${r.body.slice(0, 120)}`);
          if (r.status === 401) {
            const header = op.startsWith('lfs') ? r.headers['lfs-authenticate'] : r.headers['www-authenticate'];
            if (!String(header ?? '').includes('realm')) wrong.push(`${who} x ${repo} x ${op}: 401 without an authenticate header`);
          }
          if (r.status >= 400 && (r.body.includes('priv') || r.body.includes('PRIVATE-MARKER'))) wrong.push(`${who} x ${repo} x ${op}: error body leaks: ${r.body.slice(0, 200)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('lets readers download the private object and nobody else, byte for byte', async () => {
    for (const who of whos) {
      const r = await attempt(who, 'alice/priv', 'lfs download');
      if (r.status !== 200) continue;
      const obj = JSON.parse(r.body).objects[0];
      const got = await request(obj.actions.download.href, { headers: obj.actions.download.header });
      const bytes = Buffer.from(await got.body.arrayBuffer());
      expect(bytes.equals(marker), who).toBe(true);
    }
    // the object URL itself is guarded too
    const direct = await request(`${s.url}/alice/priv.git/info/lfs/objects/${markerOid}`, { headers: { authorization: `Bearer ${tokens['bob-write']}` } });
    expect(direct.statusCode).toBe(404);
    expect(await direct.body.text()).not.toContain('PRIVATE-MARKER');
    const anon = await request(`${s.url}/alice/priv.git/info/lfs/objects/${markerOid}`);
    expect(anon.statusCode).toBe(401);
    expect(await anon.body.text()).not.toContain('PRIVATE-MARKER');
  });
});
