/**
 * Puts a SQLite database shared between processes into WAL mode, waiting for the others.
 *
 * `PRAGMA journal_mode = WAL` needs the file to itself, and SQLite answers it with SQLITE_BUSY at
 * once, without running the busy handler (`timeout`), while another connection holds a lock: four
 * `hub serve` processes starting on one fresh root met that (CI, "database is locked"). WAL is a
 * property of the file, so only the first opening of a new file switches it; every later one
 * reads `wal` and takes no lock. The switch is retried here, with a growing pause, until `waitMs`.
 */
import type Database from 'better-sqlite3';
import { ConflictError } from '../errors.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Switches `db` (the file `path`) to WAL unless it is already; ConflictError `store_busy` after `waitMs` of refusals. */
export function useWalJournal(db: Database.Database, path: string, waitMs = 60_000): void {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal') return;
      // it answers the mode now in force: the old one when the switch could not be made
      if (String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase() === 'wal') return;
    } catch (err) {
      if (!isBusy(err)) throw err;
    }
    if (Date.now() >= deadline) {
      throw new ConflictError(`${path} stayed locked by another process for ${Math.round(waitMs / 1000)} s while switching it to WAL`, { hint: 'retry when the other hub processes have started', retriable: true }, 'store_busy');
    }
    // synchronous like the busy handler it stands in for: an open is synchronous throughout
    Atomics.wait(pause, 0, 0, Math.min(5 * 2 ** attempt, 100));
  }
}

/** True for SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT…). */
function isBusy(err: unknown): boolean {
  return typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');
}
