/**
 * The metadata of a running test server, for tests that arrange what no API offers (members of
 * a repository): its SQLite file in the server root, or its PostgreSQL database in the
 * PostgreSQL run (test-database.ts).
 */
import { openMetadata } from '../../src/server/open-metadata.js';
import type { Metadata } from '../../src/server/metadata-types.js';

/** Opens the metadata of `server`, runs `fn` on it and closes it. */
export async function withServerMetadata<T>(server: { root: string; database?: string }, fn: (meta: Metadata) => Promise<T>): Promise<T> {
  const { meta } = await openMetadata(server.root, server.database);
  try {
    return await fn(meta);
  } finally {
    await meta.close();
  }
}

/** Adds `user` to each of the model repositories `owner/name` of `server` (write access when `write`). */
export async function addMembers(server: { root: string; database?: string }, owner: string, names: readonly string[], user: string, write: boolean): Promise<void> {
  await withServerMetadata(server, async (meta) => {
    for (const name of names) await meta.addMember((await meta.getRepo('model', owner, name))!.id, user, write);
  });
}
