/** Loading and saving `.git/hub/stat-cache` (a damaged or missing cache is an empty one). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyStatCache, parseStatCache, RACY_FINE_NS, racyMarginNs, serializeStatCache, type StatCache } from '../formats/stat-cache.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { RepoPaths } from './repository.js';

/** The repository's stat cache. */
export function loadStatCache(paths: RepoPaths): StatCache {
  try {
    return parseStatCache(readFileSync(join(paths.hubdir, 'stat-cache'), 'utf8'));
  } catch {
    return emptyStatCache();
  }
}

/**
 * Saves the cache (atomically, not durably: fs/atomic-file.ts), stamping it with the current time. When a file it records was
 * modified within the fine racy margin (a file this command just wrote), it first waits out that
 * margin (at most 50 ms), so the entry is trusted next time instead of re-hashing the file, which
 * for a large file just checked out would mean reading it all again.
 */
export function saveStatCache(paths: RepoPaths, cache: StatCache): void {
  let newest = 0n;
  for (const e of cache.entries.values()) if (racyMarginNs(e.mtimeNs) === RACY_FINE_NS && e.mtimeNs > newest) newest = e.mtimeNs;
  const waitMs = Number(newest + RACY_FINE_NS - BigInt(Date.now()) * 1_000_000n) / 1e6;
  if (waitMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(Math.ceil(waitMs) + 1, 60));
  cache.writtenNs = BigInt(Date.now()) * 1_000_000n;
  // a cache: not fsynced (fs/atomic-file.ts); entries are trusted only while the file's stat data match
  writeFileAtomic(join(paths.hubdir, 'stat-cache'), serializeStatCache(cache), { durable: false });
}
