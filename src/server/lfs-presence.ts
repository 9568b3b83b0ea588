/**
 * Which Git LFS objects a repository of `hub serve` holds, asked from a process that is not the
 * server: the pre-receive hook, which git starts with the server's environment (`HUB_SERVE_DB`,
 * the metadata database, and `HUB_REPO_ID`, the repository being pushed to).
 *
 * The hook opens the database read-only: a push must never migrate, lock for writing or create
 * the server's database. That is why it reads the `objects` table of metadata.ts's schema
 * itself instead of going through `SqliteMetadata.open` (which opens read-write and applies the
 * schema); test/integration/server-git.test.ts checks the two agree.
 */
import Database from 'better-sqlite3';
import { HubError } from '../errors.js';

/** Whether the repository holds the object with this sha256 oid. */
export type HasObject = (oid: string) => boolean | Promise<boolean>;

/** The environment variables the presence check reads. */
export interface PresenceEnv {
  HUB_SERVE_DB?: string;
  HUB_REPO_ID?: string;
  [name: string]: string | undefined;
}

/** A read-only view of one repository's objects in the metadata database at `dbPath`. */
export function sqlitePresence(dbPath: string, repoId: number): { has: HasObject; close(): void } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 60_000 });
  try {
    const stmt = db.prepare<[number, string], { one: number }>('SELECT 1 AS one FROM objects WHERE repo_id = ? AND oid = ?');
    return { has: (oid) => stmt.get(repoId, oid) !== undefined, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * The oids in `oids` the repository does not hold, in their first order, without duplicates.
 * `has` answers for the repository; without it, the database `env.HUB_SERVE_DB` is opened
 * read-only for repository `env.HUB_REPO_ID` (HubError `lfs_check_unavailable` when either is
 * missing or the database cannot be read).
 */
export async function checkLfsObjects(oids: string[], env: PresenceEnv, has?: HasObject): Promise<string[]> {
  const unique = [...new Set(oids)];
  if (unique.length === 0) return [];
  if (has !== undefined) return missingOf(unique, has);
  const dbPath = env.HUB_SERVE_DB;
  const repoId = Number(env.HUB_REPO_ID);
  if (!dbPath || !env.HUB_REPO_ID || !Number.isSafeInteger(repoId)) {
    throw new HubError('lfs_check_unavailable', 'cannot check Git LFS objects: HUB_SERVE_DB and HUB_REPO_ID are not set');
  }
  let presence: ReturnType<typeof sqlitePresence>;
  try {
    presence = sqlitePresence(dbPath, repoId);
  } catch (err) {
    throw new HubError('lfs_check_unavailable', `cannot check Git LFS objects: ${(err as Error).message}`, undefined, { cause: err });
  }
  try {
    return await missingOf(unique, presence.has);
  } finally {
    presence.close();
  }
}

async function missingOf(oids: string[], has: HasObject): Promise<string[]> {
  const missing: string[] = [];
  for (const oid of oids) if (!(await has(oid))) missing.push(oid);
  return missing;
}
