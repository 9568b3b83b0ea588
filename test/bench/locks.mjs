#!/usr/bin/env node
// Git LFS file locks on `hub serve` (issue 15): what the API costs with many locks, against the
// same server's GET /api/health round trip measured in the same run. A fresh server gets
// HUB_BENCH_LOCKS (default 1000) locks in one repository, then the bench times creating them,
// `POST locks/verify` through every page (limit 100, what `hub push` and git-lfs's pre-push do)
// and one `GET locks?limit=1000` page, as medians of HUB_BENCH_RUNS (default 5) runs.
// Creating a lock is one IMMEDIATE SQLite transaction with synchronous=FULL (an fsync).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { startServer } from './hub-serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hub = join(root, 'bin/hub.js');
const count = Number(process.env.HUB_BENCH_LOCKS ?? 1000);
const runs = Number(process.env.HUB_BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'hub-bench-locks-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer(hub, join(dir, 'root'), { ...process.env });
try {
  const made = spawnSync(process.execPath, [hub, 'repo', 'create', 'admin/locks', '--endpoint', server.url, '--token', server.token], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  const base = `${server.url}/admin/locks.git/info/lfs/locks`;
  const headers = { accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json', authorization: `Bearer ${server.token}` };
  const timed = async (fn) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const health = [];
  for (let i = 0; i < 20 * runs; i++) health.push(await timed(async () => (await fetch(`${server.url}/api/health`)).text()));
  const creates = [];
  for (let i = 0; i < count; i++) {
    creates.push(
      await timed(async () => {
        const r = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ path: `weights/shard-${String(i).padStart(6, '0')}.safetensors` }) });
        if (r.status !== 201) throw new Error(`create: HTTP ${r.status}`);
        await r.text();
      }),
    );
  }
  const verifies = [];
  const lists = [];
  for (let run = 0; run < runs; run++) {
    let seen = 0;
    verifies.push(
      await timed(async () => {
        let cursor;
        do {
          const r = await fetch(`${base}/verify`, { method: 'POST', headers, body: JSON.stringify({ limit: 100, ...(cursor ? { cursor } : {}) }) });
          const doc = await r.json();
          seen += doc.ours.length + doc.theirs.length;
          cursor = doc.next_cursor;
        } while (cursor);
      }),
    );
    if (seen !== count) throw new Error(`verify saw ${seen} of ${count} locks`);
    lists.push(await timed(async () => (await fetch(`${base}?limit=1000`, { headers })).json()));
  }
  const h = median(health);
  const row = (what, ms) => console.log(`${what.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / h).toFixed(1).padStart(7)} x health`);
  console.log(`locks bench: ${count} locks, medians of ${runs} runs (creates: of all ${count})`);
  row('GET /api/health (baseline)', h);
  row('POST locks (one create)', median(creates));
  row(`POST locks/verify, every page of 100`, median(verifies));
  row('GET locks?limit=1000 (one page)', median(lists));
} finally {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
