/**
 * The metadata of a running test server, for tests that arrange what no API offers (members of
 * a repository): its SQLite file in the server root.
 */
import { join } from 'node:path';
import { SqliteMetadata, type Metadata } from '../../src/server/metadata.js';

/** Opens the metadata of `server`, runs `fn` on it and closes it. */
export async function withServerMetadata<T>(server: { root: string }, fn: (meta: Metadata) => Promise<T>): Promise<T> {
  const meta = SqliteMetadata.open(join(server.root, 'meta.sqlite'));
  try {
    return await fn(meta);
  } finally {
    await meta.close();
  }
}

/** Adds `user` to each of the model repositories `owner/name` of `server` (write access when `write`). */
export async function addMembers(server: { root: string }, owner: string, names: readonly string[], user: string, write: boolean): Promise<void> {
  await withServerMetadata(server, async (meta) => {
    for (const name of names) await meta.addMember((await meta.getRepo('model', owner, name))!.id, user, write);
  });
}
