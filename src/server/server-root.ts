/**
 * The server's data folder: created readable by its owner only. A server root holds the token
 * hashes, every repository (private ones too) and the content store, so `hub serve` and the
 * server-side `hub token` commands set the process umask to 077 before they touch it: every
 * folder they (and the git and SQLite they run) create is 0700 and every file 0600, hooks 0700.
 * A root that already exists keeps its own mode (the operator chose it); hub warns when others
 * can read it.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Metadata } from './metadata-types.js';
import { openMetadata } from './open-metadata.js';

/** The process umask `hub serve` runs with. */
export const SERVER_UMASK = 0o077;

/**
 * Sets the umask and creates `root` (0700) with `repos/` and `tmp/`; returns a warning when an
 * existing root is open to group or others.
 */
export function prepareRoot(root: string): string | undefined {
  process.umask(SERVER_UMASK);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const d of ['repos', 'tmp']) mkdirSync(join(root, d), { recursive: true, mode: 0o700 });
  const mode = statSync(root).mode & 0o777;
  return (mode & 0o077) !== 0 ? `the server root ${root} is readable by others (mode ${mode.toString(8)}): chmod 700 it` : undefined;
}

/**
 * The metadata of the server root `root` (created, with the root, as {@link prepareRoot} does):
 * `<root>/meta.sqlite`, or the PostgreSQL database `database` (open-metadata.ts), for the
 * server-side `hub token` commands.
 */
export async function openServerMetadata(root: string, database?: string): Promise<Metadata> {
  prepareRoot(root);
  return (await openMetadata(root, database)).meta;
}
