/**
 * Each `hub serve` process's scratch folder, `ROOT/tmp/<host>-<pid>-<random>`: uploads being
 * received, commits being staged. Several servers share a root (behind a load balancer, on a
 * shared volume), so a server never empties `ROOT/tmp` as a whole: at start it removes only what
 * servers of its own host that are no longer running left there (their pid is gone), and folders
 * of other hosts untouched for a day (a host that went away); at stop, its own folder. What a
 * killed server left half-written was never visible (uploads become visible only once verified
 * and moved into the store), so removing it loses nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../fs/pid-alive.js';

/** How long a folder of another host (or a file of an older hub) stays before a starting server removes it. */
export const FOREIGN_TMP_MS = 24 * 3600_000;

const OWNED = /^(.+)-(\d{1,10})-[0-9a-f]{8}$/;

/** Makes this process's scratch folder under `ROOT/tmp` after removing the stale ones (see the module comment). */
export function serverTmpDir(root: string, now = Date.now()): string {
  const base = join(root, 'tmp');
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const host = hostname();
  for (const name of readdirSync(base)) {
    const path = join(base, name);
    const m = OWNED.exec(name);
    let stale: boolean;
    if (m && m[1] === host) stale = !pidAlive(Number(m[2]));
    else {
      try {
        stale = now - statSync(path).mtimeMs > FOREIGN_TMP_MS;
      } catch {
        continue; // removed meanwhile
      }
    }
    if (stale) rmSync(path, { recursive: true, force: true });
  }
  const mine = join(base, `${host}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(mine, { mode: 0o700 });
  return mine;
}
