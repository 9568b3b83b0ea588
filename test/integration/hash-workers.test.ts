/**
 * The whole-file SHA-256 workers from the built code, where they run: however many large files a
 * process receives (or adds) at once, at most two hashing workers run (each is a V8 isolate of
 * its own: ten at once took a clone of ten 48 MiB files past 300 MiB), the others are hashed
 * inline, and every digest is right either way. A worker that finished a file hashes the next
 * one (a start costs ~84 ms of CPU), is ended after two idle seconds, and never holds the process
 * open while idle.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32Bytes } from '../helpers/vectors.js';

const dist = new URL('../../dist/store/', import.meta.url);
const { followFileSha256, startFileSha256, hashWorkersRunning, hashWorkerCounts, endIdleHashWorkers } = (await import(new URL('file-sha256.js', dist).href)) as typeof import('../../src/store/file-sha256.js');

const dir = mkdtempSync(join(tmpdir(), 'hub-hash-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZE = 33 << 20; // past the size below which files are hashed inline anyway
const waitFor = async (ok: () => boolean, tries = 200): Promise<void> => {
  for (let i = 0; i < tries && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('hashing workers', () => {
  it('five files received at once: two workers, three inline, five right digests, no worker left after', async () => {
    expect(existsSync(new URL('sha256-file-worker.js', dist))).toBe(true); // so the workers run, not the fallback
    const data = Array.from({ length: 5 }, (_, i) => Buffer.from(mulberry32Bytes(90 + i, SIZE)));
    const paths = data.map((_, i) => join(dir, `recv${i}`));
    for (const p of paths) writeFileSync(p, '');
    const hashes = paths.map((p) => followFileSha256(p, SIZE));
    expect(hashWorkersRunning()).toBe(2);
    // written as a receiver writes: the bytes handed to `update`, then appended and announced with `wrote`
    const piece = 4 << 20;
    for (let at = 0; at < SIZE; at += piece) {
      data.forEach((d, i) => {
        const part = d.subarray(at, at + piece);
        hashes[i].update(part);
        appendFileSync(paths[i], part);
        hashes[i].wrote(part.length);
      });
    }
    const got = await Promise.all(hashes.map((h) => h.digest()));
    got.forEach((g, i) => expect(g).toEqual({ oid: createHash('sha256').update(data[i]).digest('hex'), size: SIZE }));
    await waitFor(() => hashWorkersRunning() === 0);
    expect(hashWorkersRunning()).toBe(0);
  });

  it('an add\'s workers count too, and a worker cancelled frees its place', async () => {
    const data = Array.from({ length: 3 }, (_, i) => Buffer.from(mulberry32Bytes(95 + i, SIZE)));
    const paths = data.map((d, i) => {
      const p = join(dir, `add${i}`);
      writeFileSync(p, d);
      return p;
    });
    const first = startFileSha256(paths[0], SIZE);
    const second = startFileSha256(paths[1], SIZE);
    expect(hashWorkersRunning()).toBe(2);
    second.cancel();
    await waitFor(() => hashWorkersRunning() === 1);
    expect(hashWorkersRunning()).toBe(1);
    const third = startFileSha256(paths[2], SIZE); // the cancelled one's place
    expect(hashWorkersRunning()).toBe(2);
    for (const [h, d] of [[first, data[0]], [third, data[2]]] as const) {
      h.update(d); // (a worker ignores it and reads the file)
      expect((await h.digest()).oid).toBe(createHash('sha256').update(d).digest('hex'));
    }
    await waitFor(() => hashWorkersRunning() === 0);
    expect(hashWorkersRunning()).toBe(0);
  });

  it('a worker that finished a file hashes the next one, added or received, and ends after two idle seconds', async () => {
    await waitFor(() => hashWorkerCounts().alive === 0, 400); // the tests above: their workers ended
    const before = hashWorkerCounts().started;
    const data = Array.from({ length: 3 }, (_, i) => Buffer.from(mulberry32Bytes(120 + i, SIZE)));
    const paths = data.map((d, i) => {
      const p = join(dir, `next${i}`);
      writeFileSync(p, d);
      return p;
    });
    const expected = data.map((d) => createHash('sha256').update(d).digest('hex'));
    expect((await startFileSha256(paths[0], SIZE).digest()).oid).toBe(expected[0]);
    expect(hashWorkerCounts()).toEqual({ alive: 1, idle: 1, started: before + 1 });
    expect(hashWorkersRunning()).toBe(0);
    // a received file on the same worker, written in pieces behind which it reads
    writeFileSync(paths[1] + '.recv', '');
    const follow = followFileSha256(paths[1] + '.recv', SIZE);
    expect(hashWorkersRunning()).toBe(1);
    for (let at = 0; at < SIZE; at += 4 << 20) {
      appendFileSync(paths[1] + '.recv', data[1].subarray(at, at + (4 << 20)));
      follow.wrote(Math.min(4 << 20, SIZE - at));
    }
    expect((await follow.digest()).oid).toBe(expected[1]);
    expect((await startFileSha256(paths[2], SIZE).digest()).oid).toBe(expected[2]);
    expect(hashWorkerCounts()).toEqual({ alive: 1, idle: 1, started: before + 1 }); // three files, one start
    // the idle end (called now, as the idle time calls it): from the moment the worker starts
    // stopping it is not handed a job (it would die under it); the next file gets a new worker
    endIdleHashWorkers();
    expect(hashWorkerCounts()).toEqual({ alive: 1, idle: 0, started: before + 1 }); // stopping, not yet exited
    expect((await startFileSha256(paths[0], SIZE).digest()).oid).toBe(expected[0]);
    expect(hashWorkerCounts()).toMatchObject({ idle: 1, started: before + 2 }); // (the stopped one may not have exited yet)
    // and the idle time ends it on its own
    await waitFor(() => hashWorkerCounts().alive === 0, 400);
    expect(hashWorkerCounts().alive).toBe(0);
  });

  it('a process whose worker is idle exits on its own', () => {
    const p = join(dir, 'exit-file');
    writeFileSync(p, Buffer.from(mulberry32Bytes(130, SIZE)));
    // at exit the worker is still alive: the process did not wait for the idle end to stop it
    const script = `const { startFileSha256, hashWorkerCounts } = await import(${JSON.stringify(new URL('file-sha256.js', dist).href)});
process.on('exit', () => console.log('alive at exit', hashWorkerCounts().alive));
const d = await startFileSha256(${JSON.stringify(p)}, ${SIZE}).digest();
console.log(d.size, hashWorkerCounts().started);`;
    writeFileSync(join(dir, 'exit.mjs'), script);
    const r = spawnSync(process.execPath, [join(dir, 'exit.mjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([`${SIZE} 1`, 'alive at exit 1']);
  });
});
