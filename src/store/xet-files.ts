/**
 * Which object a Xet file hash names, for a Xet CAS (hub serve): `xet-files/<2 hex>/<xet hash>`
 * holds the LFS oid (sha256) of the file whose chunks give that hash. A file has one manifest in
 * the store (keyed by oid) but may have several Xet hashes: each client that chunked it (hub, or
 * a JS client whose chunker cuts elsewhere) names it by the hash of its own chunks. Each hash is
 * recorded once verified: the chunks of a registered manifest, or of a verified shard file, give
 * it. A hash names at most one content, so an entry is never rewritten with another oid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { StorePaths } from './paths.js';

const HEX64 = /^[0-9a-f]{64}$/;

function aliasPath(paths: StorePaths, xetHash: string): string {
  return join(paths.root, 'xet-files', xetHash.slice(0, 2), xetHash);
}

/** Records that the verified Xet file hash `xetHash` names the object `oid` (nothing when it already does). */
export function recordXetFile(paths: StorePaths, xetHash: string, oid: string): void {
  if (!HEX64.test(xetHash) || !HEX64.test(oid)) throw new RangeError('recordXetFile takes two 64-digit hex hashes');
  const path = aliasPath(paths, xetHash);
  if (existsSync(path)) return;
  writeFileAtomic(path, `${oid}\n`, { tmpDir: paths.tmp });
}

/** The oid the Xet file hash `xetHash` names, if recorded. */
export function oidOfXetFile(paths: StorePaths, xetHash: string): string | undefined {
  if (!HEX64.test(xetHash)) return undefined;
  let text: string;
  try {
    text = readFileSync(aliasPath(paths, xetHash), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const oid = text.trim();
  return HEX64.test(oid) ? oid : undefined;
}
