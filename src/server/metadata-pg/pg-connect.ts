/**
 * Connections to the PostgreSQL database of `hub serve --database postgres://...`: the URL's
 * checks, pools whose BIGINT columns read as numbers (sizes, offsets and times in ms all fit a
 * double exactly), transactions that retry a deadlock, and the errors a bad URL or an unreachable
 * database become (one line, an exit code from DESIGN.md §6, never the password).
 */
import pg from 'pg';
import { HubError, NetworkError, NotFoundError, PermissionError, UsageError } from '../../errors.js';

/** The OID of PostgreSQL's int8 type. */
const INT8 = 20;

/** Whether `value` names a PostgreSQL database (`postgres://` or `postgresql://`). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** `url` without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Checks a `--database` URL (UsageError `bad_database_url`): postgres(ql)://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE[?...]. */
export function checkPostgresUrl(url: string): void {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || !isPostgresUrl(url) || u.hostname === '' || u.pathname.length <= 1 || u.pathname.slice(1).includes('/')) {
    const shown = u ? redactUrl(url) : url.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@');
    throw new UsageError(`--database takes postgres://USER@HOST:PORT/DATABASE, not ${JSON.stringify(shown)}`, {}, 'bad_database_url');
  }
}

/** Type parsers that read int8 (BIGINT, count(*)) as a number: every such value hub stores is below 2^53. */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** How long a connection attempt may take before the database counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** A pool on `url` (checked with {@link checkPostgresUrl}); `max` connections at most. */
export function createPool(url: string, max: number, onIdleError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, idleTimeoutMillis: 30_000, types: PG_TYPES });
  // a connection that dies while idle (the database restarted) must not take the server down
  pool.on('error', onIdleError);
  return pool;
}

/** The one-line HubError for a failure to connect to or use the database at `url`. */
export function databaseError(err: unknown, url: string): HubError {
  if (err instanceof HubError) return err;
  const e = err as { code?: string; message?: string };
  const where = redactUrl(url);
  const why = (e.message ?? String(err)).split('\n')[0];
  switch (e.code) {
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification
      return new PermissionError(`the database at ${where} refused the login: ${why}`, { cause: err }, 'database_auth');
    case '3D000': // invalid_catalog_name
      return new NotFoundError(`no database at ${where}: ${why}`, { cause: err, hint: 'create it first (createdb, or CREATE DATABASE)' }, 'database_not_found');
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
    case '57P01': // admin_shutdown
    case '57P03': // cannot_connect_now
      return new NetworkError(`cannot reach the database at ${where}: ${why}`, { cause: err }, 'database_unreachable');
  }
  if (/timeout|terminated|Connection terminated/i.test(why)) return new NetworkError(`cannot reach the database at ${where}: ${why}`, { cause: err }, 'database_unreachable');
  return new HubError('database_error', `the database at ${where} failed: ${why}`, undefined, { cause: err });
}

/** PostgreSQL's codes for a transaction that lost a race and may simply run again. */
const RETRY_CODES = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 5;

/**
 * Runs `fn` in a transaction on a connection of `pool`: committed when it resolves, rolled back
 * when it throws. A deadlock or serialization failure runs it again (up to 5 times); `fn` must
 * be safe to repeat (it only talks to the database).
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: unknown;
    // an error between queries would be emitted with no listener (and end the process); the next query fails instead
    const ignore = () => {};
    client.on('error', ignore);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
      const code = (err as { code?: string }).code;
      if (attempt < MAX_ATTEMPTS && code !== undefined && RETRY_CODES.has(code)) continue;
      throw err;
    } finally {
      client.off('error', ignore);
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}
