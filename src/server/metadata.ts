/**
 * The metadata of `hub serve` (DESIGN.md §5): users, hashed tokens, repositories and their
 * visibility, members, which LFS objects each repository holds and which xorb ranges it may
 * serve (chunk-visibility.ts), and the Git LFS file locks (lfs-locks-db.ts). `Metadata`
 * (metadata-types.ts) is the contract; `SqliteMetadata` is the embedded implementation
 * (better-sqlite3, WAL); metadata-pg/ is the PostgreSQL one, for deployments that outgrow one
 * machine. Input is checked by metadata-rules.ts, the same for both.
 *
 * Names (users, repository owners and names) match NAME_RE and are unique ignoring ASCII case:
 * `Acme/Llama` and `acme/llama` would share a directory on a case-insensitive file system.
 * Lookups ignore case too, and records carry the stored spelling: build disk paths and URLs
 * from the record, not from the request.
 *
 * A token is shown once, when it is created; only its SHA-256 hex is stored, so the database
 * file never holds a credential.
 */
import Database from 'better-sqlite3';
import { useWalJournal } from '../store/sqlite-wal.js';
import { HubError, IntegrityError } from '../errors.js';
import type { ServedRange } from '../store/chunk-api.js';
import { QUEUE_BACKFILL, SqliteChunkVisibility, VISIBILITY_SCHEMA } from './chunk-visibility.js';
import { LOCKS_SCHEMA, SqliteLfsLocks } from './lfs-locks-db.js';
import { REGISTRATIONS_SCHEMA, SqliteRegistrations } from './registrations.js';
import { checkLabel, checkName, checkObject, checkRepoName, checkType, isName, newToken, presentedTokenHash, repoExists, repoNotFound, tokenNotFound, userNotFound } from './metadata-rules.js';
import { KeyedMutex } from './keyed-mutex.js';
import { REUSED_IDS_TO_FRESH, reusesIds, SCHEMA } from './metadata-sqlite-schema.js';
import type { User } from './user.js';

export type { User };

export type { TokenGrant, TokenInfo, RepoType, RepoRecord, RepoObject, Metadata } from './metadata-types.js';
import type { TokenGrant, TokenInfo, RepoType, RepoRecord, RepoObject, Metadata } from './metadata-types.js';

/**
 * 2 added the tables of chunk-visibility.ts, 3 those of lfs-locks-db.ts; 4 made token and
 * repository ids AUTOINCREMENT (metadata-sqlite-schema.ts), as PostgreSQL's sequences are; 5
 * added the marks of registrations in flight (registrations.ts).
 */
const SCHEMA_VERSION = 5;

interface UserRow {
  id: number;
  name: string;
  admin: number;
}

interface RepoRow {
  id: number;
  type: RepoType;
  owner: string;
  name: string;
  private: number;
  created_at: number;
}

interface TokenRow {
  id: number;
  user: string;
  write: number;
  label: string | null;
  created_at: number;
}

function toTokenInfo(row: TokenRow): TokenInfo {
  return { id: row.id, user: row.user, write: row.write !== 0, ...(row.label !== null ? { label: row.label } : {}), createdAt: row.created_at };
}

const REPO_SELECT = 'SELECT r.id, r.type, u.name AS owner, r.name, r.private, r.created_at FROM repos r JOIN users u ON u.id = r.owner_id';

function toUser(row: UserRow): User {
  return { id: row.id, name: row.name, admin: row.admin !== 0 };
}

function toRepo(row: RepoRow): RepoRecord {
  return { id: row.id, type: row.type, owner: row.owner, name: row.name, private: row.private !== 0, createdAt: row.created_at };
}

/** The embedded metadata store: one SQLite file, safe to share between processes. Its methods are synchronous inside (better-sqlite3), so each is atomic in this process. */
export class SqliteMetadata implements Metadata {
  private readonly db: Database.Database;
  private readonly now: () => number;
  readonly visibility: SqliteChunkVisibility;
  readonly locks: SqliteLfsLocks;
  readonly registrations: SqliteRegistrations;
  private readonly repoLocks = new KeyedMutex<number>();

  private constructor(db: Database.Database, now: () => number) {
    this.db = db;
    this.now = now;
    this.visibility = new SqliteChunkVisibility(db, now);
    this.locks = new SqliteLfsLocks(db, now);
    this.registrations = new SqliteRegistrations(db, now);
  }

  /** Opens (creating if needed) the metadata database at `path`; `now` is the clock for timestamps. */
  static open(path: string, opts: { now?: () => number } = {}): SqliteMetadata {
    // the busy timeout must be in force before the first statement: switching to WAL and
    // creating the schema take locks another server process may hold for a moment
    const db = new Database(path, { timeout: 60_000 });
    try {
      useWalJournal(db, path);
      // FULL, not NORMAL: a token printed once or an upload acknowledged to a client must
      // survive a power loss; the server writes metadata rarely, so the fsync is cheap
      db.pragma('synchronous = FULL');
      // foreign keys stay off while an older schema's tables are rebuilt (REUSED_IDS_TO_FRESH:
      // dropping a referenced table with them on would cascade); the pragma is a no-op inside a
      // transaction, so it is decided before, and checked by foreign_key_check within
      const rebuild = (db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION;
      db.pragma(`foreign_keys = ${rebuild ? 'OFF' : 'ON'}`);
      // Every transaction that reads and then writes starts IMMEDIATE: a deferred one fails at
      // once with SQLITE_BUSY (no busy wait) when another connection wrote after its read.
      db.transaction(() => {
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version > SCHEMA_VERSION) {
          throw new HubError('metadata_too_new', `metadata database ${path} has schema version ${version}; this hub knows up to ${SCHEMA_VERSION}`, undefined, { hint: 'upgrade hub' });
        }
        if (version < SCHEMA_VERSION) {
          if (reusesIds(db)) db.exec(REUSED_IDS_TO_FRESH);
          db.exec(SCHEMA);
          db.exec(VISIBILITY_SCHEMA);
          db.exec(LOCKS_SCHEMA);
          db.exec(REGISTRATIONS_SCHEMA);
          // objects held before version 2 get their served ranges from the store at server start
          if (version < 2) db.exec(QUEUE_BACKFILL);
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new IntegrityError(`metadata database ${path} has ${broken.length} ${broken.length === 1 ? 'row' : 'rows'} whose references are gone; not upgraded`, { data: { path } }, 'corrupt_metadata');
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }
      }).immediate();
      db.pragma('foreign_keys = ON');
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteMetadata(db, opts.now ?? Date.now);
  }

  async ensureUser(name: string, opts: { admin?: boolean } = {}): Promise<User> {
    checkName(name, 'user');
    return this.db.transaction(() => {
      const found = this.userRow(name);
      if (found) {
        if (opts.admin === undefined || (found.admin !== 0) === opts.admin) return toUser(found);
        this.db.prepare('UPDATE users SET admin = ? WHERE id = ?').run(opts.admin ? 1 : 0, found.id);
        return { ...toUser(found), admin: opts.admin };
      }
      const row = this.db.prepare<[string, number], UserRow>('INSERT INTO users (name, admin) VALUES (?, ?) RETURNING id, name, admin').get(name, opts.admin ? 1 : 0);
      return toUser(row!);
    }).immediate();
  }

  async getUser(name: string): Promise<User | undefined> {
    if (!isName(name)) return undefined;
    const row = this.userRow(name);
    return row && toUser(row);
  }

  async createToken(userName: string, opts: { write: boolean; label?: string }): Promise<{ token: string; id: number }> {
    const label = opts.label;
    checkLabel(label);
    const { token, hash } = newToken();
    const id = this.db.transaction(() => {
      const user = this.requireUser(userName);
      const row = this.db
        .prepare<[string, number, number, string | null, number], { id: number }>(
          'INSERT INTO tokens (hash, user_id, write, label, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
        )
        .get(hash, user.id, opts.write ? 1 : 0, label ?? null, this.now());
      return row!.id;
    }).immediate();
    return { token, id };
  }

  async resolveToken(token: string): Promise<TokenGrant | undefined> {
    const hash = presentedTokenHash(token);
    if (hash === undefined) return undefined;
    const row = this.db
      .prepare<[string], { token_id: number; write: number } & UserRow>(
        'SELECT t.id AS token_id, t.write, u.id, u.name, u.admin FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?',
      )
      .get(hash);
    return row && { user: toUser(row), write: row.write !== 0, tokenId: row.token_id };
  }

  async countTokens(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM tokens').get() as { n: number }).n;
  }

  async createFirstAdminToken(label: string): Promise<string | undefined> {
    checkLabel(label);
    const { token, hash } = newToken();
    // IMMEDIATE: the write lock is taken before the count, so two servers on one file cannot both see none
    const created = this.db.transaction(() => {
      if ((this.db.prepare('SELECT count(*) AS n FROM tokens').get() as { n: number }).n > 0) return false;
      const found = this.userRow('admin');
      const userId = found ? found.id : this.db.prepare<[], { id: number }>("INSERT INTO users (name, admin) VALUES ('admin', 1) RETURNING id").get()!.id;
      if (found && found.admin === 0) this.db.prepare('UPDATE users SET admin = 1 WHERE id = ?').run(userId);
      this.db.prepare('INSERT INTO tokens (hash, user_id, write, label, created_at) VALUES (?, ?, 1, ?, ?)').run(hash, userId, label, this.now());
      return true;
    }).immediate();
    return created ? token : undefined;
  }

  async revokeToken(id: number): Promise<void> {
    if (this.db.prepare('DELETE FROM tokens WHERE id = ?').run(id).changes === 0) {
      throw tokenNotFound(id);
    }
  }

  async listTokens(userName?: string): Promise<TokenInfo[]> {
    const select = 'SELECT t.id, u.name AS user, t.write, t.label, t.created_at FROM tokens t JOIN users u ON u.id = t.user_id';
    const rows =
      userName === undefined
        ? this.db.prepare<[], TokenRow>(`${select} ORDER BY t.id`).all()
        : this.db.prepare<[number], TokenRow>(`${select} WHERE t.user_id = ? ORDER BY t.id`).all(this.requireUser(userName).id);
    return rows.map(toTokenInfo);
  }

  async getToken(id: number): Promise<TokenInfo | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = this.db.prepare<[number], TokenRow>('SELECT t.id, u.name AS user, t.write, t.label, t.created_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?').get(id);
    return row && toTokenInfo(row);
  }

  async createRepo(repo: { type: RepoType; owner: string; name: string; private: boolean }): Promise<RepoRecord> {
    checkType(repo.type);
    checkName(repo.owner, 'owner');
    checkRepoName(repo.name);
    const id = this.db.transaction(() => {
      const owner = this.requireUser(repo.owner);
      const taken = this.db.prepare('SELECT 1 FROM repos WHERE type = ? AND owner_id = ? AND name = ?').get(repo.type, owner.id, repo.name);
      if (taken) throw repoExists(repo.type, owner.name, repo.name);
      return this.db
        .prepare<[string, number, string, number, number], { id: number }>(
          'INSERT INTO repos (type, owner_id, name, private, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
        )
        .get(repo.type, owner.id, repo.name, repo.private ? 1 : 0, this.now())!.id;
    }).immediate();
    return this.repoById(id)!;
  }

  async getRepo(type: RepoType, owner: string, name: string): Promise<RepoRecord | undefined> {
    if ((type !== 'model' && type !== 'dataset') || !isName(owner) || !isName(name)) return undefined;
    const row = this.db.prepare<[string, string, string], RepoRow>(`${REPO_SELECT} WHERE r.type = ? AND u.name = ? AND r.name = ?`).get(type, owner, name);
    return row && toRepo(row);
  }

  async listRepos(): Promise<RepoRecord[]> {
    return this.db.prepare<[], RepoRow>(`${REPO_SELECT} ORDER BY r.type, u.name, r.name`).all().map(toRepo);
  }

  async setPrivate(id: number, isPrivate: boolean): Promise<void> {
    if (this.db.prepare('UPDATE repos SET private = ? WHERE id = ?').run(isPrivate ? 1 : 0, id).changes === 0) throw repoNotFound(id);
  }

  async deleteRepo(id: number): Promise<void> {
    // members and objects go with it (ON DELETE CASCADE)
    if (this.db.prepare('DELETE FROM repos WHERE id = ?').run(id).changes === 0) throw repoNotFound(id);
  }

  async addMember(repoId: number, userName: string, write: boolean): Promise<void> {
    this.db.transaction(() => {
      this.requireRepo(repoId);
      const user = this.requireUser(userName);
      this.db
        .prepare('INSERT INTO members (repo_id, user_id, write) VALUES (?, ?, ?) ON CONFLICT (repo_id, user_id) DO UPDATE SET write = excluded.write')
        .run(repoId, user.id, write ? 1 : 0);
    }).immediate();
  }

  async membership(repoId: number, userId: number): Promise<{ write: boolean } | undefined> {
    const row = this.db
      .prepare<{ repo: number; user: number }, { write: number }>(
        `SELECT CASE WHEN r.owner_id = @user THEN 1 ELSE m.write END AS write
         FROM repos r LEFT JOIN members m ON m.repo_id = r.id AND m.user_id = @user
         WHERE r.id = @repo AND (r.owner_id = @user OR m.user_id IS NOT NULL)`,
      )
      .get({ repo: repoId, user: userId });
    return row && { write: row.write !== 0 };
  }

  async addObject(repoId: number, oid: string, size: number, ranges: readonly ServedRange[] = []): Promise<void> {
    checkObject(oid, size);
    this.db.transaction(() => {
      this.requireRepo(repoId);
      const known = this.heldSize(repoId, oid);
      if (known !== undefined && known !== size) {
        throw new IntegrityError(`object ${oid} is recorded with size ${known}, not ${size}`, { data: { oid, size, known } }, 'size_mismatch');
      }
      if (known === undefined) this.db.prepare('INSERT INTO objects (repo_id, oid, size) VALUES (?, ?, ?)').run(repoId, oid, size);
      this.visibility.addRanges(repoId, ranges);
    }).immediate();
  }

  async hasObject(repoId: number, oid: string): Promise<boolean> {
    return this.heldSize(repoId, oid) !== undefined;
  }

  async objectSize(repoId: number, oid: string): Promise<number | undefined> {
    return this.heldSize(repoId, oid);
  }

  private heldSize(repoId: number, oid: string): number | undefined {
    return this.db.prepare<[number, string], { size: number }>('SELECT size FROM objects WHERE repo_id = ? AND oid = ?').get(repoId, oid)?.size;
  }

  async objectSizes(repoId: number, oids: readonly string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    for (const oid of oids) {
      const size = this.heldSize(repoId, oid);
      if (size !== undefined) sizes.set(oid, size);
    }
    return sizes;
  }

  async listObjects(repoId: number): Promise<RepoObject[]> {
    return this.db.prepare<[number], RepoObject>('SELECT oid, size FROM objects WHERE repo_id = ? ORDER BY oid').all(repoId);
  }

  /** SQLite serves one machine: an in-process mutex (git's own ref lock files order this process's updates against other processes on the same disk). */
  withRepoLock<T>(repoId: number, fn: () => Promise<T>): Promise<T> {
    return this.repoLocks.run(repoId, fn);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private userRow(name: string): UserRow | undefined {
    return this.db.prepare<[string], UserRow>('SELECT id, name, admin FROM users WHERE name = ?').get(name);
  }

  private requireUser(name: string): User {
    const row = isName(name) ? this.userRow(name) : undefined;
    if (!row) throw userNotFound(name);
    return toUser(row);
  }

  private requireRepo(id: number): void {
    if (!this.db.prepare('SELECT 1 FROM repos WHERE id = ?').get(id)) throw repoNotFound(id);
  }

  private repoById(id: number): RepoRecord | undefined {
    const row = this.db.prepare<[number], RepoRow>(`${REPO_SELECT} WHERE r.id = ?`).get(id);
    return row && toRepo(row);
  }
}
