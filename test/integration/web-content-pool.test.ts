/**
 * The content pool of the web pages (src/server/web/content-pool.ts) from the built code, where
 * its worker threads run, on a real git repository and store: work computed ahead waits while a
 * request is being answered (it never competes with a page or a transfer) and for a quiet period
 * after the last one, no longer than its pause in all; a page asking for work still waiting
 * ahead computes it itself and both get the answer, and work ahead runs cheapest first
 * (previews, then diffs without content, then diffs with content) whatever order it was asked in.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const dist = new URL('../../dist/server/web/', import.meta.url);
const { ContentPool } = (await import(new URL('content-pool.js', dist).href)) as typeof import('../../src/server/web/content-pool.js');
const { IDLE_NICE } = (await import(new URL('../background-priority.js', dist).href)) as typeof import('../../src/server/background-priority.js');
type Task = import('../../src/server/web/content-tasks.js').ContentTask;

const noObjects = (oids: string[]) => oids.map(() => false);
const csv = (rows: number, seed: number) => ['id,name,score', ...Array.from({ length: rows }, (_, i) => `${i},n${(i * seed) % 97},${(i * seed) % 13}`)].join('\n') + '\n';

describe('the web pages\' content pool', () => {
  const dir = tmpDir();
  const repo = join(dir, 'repo');
  let bareDir: string;
  const commits: string[] = [];
  const tables: Array<{ oid: string; size: number; name: string }> = [];
  let pool: InstanceType<typeof ContentPool>;

  beforeAll(async () => {
    git(dir, 'init', '-q', '-b', 'main', repo);
    for (let c = 0; c < 4; c++) {
      for (let f = 0; f < 3; f++) writeFileSync(join(repo, `t${f}.csv`), csv(200 + c * 10 + f, c + f + 2));
      writeFileSync(join(repo, 'notes.txt'), `version ${c}\n`);
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', `c${c}`);
      commits.push(git(repo, 'rev-parse', 'HEAD').trim());
    }
    for (let f = 0; f < 3; f++) {
      const oid = git(repo, 'rev-parse', `HEAD:t${f}.csv`).trim();
      tables.push({ oid, size: Number(git(repo, 'cat-file', '-s', oid).trim()), name: `t${f}.csv` });
    }
    bareDir = join(repo, '.git');
    expect(existsSync(new URL('content-worker.js', dist))).toBe(true); // so the workers run from dist
    pool = new ContentPool({ storeDir: join(dir, 'store'), pauseMs: 600_000 });
    pool.warm();
    // the background worker started and warm: it would take work at once if nothing held it
    await pool.background({ type: 'previewable', bareDir, b: commits[0] }, noObjects);
  });
  afterAll(async () => {
    await pool?.close();
  });

  const table = (i: number): Task & { type: 'table' } => ({ type: 'table', bareDir, ref: { kind: 'git', oid: tables[i].oid, size: tables[i].size }, name: tables[i].name, format: 'csv' });

  it('waits with work computed ahead while a request is being answered; a page\'s own work runs meanwhile', async () => {
    const answered = pool.requestBegin();
    onTestFinished(answered);
    let aheadDone = false;
    const ahead = pool.background({ type: 'previewable', bareDir, a: commits[0], b: commits[1] }, noObjects).then((v) => ((aheadDone = true), v));
    const preview = await pool.run(table(0), noObjects); // the page's own task, on a page worker
    expect(preview.columns.map((c) => c.name)).toEqual(['id', 'name', 'score']);
    await new Promise((r) => setTimeout(r, 1000)); // ample time for a task of a few milliseconds, had it not waited
    expect(aheadDone).toBe(false);
    answered();
    const files = await ahead;
    expect(files?.map((f) => f.path).sort()).toEqual(['t0.csv', 't1.csv', 't2.csv']);
    expect(aheadDone).toBe(true);
  });

  it('waits on after the last request ended until it has been quiet for quietMs, and never longer than pauseMs in all', async () => {
    const quiet = new ContentPool({ storeDir: join(dir, 'store'), pauseMs: 600_000, quietMs: 600_000 });
    onTestFinished(() => quiet.close());
    // nothing answered yet: the server has been quiet, and work ahead runs at once
    expect((await quiet.background({ type: 'previewable', bareDir, b: commits[1] }, noObjects))?.length).toBe(3);
    quiet.requestBegin()(); // one request, answered at once
    let done = false;
    const ahead = quiet.background({ type: 'previewable', bareDir, a: commits[1], b: commits[2] }, noObjects).then((v) => ((done = true), v));
    await new Promise((r) => setTimeout(r, 1000)); // ample for a task of a few milliseconds, had it not waited
    expect(done).toBe(false);
    await quiet.close();
    expect(await ahead).toBeUndefined(); // never computed: the pool stopped while it waited
    // the same wait, bounded by pauseMs: it goes on after 300 ms of a quiet period that has not ended
    const bounded = new ContentPool({ storeDir: join(dir, 'store'), pauseMs: 300, quietMs: 600_000 });
    onTestFinished(() => bounded.close());
    bounded.requestBegin()();
    expect((await bounded.background({ type: 'previewable', bareDir, a: commits[2], b: commits[3] }, noObjects))?.map((f) => f.path).sort()).toEqual(['t0.csv', 't1.csv', 't2.csv']);
  });

  it('stops its worker while work ahead waits for a quiet server, and starts one again to go on', async () => {
    const bounded = new ContentPool({ storeDir: join(dir, 'store'), pauseMs: 300, quietMs: 600_000 });
    onTestFinished(() => bounded.close());
    bounded.requestBegin()(); // the quiet period begins, and never ends in this test: only pauseMs lets each task go
    let secondDone = false;
    const first = bounded.background({ type: 'previewable', bareDir, a: commits[0], b: commits[1] }, noObjects);
    const second = bounded.background({ type: 'previewable', bareDir, a: commits[1], b: commits[2] }, noObjects).then((v) => ((secondDone = true), v));
    expect((await first)?.length).toBe(3); // after 300 ms, on a worker started for it
    await new Promise((r) => setTimeout(r, 50)); // the second waits 300 ms more; its worker was stopped as it began to
    expect(secondDone).toBe(false);
    expect(bounded.backgroundWorker).toBe(false);
    expect((await second)?.length).toBe(3); // on a new worker
  });

  it('runs work ahead at the idle nice value (19), below the server\'s git processes (10)', async () => {
    // Linux keeps a nice value per thread: the pool's workers are threads of this process
    const atIdleNice = () =>
      new Set(
        readdirSync('/proc/self/task').filter((tid) => {
          try {
            return Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]) === IDLE_NICE; // field 19: nice
          } catch {
            return false; // a thread that ended meanwhile
          }
        }),
      );
    const idle = new ContentPool({ storeDir: join(dir, 'store'), pauseMs: 600_000, quietMs: 0 });
    onTestFinished(() => idle.close());
    const before = atIdleNice(); // (an earlier pool's worker may still be stopping)
    expect((await idle.background({ type: 'previewable', bareDir, b: commits[2] }, noObjects))?.length).toBe(3);
    // (its worker stops once the backlog is empty, on the next turn of the loop: it still runs here)
    expect(idle.backgroundWorker).toBe(true);
    expect([...atIdleNice()].filter((tid) => !before.has(tid))).toHaveLength(1);
    expect(IDLE_NICE).toBe(19);
  });

  it('starts one page worker after a push only once the server is quiet, a second for a page that comes while it is busy (a page that comes first starts one itself)', async () => {
    const fresh = new ContentPool({ storeDir: join(dir, 'store'), pauseMs: 600_000, quietMs: 300 });
    onTestFinished(() => fresh.close());
    const answered = fresh.requestBegin();
    fresh.warmWhenQuiet();
    await new Promise((r) => setTimeout(r, 600)); // two quiet periods, had the request ended
    expect(fresh.pageWorkers).toBe(0);
    answered();
    expect(fresh.pageWorkers).toBe(0); // the quiet period after it has not passed
    const t0 = performance.now();
    while (fresh.pageWorkers === 0 && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250); // not before the quiet period
    await new Promise((r) => setTimeout(r, 600)); // and only one: ~21 MiB of the server each
    expect(fresh.pageWorkers).toBe(1);
    const both = await Promise.all([fresh.run(table(0), noObjects), fresh.run(table(1), noObjects)]);
    expect(both.map((p) => p.rows.length > 0)).toEqual([true, true]);
    expect(fresh.pageWorkers, 'two pages at once: a second worker').toBe(2);
    // a page does not wait for quiet: it starts them at once
    const paged = new ContentPool({ storeDir: join(dir, 'store'), pauseMs: 600_000, quietMs: 600_000 });
    onTestFinished(() => paged.close());
    paged.requestBegin();
    expect((await paged.run(table(0), noObjects)).rows.length).toBeGreaterThan(0);
    expect(paged.pageWorkers).toBeGreaterThanOrEqual(1);
  });

  it('a page asking for work still waiting ahead computes it, and the work ahead resolves with the page\'s answer', async () => {
    const answered = pool.requestBegin();
    onTestFinished(answered); // (once: a second call does nothing)
    const holding = pool.background({ type: 'previewable', bareDir, a: commits[1], b: commits[2] }, noObjects); // waits: a request is being answered
    const waiting = pool.background(table(1), noObjects); // in the backlog behind it
    let waitingDone = false;
    void waiting.then(() => (waitingDone = true));
    const page = await pool.run(table(1), noObjects);
    expect(page.rows.length).toBeGreaterThan(0);
    await new Promise((r) => setImmediate(r));
    expect(waitingDone).toBe(true); // settled by the page's work, while the page is still open
    expect(await waiting).toEqual(page);
    answered();
    expect((await holding)?.length).toBe(3);
    expect(pool.cached(table(1))).toEqual(page);
  });

  it('runs work ahead cheapest first: previews, then diffs without content, then diffs with content', async () => {
    const answered = pool.requestBegin();
    const order: string[] = [];
    const track = <T>(name: string, p: Promise<T>) => p.then((v) => (order.push(name), v));
    const holding = track('holding', pool.background({ type: 'previewable', bareDir, a: commits[2], b: commits[3] }, noObjects));
    const full = track('full diff', pool.background({ type: 'diff', bareDir, a: commits[0], b: commits[3] }, noObjects));
    const none = track('diff without content', pool.background({ type: 'diff', bareDir, a: commits[0], b: commits[3], budget: 0 }, noObjects));
    const prev = track('preview', pool.background(table(2), noObjects));
    answered();
    const [, f, n, p] = await Promise.all([holding, full, none, prev]);
    expect(order).toEqual(['holding', 'preview', 'diff without content', 'full diff']);
    expect(p?.columns.length).toBe(3);
    expect(n?.files.find((x) => x.path === 't0.csv')?.note).toBe('table: the comparison is being computed');
    expect(f?.files.find((x) => x.path === 't0.csv')?.table).toBeDefined();
  });
});
