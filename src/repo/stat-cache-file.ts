/** Loading and saving `.git/hub/stat-cache` (a damaged or missing cache is an empty one). */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyStatCache, parseStatCache, serializeStatCache, type StatCache } from '../formats/stat-cache.js';
import type { RepoPaths } from './repository.js';

/** The repository's stat cache. */
export function loadStatCache(paths: RepoPaths): StatCache {
  try {
    return parseStatCache(readFileSync(join(paths.hubdir, 'stat-cache'), 'utf8'));
  } catch {
    return emptyStatCache();
  }
}

/** Saves the cache, stamping it with the current time (tmp + rename). */
export function saveStatCache(paths: RepoPaths, cache: StatCache): void {
  mkdirSync(paths.hubdir, { recursive: true });
  cache.writtenNs = BigInt(Date.now()) * 1_000_000n;
  const tmp = join(paths.hubdir, `stat-cache.${process.pid}.tmp`);
  writeFileSync(tmp, serializeStatCache(cache));
  renameSync(tmp, join(paths.hubdir, 'stat-cache'));
}
