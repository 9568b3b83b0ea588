/**
 * lstatMany (the preload of `hub status`) from the built code, where its worker threads run:
 * on a tree above the parallel threshold it must answer exactly what lstat answers on this thread,
 * path by path, including paths that are gone, symlinks and directories.
 */
import { existsSync, lstatSync, mkdirSync, type BigIntStats, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dist = new URL('../../dist/repo/', import.meta.url);
const { lstatMany } = (await import(new URL('lstat-many.js', dist).href)) as typeof import('../../src/repo/lstat-many.js');
const { scanWorktree, scanWorktreeParallel } = (await import(new URL('worktree-scan.js', dist).href)) as typeof import('../../src/repo/worktree-scan.js');
const { STAT_FIELDS, packedMtimeNs, packedCtimeNs } = (await import(new URL('lstat-pack.js', dist).href)) as typeof import('../../src/repo/lstat-pack.js');

const dir = mkdtempSync(join(tmpdir(), 'hub-lstat-many-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lstatMany on worker threads', () => {
  it('answers what lstat answers for 20,500 paths, gone ones and symlinks included', async () => {
    const paths: string[] = [];
    for (let d = 0; d < 41; d++) {
      mkdirSync(join(dir, `d${d}`));
      for (let f = 0; f < 500; f++) {
        writeFileSync(join(dir, `d${d}`, `f${f}`), 'x'.repeat(f));
        paths.push(`d${d}/f${f}`);
      }
    }
    symlinkSync('d0/f1', join(dir, 'link'));
    paths.push('link', 'gone', 'd0/f1/below-a-file', 'd1');
    expect(existsSync(new URL('lstat-worker.js', dist))).toBe(true); // so the workers run, not the fallback
    const stats = await lstatMany(dir, paths);
    expect(stats.length).toBe(paths.length * STAT_FIELDS);
    paths.forEach((p, i) => {
      const at = i * STAT_FIELDS;
      let st: BigIntStats | undefined;
      try {
        st = lstatSync(join(dir, p), { bigint: true, throwIfNoEntry: false });
      } catch {
        st = undefined; // ENOTDIR: below a file
      }
      const kind = st?.isFile() ? 1 : st?.isSymbolicLink() ? 2 : 0;
      expect(stats[at], p).toBe(kind);
      if (kind === 0) return;
      expect([stats[at + 1], stats[at + 2], packedMtimeNs(stats, i), packedCtimeNs(stats, i), stats[at + 7], stats[at + 8], stats[at + 9], stats[at + 10]], p).toEqual([
        Number(st!.mode), Number(st!.size), st!.mtimeNs, st!.ctimeNs, Number(st!.ino), Number(st!.dev), Number(st!.uid), Number(st!.gid),
      ]);
      // the split times are what the index stores: whole seconds and nanoseconds
      expect([stats[at + 3], stats[at + 4]], p).toEqual([Number(st!.mtimeNs / 1_000_000_000n), Number(st!.mtimeNs % 1_000_000_000n)]);
    });
  });

  it('scans the same tree as the one-thread scan, ignores honoured', async () => {
    writeFileSync(join(dir, '.gitignore'), 'f7\n/d3/f4*\n');
    const parallel = await scanWorktreeParallel(dir);
    const serial = scanWorktree(dir);
    expect(parallel.length).toBeGreaterThan(20_000);
    expect(parallel.some((f) => f.path.startsWith('d3/f4') || f.path.endsWith('/f7'))).toBe(false);
    expect(parallel).toEqual(serial);
  });
});
