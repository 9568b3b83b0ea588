/**
 * What a Xet CAS (hub serve) looks files up by, beside the store's manifests (keyed by oid):
 *
 * - the Xet file hash -> the LFS oid (sha256) of the file whose chunks give that hash. A file has
 *   one manifest but may have several Xet hashes: each client that chunked it (hub, or a JS
 *   client whose chunker cuts elsewhere) names it by the hash of its own chunks. Each hash is
 *   recorded once verified (the chunks of a registered manifest, or of a verified shard file,
 *   give it); a hash names one content, so an entry is never rewritten.
 * - a first chunk hash -> the oid of the last file registered whose first chunk that is: a dedup
 *   query for the first chunk of a new revision then answers with the xorbs of the old one, not
 *   only the xorb holding that chunk.
 *
 * The entries live where the store's manifests live (XetFileIndex, one per backend): files under
 * `xet-files/` of the store folder (FsXetFiles), or objects under `xet-files/` of the store's
 * bucket (s3-xet-files.ts), so every server on one bucket finds a file any of them registered.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { StorePaths } from './paths.js';

/** 64 lowercase hex digits: a Xet hash, a chunk hash or an oid. */
export const HEX64 = /^[0-9a-f]{64}$/;

/** The Xet CAS's lookups of a store (see the module comment). */
export interface XetFileIndex {
  /**
   * Records that the verified Xet file hash `xetHash` names the object `oid` (nothing when it
   * already does). `durable: false` when the caller can record it again (a resolve answer naming
   * the store's manifest's hash records it each time it finds it missing).
   */
  recordFile(xetHash: string, oid: string, opts?: { durable?: boolean }): Promise<void>;
  /** The oid the Xet file hash `xetHash` names, if recorded. */
  oidOfFile(xetHash: string): Promise<string | undefined>;
  /** Records that `oid` is the latest file registered whose first chunk is `chunk` (Xet hex): a hint. */
  recordFirstChunk(chunk: string, oid: string): Promise<void>;
  /** The oid of the latest file registered whose first chunk is `chunk`, if any. */
  oidOfFirstChunk(chunk: string): Promise<string | undefined>;
}

/** Throws unless both are 64-digit hex hashes (a caller's bug: they come from verified content). */
export function checkHashes(what: string, a: string, b: string): void {
  if (!HEX64.test(a) || !HEX64.test(b)) throw new RangeError(`${what} takes two 64-digit hex hashes`);
}

/** The oid in an entry's text, or undefined when it holds none. */
export function parseEntry(text: string): string | undefined {
  const oid = text.trim();
  return HEX64.test(oid) ? oid : undefined;
}

/** The entries as files: `xet-files/<2 hex>/<xet hash>` and `xet-files/first/<2 hex>/<chunk hash>`, each holding an oid. */
export class FsXetFiles implements XetFileIndex {
  constructor(private readonly paths: StorePaths) {}

  async recordFile(xetHash: string, oid: string, opts: { durable?: boolean } = {}): Promise<void> {
    checkHashes('recordFile', xetHash, oid);
    const path = join(this.paths.root, 'xet-files', xetHash.slice(0, 2), xetHash);
    if (existsSync(path)) return;
    writeFileAtomic(path, `${oid}\n`, { tmpDir: this.paths.tmp, durable: opts.durable });
  }

  async oidOfFile(xetHash: string): Promise<string | undefined> {
    return HEX64.test(xetHash) ? readOid(join(this.paths.root, 'xet-files', xetHash.slice(0, 2), xetHash)) : undefined;
  }

  async recordFirstChunk(chunk: string, oid: string): Promise<void> {
    checkHashes('recordFirstChunk', chunk, oid);
    const path = this.firstPath(chunk);
    if (readOid(path) === oid) return;
    writeFileAtomic(path, `${oid}\n`, { tmpDir: this.paths.tmp, durable: false }); // a hint: losing it only loses dedup
  }

  async oidOfFirstChunk(chunk: string): Promise<string | undefined> {
    return HEX64.test(chunk) ? readOid(this.firstPath(chunk)) : undefined;
  }

  private firstPath(chunk: string): string {
    return join(this.paths.root, 'xet-files', 'first', chunk.slice(0, 2), chunk);
  }
}

function readOid(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseEntry(text);
}
