/**
 * The page cache as the kernel reports it, for tests that check which bytes went past it or left
 * it: `fincore` (util-linux) counts a file's pages in the cache. On tmpfs the pages are the files
 * themselves (nothing is written past them or dropped), so such tests skip there.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';

/** Pages of `path` in the page cache (fincore). */
export function cachedPages(path: string): number {
  return Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'PAGES', path], { encoding: 'utf8' }).trim());
}

/**
 * The page count that stands for "the whole file is cached": 90% of `path`'s pages. The kernel
 * may take back a few pages of any file while the suite runs (CI met 6,143 of 6,144); a drop
 * leaves none, so 90% still tells the two apart.
 */
export function mostPages(path: string): number {
  return Math.floor((statSync(path).size / 4096) * 0.9);
}

/** True when `dir` is on tmpfs. */
export function onTmpfs(dir: string): boolean {
  return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim() === 'tmpfs';
}

/** Polls `cond` every 20 ms until it holds or `ms` pass; whether it held (for work a detached process does). */
export async function until(cond: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (cond()) return true;
  return cond();
}
