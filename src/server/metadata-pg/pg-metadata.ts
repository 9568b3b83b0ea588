/**
 * The metadata of `hub serve` in PostgreSQL (`hub serve --database postgres://...`), for several
 * servers sharing one database. It keeps the contract of metadata-types.ts exactly as the SQLite
 * store does (same checks, metadata-rules.ts; same errors; same orderings), and decides every
 * race between servers inside the database:
 *
 * - names: unique indexes on lower(name); `INSERT ... ON CONFLICT DO NOTHING` lets one of two
 *   concurrent creators of a user or repository win, and the other gets `repo_exists`;
 * - tokens: created by one statement that finds the user; a revoke is a DELETE, so every server
 *   refuses the token from its next request on (nothing is cached);
 * - objects and served ranges: recorded in a transaction that holds the repository's row lock,
 *   so two servers merging ranges of one repository take turns, and a deletion waits for them;
 * - LFS locks: the UNIQUE (repo_id, path) constraint (pg-locks.ts);
 * - ref updates: `withRepoLock` holds `pg_advisory_xact_lock(hub, repo id)` on a connection of
 *   its own pool, so a long push never takes a connection the queries need.
 */
import pg from 'pg';
import { IntegrityError } from '../../errors.js';
import type { ServedRange } from '../../store/chunk-api.js';
import type { Metadata, RepoObject, RepoRecord, RepoType, TokenGrant, TokenInfo } from '../metadata-types.js';
import { checkLabel, checkName, checkObject, checkRepoName, checkType, isName, newToken, presentedTokenHash, repoExists, repoNotFound, tokenNotFound, userNotFound } from '../metadata-rules.js';
import type { User } from '../user.js';
import { checkPostgresUrl, createPool, databaseError, transaction } from './pg-connect.js';
import { PgLfsLocks } from './pg-locks.js';
import { FIRST_TOKEN_LOCK, LOCK_CLASS, migrate } from './pg-schema.js';
import { addRanges, lockRepos, PgChunkVisibility } from './pg-visibility.js';
import { PgRegistrations } from './pg-registrations.js';

/** Connections for queries, per server. */
const QUERY_CONNECTIONS = 10;
/** Connections that hold repository locks (pushes and HF commits in progress), per server; more wait. */
const LOCK_CONNECTIONS = 16;

interface UserRow {
  id: number;
  name: string;
  admin: boolean;
}

interface RepoRow {
  id: number;
  type: RepoType;
  owner: string;
  name: string;
  private: boolean;
  created_at: number;
}

interface TokenRow {
  id: number;
  user: string;
  write: boolean;
  label: string | null;
  created_at: number;
}

const REPO_SELECT = 'SELECT r.id, r.type, u.name AS owner, r.name, r.private, r.created_at FROM repos r JOIN users u ON u.id = r.owner_id';
const TOKEN_SELECT = 'SELECT t.id, u.name AS "user", t.write, t.label, t.created_at FROM tokens t JOIN users u ON u.id = t.user_id';

function toRepo(row: RepoRow): RepoRecord {
  return { id: row.id, type: row.type, owner: row.owner, name: row.name, private: row.private, createdAt: row.created_at };
}

function toTokenInfo(row: TokenRow): TokenInfo {
  return { id: row.id, user: row.user, write: row.write, ...(row.label !== null ? { label: row.label } : {}), createdAt: row.created_at };
}

/** Whether `n` can be a row id (an INTEGER column): anything else names nothing, without a query. */
function isId(n: number): boolean {
  return Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;
}

/** Options of {@link PgMetadata.open}. */
export interface PgMetadataOptions {
  /** The clock for timestamps (default Date.now). */
  now?: () => number;
  /** Told about a connection that failed while idle, or a repository lock lost with its connection. */
  onError?: (err: Error) => void;
}

/** The PostgreSQL metadata store. */
export class PgMetadata implements Metadata {
  readonly visibility: PgChunkVisibility;
  readonly locks: PgLfsLocks;
  readonly registrations: PgRegistrations;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly lockPool: pg.Pool,
    private readonly now: () => number,
    private readonly onError: (err: Error) => void,
  ) {
    this.visibility = new PgChunkVisibility(pool, now);
    this.locks = new PgLfsLocks(pool, now);
    this.registrations = new PgRegistrations(pool);
  }

  /**
   * Connects to the database at `url` and brings its schema up to date (pg-schema.ts). A bad URL
   * is UsageError `bad_database_url`; an unreachable database, a refused login or a missing
   * database are one-line HubErrors (pg-connect.ts databaseError); a newer schema `metadata_too_new`.
   */
  static async open(url: string, opts: PgMetadataOptions = {}): Promise<PgMetadata> {
    checkPostgresUrl(url);
    const onError = opts.onError ?? (() => {});
    const pool = createPool(url, QUERY_CONNECTIONS, onError);
    try {
      await migrate(pool, url);
    } catch (err) {
      await pool.end().catch(() => {});
      throw databaseError(err, url);
    }
    return new PgMetadata(pool, createPool(url, LOCK_CONNECTIONS, onError), opts.now ?? Date.now, onError);
  }

  async ensureUser(name: string, opts: { admin?: boolean } = {}): Promise<User> {
    checkName(name, 'user');
    return transaction(this.pool, async (c) => {
      const select = () => c.query<UserRow>('SELECT id, name, admin FROM users WHERE lower(name) = lower($1) FOR UPDATE', [name]);
      // looked up first: an insert that conflicts still uses up an id of the sequence
      let found = (await select()).rows[0];
      if (!found) {
        const created = await c.query<UserRow>('INSERT INTO users (name, admin) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id, name, admin', [name, opts.admin ?? false]);
        if (created.rows.length > 0) return created.rows[0];
        found = (await select()).rows[0]; // another server created it meanwhile
      }
      if (opts.admin === undefined || found.admin === opts.admin) return found;
      await c.query('UPDATE users SET admin = $1 WHERE id = $2', [opts.admin, found.id]);
      return { ...found, admin: opts.admin };
    });
  }

  async getUser(name: string): Promise<User | undefined> {
    if (!isName(name)) return undefined;
    return (await this.pool.query<UserRow>('SELECT id, name, admin FROM users WHERE lower(name) = lower($1)', [name])).rows[0];
  }

  async createToken(userName: string, opts: { write: boolean; label?: string }): Promise<{ token: string; id: number }> {
    checkLabel(opts.label);
    if (!isName(userName)) throw userNotFound(userName);
    const { token, hash } = newToken();
    const row = await this.pool.query<{ id: number }>(
      'INSERT INTO tokens (hash, user_id, write, label, created_at) SELECT $1, id, $3, $4, $5 FROM users WHERE lower(name) = lower($2) RETURNING id',
      [hash, userName, opts.write, opts.label ?? null, this.now()],
    );
    if (row.rows.length === 0) throw userNotFound(userName);
    return { token, id: row.rows[0].id };
  }

  async resolveToken(token: string): Promise<TokenGrant | undefined> {
    const hash = presentedTokenHash(token);
    if (hash === undefined) return undefined;
    const row = (await this.pool.query<{ token_id: number; write: boolean } & UserRow>('SELECT t.id AS token_id, t.write, u.id, u.name, u.admin FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1', [hash])).rows[0];
    return row && { user: { id: row.id, name: row.name, admin: row.admin }, write: row.write, tokenId: row.token_id };
  }

  async countTokens(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM tokens')).rows[0].n;
  }

  async createFirstAdminToken(label: string): Promise<string | undefined> {
    checkLabel(label);
    const { token, hash } = newToken();
    return transaction(this.pool, async (c) => {
      // servers starting at once on an empty database queue here; the first one creates the token
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, FIRST_TOKEN_LOCK]);
      if ((await c.query<{ n: number }>('SELECT count(*) AS n FROM tokens')).rows[0].n > 0) return undefined;
      await c.query("INSERT INTO users (name, admin) VALUES ('admin', true) ON CONFLICT DO NOTHING");
      const user = (await c.query<{ id: number }>("UPDATE users SET admin = true WHERE lower(name) = 'admin' RETURNING id")).rows[0];
      await c.query('INSERT INTO tokens (hash, user_id, write, label, created_at) VALUES ($1, $2, true, $3, $4)', [hash, user.id, label, this.now()]);
      return token;
    });
  }

  async revokeToken(id: number): Promise<void> {
    if (!isId(id) || (await this.pool.query('DELETE FROM tokens WHERE id = $1', [id])).rowCount === 0) throw tokenNotFound(id);
  }

  async listTokens(userName?: string): Promise<TokenInfo[]> {
    if (userName === undefined) return (await this.pool.query<TokenRow>(`${TOKEN_SELECT} ORDER BY t.id`)).rows.map(toTokenInfo);
    const user = await this.getUser(userName);
    if (!user) throw userNotFound(userName);
    return (await this.pool.query<TokenRow>(`${TOKEN_SELECT} WHERE t.user_id = $1 ORDER BY t.id`, [user.id])).rows.map(toTokenInfo);
  }

  async getToken(id: number): Promise<TokenInfo | undefined> {
    if (!isId(id)) return undefined;
    const row = (await this.pool.query<TokenRow>(`${TOKEN_SELECT} WHERE t.id = $1`, [id])).rows[0];
    return row && toTokenInfo(row);
  }

  async createRepo(repo: { type: RepoType; owner: string; name: string; private: boolean }): Promise<RepoRecord> {
    checkType(repo.type);
    checkName(repo.owner, 'owner');
    checkRepoName(repo.name);
    return transaction(this.pool, async (c) => {
      const owner = (await c.query<UserRow>('SELECT id, name, admin FROM users WHERE lower(name) = lower($1)', [repo.owner])).rows[0];
      if (!owner) throw userNotFound(repo.owner);
      const taken = await c.query('SELECT 1 FROM repos WHERE type = $1 AND owner_id = $2 AND lower(name) = lower($3)', [repo.type, owner.id, repo.name]);
      if (taken.rows.length > 0) throw repoExists(repo.type, owner.name, repo.name);
      // the unique index decides between two servers creating the same name at once
      const row = await c.query<{ id: number }>(
        'INSERT INTO repos (type, owner_id, name, private, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id',
        [repo.type, owner.id, repo.name, repo.private, this.now()],
      );
      if (row.rows.length === 0) throw repoExists(repo.type, owner.name, repo.name);
      return toRepo((await c.query<RepoRow>(`${REPO_SELECT} WHERE r.id = $1`, [row.rows[0].id])).rows[0]);
    });
  }

  async getRepo(type: RepoType, owner: string, name: string): Promise<RepoRecord | undefined> {
    if ((type !== 'model' && type !== 'dataset') || !isName(owner) || !isName(name)) return undefined;
    const row = (await this.pool.query<RepoRow>(`${REPO_SELECT} WHERE r.type = $1 AND lower(u.name) = lower($2) AND lower(r.name) = lower($3)`, [type, owner, name])).rows[0];
    return row && toRepo(row);
  }

  async listRepos(): Promise<RepoRecord[]> {
    return (await this.pool.query<RepoRow>(`${REPO_SELECT} ORDER BY r.type, lower(u.name) COLLATE "C", lower(r.name) COLLATE "C"`)).rows.map(toRepo);
  }

  async setPrivate(id: number, isPrivate: boolean): Promise<void> {
    if (!isId(id) || (await this.pool.query('UPDATE repos SET private = $1 WHERE id = $2', [isPrivate, id])).rowCount === 0) throw repoNotFound(id);
  }

  async deleteRepo(id: number): Promise<void> {
    // members, objects, served ranges and locks go with it (ON DELETE CASCADE)
    if (!isId(id) || (await this.pool.query('DELETE FROM repos WHERE id = $1', [id])).rowCount === 0) throw repoNotFound(id);
  }

  async addMember(repoId: number, userName: string, write: boolean): Promise<void> {
    if (!isId(repoId)) throw repoNotFound(repoId);
    await transaction(this.pool, async (c) => {
      if ((await c.query('SELECT 1 FROM repos WHERE id = $1 FOR KEY SHARE', [repoId])).rows.length === 0) throw repoNotFound(repoId);
      const user = isName(userName) ? (await c.query<{ id: number }>('SELECT id FROM users WHERE lower(name) = lower($1)', [userName])).rows[0] : undefined;
      if (!user) throw userNotFound(userName);
      await c.query('INSERT INTO members (repo_id, user_id, write) VALUES ($1, $2, $3) ON CONFLICT (repo_id, user_id) DO UPDATE SET write = excluded.write', [repoId, user.id, write]);
    });
  }

  async membership(repoId: number, userId: number): Promise<{ write: boolean } | undefined> {
    if (!isId(repoId) || !isId(userId)) return undefined;
    const row = await this.pool.query<{ write: boolean }>(
      `SELECT CASE WHEN r.owner_id = $2 THEN true ELSE m.write END AS write
       FROM repos r LEFT JOIN members m ON m.repo_id = r.id AND m.user_id = $2
       WHERE r.id = $1 AND (r.owner_id = $2 OR m.user_id IS NOT NULL)`,
      [repoId, userId],
    );
    return row.rows[0] && { write: row.rows[0].write };
  }

  async addObject(repoId: number, oid: string, size: number, ranges: readonly ServedRange[] = []): Promise<void> {
    checkObject(oid, size);
    if (!isId(repoId)) throw repoNotFound(repoId);
    await transaction(this.pool, async (c) => {
      if ((await lockRepos(c, [repoId])).length === 0) throw repoNotFound(repoId);
      const known = (await c.query<{ size: number }>('SELECT size FROM objects WHERE repo_id = $1 AND oid = $2', [repoId, oid])).rows[0]?.size;
      if (known !== undefined && known !== size) {
        throw new IntegrityError(`object ${oid} is recorded with size ${known}, not ${size}`, { data: { oid, size, known } }, 'size_mismatch');
      }
      if (known === undefined) await c.query('INSERT INTO objects (repo_id, oid, size) VALUES ($1, $2, $3)', [repoId, oid, size]);
      await addRanges(c, repoId, ranges);
    });
  }

  async hasObject(repoId: number, oid: string): Promise<boolean> {
    return (await this.objectSize(repoId, oid)) !== undefined;
  }

  async objectSize(repoId: number, oid: string): Promise<number | undefined> {
    if (!isId(repoId)) return undefined;
    return (await this.pool.query<{ size: number }>('SELECT size FROM objects WHERE repo_id = $1 AND oid = $2', [repoId, oid])).rows[0]?.size;
  }

  async objectSizes(repoId: number, oids: readonly string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (!isId(repoId) || oids.length === 0) return sizes;
    const rows = await this.pool.query<{ oid: string; size: number }>('SELECT oid, size FROM objects WHERE repo_id = $1 AND oid = ANY($2::text[])', [repoId, [...oids]]);
    for (const r of rows.rows) sizes.set(r.oid, r.size);
    return sizes;
  }

  async listObjects(repoId: number): Promise<RepoObject[]> {
    if (!isId(repoId)) return [];
    return (await this.pool.query<RepoObject>('SELECT oid, size FROM objects WHERE repo_id = $1 ORDER BY oid', [repoId])).rows;
  }

  /**
   * Holds `pg_advisory_xact_lock(hub, repoId)` in a transaction of its own (on the lock pool)
   * while `fn` runs. If that connection dies meanwhile, PostgreSQL releases the lock: `fn` cannot
   * be stopped halfway (a push in progress), so the loss is reported through `onError`.
   */
  async withRepoLock<T>(repoId: number, fn: () => Promise<T>): Promise<T> {
    const client = await this.lockPool.connect();
    let broken: Error | undefined;
    const lost = (err: Error) => {
      broken = err;
      this.onError(new Error(`the lock of repository #${repoId} was lost with its database connection: ${err.message}`, { cause: err }));
    };
    client.on('error', lost);
    try {
      // the transaction only waits: a server-wide idle-in-transaction timeout must not end it
      await client.query('BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, repoId]);
        return await fn();
      } finally {
        await client.query('ROLLBACK').catch((err: Error) => (broken ??= err)); // nothing was written: ending it releases the lock
      }
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }
}
