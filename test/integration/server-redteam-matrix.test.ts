/**
 * The red team's access matrix (issue 11), against one live `hub serve`: four callers (anonymous;
 * `other`, a user with a write token and no membership; `member`, a read-only member with a write
 * token; `owner`, with a write token) × a public and a private repository × every route family
 * (git smart HTTP, the LFS batch API and object URLs, the chunk API, the HF read and write APIs,
 * repository creation and deletion, tokens). Every cell answers exactly the status of the table;
 * a private repository looks missing (404, or 401 to anonymous callers on git and LFS routes, so
 * clients ask for credentials) to whoever may not read it. And /api/health stays responsive
 * throughout (the same bounds as server-attacks.test.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMembers } from '../helpers/server-metadata.js';
import { startHealthProbe, wallClockBound } from '../helpers/health-probe.js';
import { http, type Answer } from '../helpers/http-answer.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { runHubJson } from '../helpers/run-hub.js';

type Who = 'anonymous' | 'other' | 'member' | 'owner';
const WHO: Who[] = ['anonymous', 'other', 'member', 'owner'];
type Vis = 'pub' | 'priv';
const LFS = 'application/vnd.git-lfs+json';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** What one route family needs to send a request as `token` to the repository `alice/<repo>`. */
interface Family {
  name: string;
  /** Statuses in the order anonymous/pub, anonymous/priv, other/pub, other/priv, member/pub, member/priv, owner/pub, owner/priv. */
  expect: [number, number, number, number, number, number, number, number];
  send: (vis: Vis, who: Who) => Promise<Answer>;
}

describe("the red team's access matrix on hub serve (issue 11)", () => {
  let server: TestServer;
  const tokens = {} as Record<Exclude<Who, 'anonymous'>, string>;
  /** Per repository: its held LFS object, a xorb of it, its manifest as the chunk API returns it. */
  const objects = {} as Record<Vis, { bytes: Buffer; oid: string; xorb: string; xorbBytes: Buffer; manifest: unknown }>;
  /** Token ids of spare tokens of alice, one per column the owner revokes. */
  const spare = {} as Record<Vis, number>;

  const auth = (who: Who): Record<string, string> => (who === 'anonymous' ? {} : { authorization: `Bearer ${tokens[who]}` });
  const repo = (vis: Vis) => `alice/${vis}`;
  const git = (vis: Vis) => `${server.url}/${repo(vis)}.git`;
  const cas = (vis: Vis) => `${git(vis)}/info/lfs/cas/v1`;
  const batch = (vis: Vis, who: Who, operation: string, transfers = ['basic']) =>
    http(`${git(vis)}/info/lfs/objects/batch`, { method: 'POST', headers: { ...auth(who), accept: LFS, 'content-type': LFS }, body: JSON.stringify({ operation, transfers, objects: [{ oid: objects[vis].oid, size: objects[vis].bytes.length }] }) });
  const ndjson = (ops: unknown[]) => [{ key: 'header', value: { summary: 'matrix' } }, ...ops].map((o) => JSON.stringify(o)).join('\n');
  let commits = 0;

  const READ: Family['expect'] = [200, 401, 200, 404, 200, 200, 200, 200];
  const HF_READ: Family['expect'] = [200, 404, 200, 404, 200, 200, 200, 200];
  const WRITE: Family['expect'] = [401, 401, 403, 404, 403, 403, 200, 200];
  const HF_WRITE: Family['expect'] = [401, 404, 403, 404, 403, 403, 200, 200];

  const FAMILIES: Family[] = [
    { name: 'git info/refs (upload-pack)', expect: READ, send: (v, w) => http(`${git(v)}/info/refs?service=git-upload-pack`, { headers: auth(w) }) },
    { name: 'git-upload-pack POST', expect: READ, send: (v, w) => http(`${git(v)}/git-upload-pack`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/x-git-upload-pack-request' }, body: '0000' }) },
    { name: 'git info/refs (receive-pack)', expect: WRITE, send: (v, w) => http(`${git(v)}/info/refs?service=git-receive-pack`, { headers: auth(w) }) },
    { name: 'git-receive-pack POST', expect: WRITE, send: (v, w) => http(`${git(v)}/git-receive-pack`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/x-git-receive-pack-request' }, body: '0000' }) },
    { name: 'LFS batch download', expect: READ, send: (v, w) => batch(v, w, 'download') },
    { name: 'LFS batch upload', expect: WRITE, send: (v, w) => batch(v, w, 'upload') },
    { name: 'LFS object GET', expect: READ, send: (v, w) => http(`${git(v)}/info/lfs/objects/${objects[v].oid}`, { headers: auth(w) }) },
    { name: 'LFS object PUT', expect: WRITE, send: (v, w) => http(`${git(v)}/info/lfs/objects/${objects[v].oid}`, { method: 'PUT', headers: auth(w), body: objects[v].bytes }) },
    { name: 'LFS verify', expect: WRITE, send: (v, w) => http(`${git(v)}/info/lfs/objects/${objects[v].oid}/verify`, { method: 'POST', headers: { ...auth(w), 'content-type': LFS }, body: JSON.stringify({ oid: objects[v].oid, size: objects[v].bytes.length }) }) },
    { name: 'chunks missing', expect: WRITE, send: (v, w) => http(`${cas(v)}/chunks/missing`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/json' }, body: '{"chunks":[]}' }) },
    { name: 'xorb GET', expect: READ, send: (v, w) => http(`${cas(v)}/xorbs/${objects[v].xorb}`, { headers: auth(w) }) },
    { name: 'xorb PUT', expect: WRITE, send: (v, w) => http(`${cas(v)}/xorbs/${objects[v].xorb}`, { method: 'PUT', headers: auth(w), body: objects[v].xorbBytes }) },
    { name: 'reconstruction GET', expect: READ, send: (v, w) => http(`${cas(v)}/reconstructions/${objects[v].oid}`, { headers: auth(w) }) },
    { name: 'reconstruction POST', expect: WRITE, send: (v, w) => http(`${cas(v)}/reconstructions/${objects[v].oid}`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/json' }, body: JSON.stringify(objects[v].manifest) }) },
    { name: 'HF repo info', expect: HF_READ, send: (v, w) => http(`${server.url}/api/models/${repo(v)}`, { headers: auth(w) }) },
    { name: 'HF tree', expect: HF_READ, send: (v, w) => http(`${server.url}/api/models/${repo(v)}/tree/main`, { headers: auth(w) }) },
    { name: 'HF paths-info', expect: HF_READ, send: (v, w) => http(`${server.url}/api/models/${repo(v)}/paths-info/main`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/json' }, body: '{"paths":["README.md"]}' }) },
    { name: 'HF resolve', expect: HF_READ, send: (v, w) => http(`${server.url}/${repo(v)}/resolve/main/README.md`, { headers: auth(w) }) },
    { name: 'HF preupload', expect: HF_WRITE, send: (v, w) => http(`${server.url}/api/models/${repo(v)}/preupload/main`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/json' }, body: '{"files":[{"path":"a.txt","size":1}]}' }) },
    {
      name: 'HF commit',
      expect: HF_WRITE,
      send: (v, w) => http(`${server.url}/api/models/${repo(v)}/commit/main`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/x-ndjson' }, body: ndjson([{ key: 'file', value: { path: `by-${w}-${commits++}.txt`, content: 'eA==', encoding: 'base64' } }]) }),
    },
    {
      name: 'repo create',
      expect: [401, 401, 403, 403, 403, 403, 200, 200],
      send: (v, w) => http(`${server.url}/api/repos/create`, { method: 'POST', headers: { ...auth(w), 'content-type': 'application/json' }, body: JSON.stringify({ name: `made-${v}-${w}`, organization: 'alice', private: v === 'priv' }) }),
    },
    {
      name: 'repo delete',
      expect: [401, 401, 403, 404, 403, 403, 200, 200],
      send: (v, w) => http(`${server.url}/api/repos/delete`, { method: 'DELETE', headers: { ...auth(w), 'content-type': 'application/json' }, body: JSON.stringify({ name: `del-${v}`, organization: 'alice', type: 'model' }) }),
    },
    { name: 'token list', expect: [401, 401, 200, 200, 200, 200, 200, 200], send: (_v, w) => http(`${server.url}/api/tokens`, { headers: auth(w) }) },
    { name: "token revoke (alice's)", expect: [401, 401, 404, 404, 404, 404, 200, 200], send: (v, w) => http(`${server.url}/api/tokens/${spare[v]}`, { method: 'DELETE', headers: auth(w) }) },
  ];

  beforeAll(async () => {
    server = await startHubServe();
    for (const [who, user] of [['owner', 'alice'], ['other', 'bob'], ['member', 'carol']] as const) {
      tokens[who] = (await runHubJson(['token', 'create', '--root', server.root, '--user', user, '--write'])).token;
    }
    // two spare (read-only) tokens of alice, for the owner to revoke
    for (let i = 0; i < 2; i++) await runHubJson(['token', 'create', '--root', server.root, '--user', 'alice']);
    const listed = (await runHubJson(['token', 'list', '--root', server.root, '--user', 'alice'])).tokens as Array<{ id: number; write: boolean }>;
    [spare.pub, spare.priv] = listed.filter((t) => !t.write).map((t) => t.id);
    for (const name of ['pub', 'priv', 'del-pub', 'del-priv']) {
      await runHubJson(['repo', 'create', `alice/${name}`, ...(name.endsWith('priv') ? ['--private'] : []), '--endpoint', server.url, '--token', tokens.owner]);
    }
    await addMembers(server, 'alice', ['pub', 'priv', 'del-pub', 'del-priv'], 'carol', false);
    for (const vis of ['pub', 'priv'] as const) {
      const bytes = randomBytes(70_000);
      objects[vis] = { bytes, oid: sha256(bytes), xorb: '', xorbBytes: Buffer.alloc(0), manifest: undefined };
      const b = await batch(vis, 'owner', 'upload');
      const up = b.json.objects[0].actions.upload;
      expect((await http(up.href, { method: 'PUT', headers: up.header, body: bytes })).status).toBe(200);
      const recon = await http(`${cas(vis)}/reconstructions/${objects[vis].oid}`, { headers: auth('owner') });
      expect(recon.status, recon.text).toBe(200);
      const xorb = recon.json.terms[0].xorb as string;
      const whole = await http(`${cas(vis)}/xorbs/${xorb}`, { headers: auth('owner') });
      expect(whole.status).toBe(200);
      objects[vis].xorb = xorb;
      objects[vis].xorbBytes = whole.body;
      objects[vis].manifest = { version: 1, oid: objects[vis].oid, size: bytes.length, xetHash: recon.json.xetHash, terms: recon.json.terms.map((t: Record<string, unknown>) => ({ xorb: t.xorb, chunkStart: t.chunkStart, chunkEnd: t.chunkEnd, bytes: t.bytes })) };
      const readme = await http(`${server.url}/api/models/${repo(vis)}/commit/main`, { method: 'POST', headers: { ...auth('owner'), 'content-type': 'application/x-ndjson' }, body: ndjson([{ key: 'file', value: { path: 'README.md', content: 'aGk=', encoding: 'base64' } }]) });
      expect(readme.status, readme.text).toBe(200);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers every caller × repository × route family exactly as the table says, and stays responsive', async () => {
    const probe = await startHealthProbe(server.url);
    const logBefore = server.stderr().length;
    const got: string[] = [];
    const want: string[] = [];
    try {
      for (const family of FAMILIES) {
        let column = 0;
        for (const who of WHO) {
          for (const vis of ['pub', 'priv'] as const) {
            const a = await family.send(vis, who);
            const cell = `${family.name} | ${who} | ${vis}`;
            got.push(`${cell} -> ${a.status}`);
            want.push(`${cell} -> ${family.expect[column++]}`);
            if (a.status >= 400) {
              // a refusal is one JSON line; a hidden repository is never named in it
              expect(a.json?.error, `${cell}: ${a.text}`).toBeTypeOf('string');
              expect(a.json.error).not.toContain('\n');
              if (vis === 'priv' && (a.status === 404 || a.status === 401)) expect(a.text.toLowerCase(), cell).not.toContain('priv');
            }
            if (a.status === 401) expect(String(a.headers['www-authenticate']), cell).toMatch(/Bearer realm=/);
          }
        }
      }
    } finally {
      const report = await probe.stop();
      const late = server.stderr().slice(logBefore).split('\n').filter((l) => l.includes('"event loop late"')).map((l) => JSON.parse(l) as { ms: number; cpuMs?: number });
      console.log(`matrix: ${got.length} cells; health max ${report.max.toFixed(1)} ms, p99 ${report.p99.toFixed(1)} ms over ${report.count} probes; late ticks (ms/cpu ms): ${late.map((l) => `${l.ms}/${l.cpuMs}`).join(', ') || 'none'}`);
      expect(report.failures).toBe(0);
      expect(Math.max(0, ...late.map((l) => l.cpuMs ?? l.ms)), "longest hold of the event loop by the server's own work (ms)").toBeLessThan(100);
      const bound = wallClockBound('matrix');
      if (bound !== undefined) expect(report.max, 'slowest /api/health (ms)').toBeLessThan(bound);
    }
    expect(got).toEqual(want);
    expect(got.length).toBe(FAMILIES.length * 8);
  });
});
