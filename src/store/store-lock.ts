/**
 * The store's reader/writer lock, built from files so separate processes share it. Writers that
 * only add (store add, fetches) take it shared: they can run together. gc takes it exclusive, so
 * it never deletes a xorb that an add has just decided to reuse. Protocol: a shared holder first
 * creates its own `shared.<pid>.<n>` file and then checks for `exclusive`; gc first creates
 * `exclusive` (O_EXCL) and then waits for the shared files to go. Either side sees the other.
 * A lock whose pid is no longer alive is stale and is removed.
 */
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConflictError } from '../errors.js';
import { pidAlive } from '../fs/pid-alive.js';

const EXCLUSIVE = 'exclusive';
const POLL_MS = 50;

/** A held lock; `release` is idempotent. */
export interface StoreLock {
  release(): void;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readPid(path: string): number {
  try {
    return Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return -1;
  }
}

function createLockFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, String(process.pid));
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Live pid holding the exclusive lock, or 0 (a stale exclusive lock is removed). */
function exclusiveHolder(dir: string): number {
  const path = join(dir, EXCLUSIVE);
  const pid = readPid(path);
  if (pid === -1) return 0;
  if (pid === process.pid || pidAlive(pid)) return pid;
  removeQuietly(path);
  return 0;
}

/** Live pids holding shared locks (stale ones are removed). */
function sharedHolders(dir: string): number[] {
  const live: number[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('shared.')) continue;
    const pid = Number.parseInt(name.split('.')[1] ?? '', 10);
    if (pid === process.pid || pidAlive(pid)) live.push(pid);
    else removeQuietly(join(dir, name));
  }
  return live;
}

/** Takes the lock shared, waiting up to `timeoutMs` while gc holds it exclusive. */
export function lockShared(dir: string, timeoutMs = 10 * 60_000): StoreLock {
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = join(dir, `shared.${process.pid}.${randomBytes(4).toString('hex')}`);
    createLockFile(mine);
    const holder = exclusiveHolder(dir);
    if (holder === 0 || holder === process.pid) {
      let held = true;
      return { release: () => { if (held) { held = false; removeQuietly(mine); } } };
    }
    removeQuietly(mine);
    if (Date.now() > deadline) {
      throw new ConflictError(`the store is locked by a running gc (pid ${holder})`, { hint: 'wait for it to finish, then retry', retriable: true }, 'store_locked');
    }
    sleep(POLL_MS);
  }
}

/** Takes the lock exclusive, waiting up to `timeoutMs` for shared holders to finish. */
export function lockExclusive(dir: string, timeoutMs = 30_000): StoreLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, EXCLUSIVE);
  const deadline = Date.now() + timeoutMs;
  while (!createLockFile(path)) {
    const holder = exclusiveHolder(dir);
    if (holder !== 0 && Date.now() > deadline) {
      throw new ConflictError(`the store is locked by another gc (pid ${holder})`, { retriable: true }, 'store_locked');
    }
    if (holder !== 0) sleep(POLL_MS);
  }
  for (;;) {
    const others = sharedHolders(dir).filter((pid) => pid !== process.pid);
    if (others.length === 0) break;
    if (Date.now() > deadline) {
      removeQuietly(path);
      throw new ConflictError(`the store is in use by ${others.length} writer(s) (pid ${others.join(', ')})`, { hint: 'retry when they finish', retriable: true }, 'store_busy');
    }
    sleep(POLL_MS);
  }
  let held = true;
  return { release: () => { if (held) { held = false; removeQuietly(path); } } };
}

/**
 * An exclusive lock held by one process: `path` is created O_EXCL with our pid. A lock left by a
 * dead process is taken over; one held by a live process is a ConflictError (exit 7) at once.
 */
export function lockFileExclusive(path: string, what: string): StoreLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createLockFile(path)) {
      let held = true;
      return { release: () => { if (held) { held = false; removeQuietly(path); } } };
    }
    const pid = readPid(path);
    if (pid !== -1 && pid !== process.pid && pidAlive(pid)) {
      throw new ConflictError(`${what} is locked by another hub process (pid ${pid})`, { hint: `wait for it to finish; if it is gone, remove ${path}`, retriable: true }, 'locked');
    }
    removeQuietly(path); // stale: its process is gone
  }
  throw new ConflictError(`could not take the lock ${path}`, {}, 'locked');
}
