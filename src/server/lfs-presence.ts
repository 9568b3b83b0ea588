/**
 * Which Git LFS objects a repository of `hub serve` holds, and at which size, asked from a process that is not the
 * server: the pre-receive hook, which git starts with the server's environment (`HUB_SERVE_DB`,
 * the metadata database: a SQLite file or a `postgres://` URL, and `HUB_REPO_ID`, the repository
 * being pushed to).
 *
 * The hook opens the database read-only: a push must never migrate, lock for writing or create
 * the server's database. That is why it reads the `objects` table of metadata.ts's schema
 * itself instead of going through `SqliteMetadata.open` (which opens read-write and applies the
 * schema), or `PgMetadata.open` (metadata-pg/pg-presence.ts reads PostgreSQL in a read-only
 * transaction); test/integration/server-git.test.ts checks the two agree.
 *
 * better-sqlite3 is imported only when a push brings pointers to check: a hook process for a
 * push of small files only does not load it (docs/performance.md, "Fixed costs").
 */
import { HubError } from '../errors.js';
import { sqliteRegisteringOf } from './registrations.js';

/** The size of the object with this sha256 oid the repository holds, or undefined when it holds none. */
export type ObjectSize = (oid: string) => number | undefined | Promise<number | undefined>;

/** A pointer that names content the repository does not hold, or holds at another size. */
export interface WrongPointer {
  oid: string;
  size: number;
  /** The size the repository holds the object at; undefined when it does not hold it. */
  held?: number;
}

/** The environment variables the presence check reads. */
export interface PresenceEnv {
  HUB_SERVE_DB?: string;
  HUB_REPO_ID?: string;
  [name: string]: string | undefined;
}

/** How long the hook waits between two looks while a registration it waits for is in flight. */
const REGISTERING_POLL_MS = 10;

/** What the presence check reads of one repository: its objects' sizes and the registrations in flight (registrations.ts). */
export interface PresenceView {
  /** The sizes at which the repository holds those of `oids` it holds. */
  sizes(oids: readonly string[]): Map<string, number> | Promise<Map<string, number>>;
  /** Those of `oids` that a live mark of a registration names. */
  registering(oids: readonly string[]): Set<string> | Promise<Set<string>>;
  close(): unknown;
}

/** How many lookups run between two turns of the event loop. */
const LOOKUPS_PER_TURN = 500;

/** A read-only view of one repository's objects in the SQLite metadata database at `dbPath`. */
export async function sqlitePresence(dbPath: string, repoId: number): Promise<PresenceView> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 60_000 });
  try {
    const stmt = db.prepare<[number, string], { size: number }>('SELECT size FROM objects WHERE repo_id = ? AND oid = ?');
    return {
      // a few hundred lookups at a time: inside `hub serve` (hook-channel.ts) a push of 100,000
      // pointers would otherwise hold the event loop for the whole of them
      sizes: async (oids) => {
        const found = new Map<string, number>();
        for (let i = 0; i < oids.length; i++) {
          const row = stmt.get(repoId, oids[i]);
          if (row) found.set(oids[i], row.size);
          if (i % LOOKUPS_PER_TURN === LOOKUPS_PER_TURN - 1) await new Promise((r) => setImmediate(r));
        }
        return found;
      },
      registering: sqliteRegisteringOf(db, repoId),
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The view of the database `env.HUB_SERVE_DB` (a SQLite file or a `postgres://` URL) for repository `env.HUB_REPO_ID`. */
async function openPresence(env: PresenceEnv): Promise<PresenceView> {
  const dbPath = env.HUB_SERVE_DB;
  const repoId = Number(env.HUB_REPO_ID);
  if (!dbPath || !env.HUB_REPO_ID || !Number.isSafeInteger(repoId)) {
    throw new HubError('lfs_check_unavailable', 'cannot check Git LFS objects: HUB_SERVE_DB and HUB_REPO_ID are not set');
  }
  try {
    if (!/^postgres(ql)?:\/\//i.test(dbPath)) return await sqlitePresence(dbPath, repoId);
    const { pgPresence } = await import('./metadata-pg/pg-presence.js');
    return await pgPresence(dbPath, repoId);
  } catch (err) {
    throw new HubError('lfs_check_unavailable', `cannot check Git LFS objects: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * The pointers of `wanted` that name an object the repository does not hold, or holds at
 * another size, in their first order, without duplicates. `sizeOf` answers for the repository;
 * without it, the database `env.HUB_SERVE_DB` is opened read-only for repository
 * `env.HUB_REPO_ID` (HubError `lfs_check_unavailable` when either is missing or the database
 * cannot be read), and an object not held while a live mark says a server is registering it
 * for the repository is waited for, then looked up again (registrations.ts).
 */
export async function checkLfsObjects(wanted: Array<{ oid: string; size: number }>, env: PresenceEnv, sizeOf?: ObjectSize): Promise<WrongPointer[]> {
  const unique = [...new Map(wanted.map((w) => [`${w.oid} ${w.size}`, w])).values()];
  if (unique.length === 0) return [];
  if (sizeOf !== undefined) return wrongOf(unique, sizeOf);
  const view = await openPresence(env);
  try {
    return await wrongAfterRegistrations(unique, view);
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw new HubError('lfs_check_unavailable', `cannot check Git LFS objects: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    await view.close();
  }
}

/**
 * The pointers of `unique` that `view`'s repository does not hold, or holds at another size, once
 * no live mark names one it does not hold. A server holds an object before it removes its mark,
 * so a look taken after the marks were seen gone is final: the look before may have raced a
 * registration that ended in between (CI's S3 run met that once: a push refused for an object
 * held a moment later).
 */
export async function wrongAfterRegistrations(unique: Array<{ oid: string; size: number }>, view: PresenceView): Promise<WrongPointer[]> {
  const oids = [...new Set(unique.map((w) => w.oid))];
  const look = async () => {
    const sizes = await view.sizes(oids);
    return wrongOf(unique, (oid) => sizes.get(oid));
  };
  for (;;) {
    const wrong = await look();
    const missing = [...new Set(wrong.filter((w) => w.held === undefined).map((w) => w.oid))];
    if (missing.length === 0) return wrong;
    if ((await view.registering(missing)).size === 0) return look();
    await new Promise((r) => setTimeout(r, REGISTERING_POLL_MS));
  }
}

async function wrongOf(wanted: Array<{ oid: string; size: number }>, sizeOf: ObjectSize): Promise<WrongPointer[]> {
  const wrong: WrongPointer[] = [];
  for (const w of wanted) {
    const held = await sizeOf(w.oid);
    if (held === undefined) wrong.push({ oid: w.oid, size: w.size });
    else if (held !== w.size) wrong.push({ oid: w.oid, size: w.size, held });
  }
  return wrong;
}
