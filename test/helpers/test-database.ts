/**
 * The PostgreSQL run of the server suites (test/vitest.config.ts, projects `postgres` and
 * `postgres-alone`): there HUB_TEST_DATABASE_URL names a PostgreSQL server
 * (`postgres://postgres@127.0.0.1:PORT/postgres`, test/postgres-env.ts sets it from the global
 * setup), and every server root a test uses gets a database of its own on it, created on first
 * use and dropped when the test file ends. `hub serve` and the server-side `hub token` and
 * `hub gc` commands given `--root ROOT` then also get `--database` of ROOT's database, as an operator running a
 * PostgreSQL deployment passes it: the suites themselves do not change. Without the variable
 * (the ordinary run) nothing here does anything, and the servers use SQLite.
 */
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';

/** The PostgreSQL server of this run, or undefined when the servers run on SQLite. */
export function testPostgres(): string | undefined {
  return process.env.HUB_TEST_DATABASE_URL || undefined;
}

const created = new Set<string>();

// registered when a test file first imports this module: its databases go when it finishes
afterAll(async () => {
  const server = testPostgres();
  if (!server || created.size === 0) return;
  await admin(server, async (c) => {
    for (const name of created) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
  created.clear();
});

async function admin<T>(server: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on `server`. */
function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates database `name` unless it exists; its URL. */
async function ensureDatabase(server: string, name: string): Promise<string> {
  if (!created.has(name)) {
    await admin(server, async (c) => {
      try {
        await c.query(`CREATE DATABASE "${name}"`);
      } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err; // duplicate_database: made earlier in this file
      }
    });
    created.add(name);
  }
  return databaseUrl(server, name);
}

/** A new, empty database on the run's PostgreSQL server (dropped when the test file ends); undefined in the SQLite run. */
export async function freshDatabase(): Promise<string | undefined> {
  const server = testPostgres();
  return server && ensureDatabase(server, `hub_t_${randomBytes(8).toString('hex')}`);
}

/** The database of the server root `root` in the PostgreSQL run (the same one for every start on that root); undefined in the SQLite run. */
export async function rootDatabase(root: string): Promise<string | undefined> {
  const server = testPostgres();
  return server && ensureDatabase(server, `hub_r_${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 24)}`);
}

/** Commands that read the metadata of the server root they are given with `--root`. */
const SERVER_COMMANDS = [['serve'], ['token', 'create'], ['token', 'list'], ['token', 'revoke'], ['gc']];

/**
 * `args` of a hub run, with `--database` of the `--root` folder's database added when this is the
 * PostgreSQL run and `args` run a server-side command without `--database` of their own.
 */
export async function withRootDatabase(args: readonly string[]): Promise<string[]> {
  if (!testPostgres() || args.includes('--database') || !SERVER_COMMANDS.some((c) => c.every((word, i) => args[i] === word))) return [...args];
  const at = args.indexOf('--root');
  if (at < 0 || at + 1 >= args.length) return [...args];
  return [...args, '--database', (await rootDatabase(args[at + 1]))!];
}
