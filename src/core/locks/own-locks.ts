/**
 * The locks this clone knows it holds (`.git/hub/locks.json`: LFS endpoint -> path -> lock id),
 * as git-lfs keeps its lock cache: written by `hub lock`, `hub unlock` and each lock
 * verification of `hub push`, read by checkouts so that a `lockable` file you hold stays writable.
 * It is a cache: the server's answer always wins, and a missing or damaged file is an empty one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-file.js';

/** endpoint -> path -> lock id. */
type OwnLocks = Record<string, Record<string, string>>;

function cachePath(hubdir: string): string {
  return join(hubdir, 'locks.json');
}

function readAll(hubdir: string): OwnLocks {
  try {
    const doc = JSON.parse(readFileSync(cachePath(hubdir), 'utf8')) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return {};
    const out: OwnLocks = {};
    for (const [endpoint, paths] of Object.entries(doc)) {
      if (typeof paths !== 'object' || paths === null || Array.isArray(paths)) continue;
      out[endpoint] = Object.fromEntries(Object.entries(paths as Record<string, unknown>).filter(([, id]) => typeof id === 'string')) as Record<string, string>;
    }
    return out;
  } catch {
    return {};
  }
}

function writeAll(hubdir: string, all: OwnLocks): void {
  writeFileAtomic(cachePath(hubdir), `${JSON.stringify(all, null, 2)}\n`);
}

/** Every path this clone holds a lock on, at any endpoint. */
export function ownLockedPaths(hubdir: string): Set<string> {
  const out = new Set<string>();
  for (const paths of Object.values(readAll(hubdir))) for (const p of Object.keys(paths)) out.add(p);
  return out;
}

/** Records that we hold lock `id` on `path` at `endpoint`. */
export function rememberOwnLock(hubdir: string, endpoint: string, path: string, id: string): void {
  const all = readAll(hubdir);
  all[endpoint] = { ...all[endpoint], [path]: id };
  writeAll(hubdir, all);
}

/** Forgets the lock `id` at `endpoint` (we released it, or someone forced it open). */
export function forgetOwnLock(hubdir: string, endpoint: string, id: string): void {
  const all = readAll(hubdir);
  const paths = all[endpoint];
  if (!paths) return;
  all[endpoint] = Object.fromEntries(Object.entries(paths).filter(([, held]) => held !== id));
  writeAll(hubdir, all);
}

/** Replaces what we hold at `endpoint` with what the server just said is ours. */
export function setOwnLocks(hubdir: string, endpoint: string, locks: ReadonlyArray<{ path: string; id: string }>): void {
  const all = readAll(hubdir);
  const next = Object.fromEntries(locks.map((l) => [l.path, l.id]));
  // every push verifies locks: an unchanged cache is not written again (a durable write is two fsyncs)
  if (sameLocks(all[endpoint] ?? {}, next)) return;
  all[endpoint] = next;
  writeAll(hubdir, all);
}

function sameLocks(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}
