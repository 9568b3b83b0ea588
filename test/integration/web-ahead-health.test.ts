/**
 * Work computed ahead for the web pages waits until the server is quiet (web/content-pool.ts);
 * health checks do not count as requests for that (server/app.ts): a load balancer asking
 * `/api/health` every second would otherwise hold the work back for good. The server runs in
 * this process from the build (dist/, as `hub serve` runs it) with a 300 ms quiet period and
 * waits bounded at 10 minutes instead of 5 s, so the outcome does not depend on timing: with
 * health checks counted, the pushed head's statistics are never computed while they go on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http-answer.js';
import { repoRoot } from '../helpers/paths.js';
import { ID } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const CSV_V1 = 'id,name,score\n1,alpha,0.5\n2,beta,0.25\n';
const CSV_V2 = 'id,name,score\n1,alpha,0.5\n3,gamma,0.125\n';

interface Running {
  url: string;
  adminToken?: string;
  close(graceMs?: number): Promise<void>;
}

describe('health checks and work computed ahead', () => {
  let server: Running;

  beforeAll(async () => {
    const { startServer } = (await import(join(repoRoot, 'dist', 'server', 'app.js'))) as { startServer: (o: object) => Promise<Running> };
    server = await startServer({ root: tmpDir('ahead-health-'), host: '127.0.0.1', port: 0, version: 'test', log: () => {}, aheadWait: { quietMs: 300, pauseMs: 600_000 } });
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it('a pushed head\'s statistics are computed while /api/health is asked every 50 ms', async () => {
    const token = server.adminToken!;
    await runHubJson(['repo', 'create', 'admin/ahead', '--endpoint', server.url, '--token', token]);
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: token };
    const dir = tmpDir();
    const hub = (args: string[]) => runHubJson(args, { cwd: dir, env });
    await hub(['init']);
    await hub(['remote', 'add', 'origin', `${server.url}/admin/ahead`]);
    writeFileSync(join(dir, 'data.csv'), CSV_V1);
    await hub(['add', '-A']);
    await hub(['commit', '-m', 'first']);
    writeFileSync(join(dir, 'data.csv'), CSV_V2);
    await hub(['add', '-A']);
    const head = (await hub(['commit', '-m', 'head'])).commit as string;
    let asking = true;
    let answered = 0;
    const health = (async () => {
      while (asking) {
        expect((await http(`${server.url}/api/health`)).status).toBe(200);
        answered++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await hub(['push']);
      // the page itself is a request: the work goes on 300 ms after it, health checks or not
      let page = '';
      for (let i = 0; i < 40 && !page.includes('content read:'); i++) {
        await new Promise((r) => setTimeout(r, 1500));
        page = (await http(`${server.url}/admin/ahead/commit/${head}`)).text;
      }
      expect(page).toContain('content read:');
      expect(page).toContain('gamma'); // the row the head added, from the comparison computed ahead
      expect(answered, 'health checks went on throughout').toBeGreaterThan(10);
    } finally {
      asking = false;
      await health;
    }
  });
});
