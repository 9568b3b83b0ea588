/**
 * What a Xet CAS (hub serve) looks files up by, beside the store's manifests (keyed by oid):
 *
 * - `xet-files/<2 hex>/<xet hash>` holds the LFS oid (sha256) of the file whose chunks give that
 *   Xet file hash. A file has one manifest but may have several Xet hashes: each client that
 *   chunked it (hub, or a JS client whose chunker cuts elsewhere) names it by the hash of its own
 *   chunks. Each hash is recorded once verified (the chunks of a registered manifest, or of a
 *   verified shard file, give it); a hash names one content, so an entry is never rewritten.
 * - `xet-files/first/<2 hex>/<chunk hash>` holds the oid of the last file registered whose first
 *   chunk that is: a dedup query for the first chunk of a new revision then answers with the
 *   xorbs of the old one, not only the xorb holding that chunk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { FileManifest } from '../formats/manifest.js';
import { xetHex } from '../hash/xet-hex.js';
import { indexedChunkHashes } from './object-verify.js';
import type { StorePaths } from './paths.js';
import type { Store } from './store.js';
import { XorbFile } from './xorb-reader.js';

const HEX64 = /^[0-9a-f]{64}$/;

function aliasPath(paths: StorePaths, xetHash: string): string {
  return join(paths.root, 'xet-files', xetHash.slice(0, 2), xetHash);
}

/**
 * Records that the verified Xet file hash `xetHash` names the object `oid` (nothing when it
 * already does). `durable: false` when the caller can record it again (a resolve answer naming
 * the store's manifest's hash records it each time it finds it missing).
 */
export function recordXetFile(paths: StorePaths, xetHash: string, oid: string, opts: { durable?: boolean } = {}): void {
  if (!HEX64.test(xetHash) || !HEX64.test(oid)) throw new RangeError('recordXetFile takes two 64-digit hex hashes');
  const path = aliasPath(paths, xetHash);
  if (existsSync(path)) return;
  writeFileAtomic(path, `${oid}\n`, { tmpDir: paths.tmp, durable: opts.durable });
}

/** The oid the Xet file hash `xetHash` names, if recorded. */
export function oidOfXetFile(paths: StorePaths, xetHash: string): string | undefined {
  return HEX64.test(xetHash) ? readOid(aliasPath(paths, xetHash)) : undefined;
}

function firstPath(paths: StorePaths, chunk: string): string {
  return join(paths.root, 'xet-files', 'first', chunk.slice(0, 2), chunk);
}

/** Records that `oid` is the latest file registered whose first chunk is `chunk` (Xet hex). */
export function recordFirstChunk(paths: StorePaths, chunk: string, oid: string): void {
  if (!HEX64.test(chunk) || !HEX64.test(oid)) throw new RangeError('recordFirstChunk takes two 64-digit hex hashes');
  const path = firstPath(paths, chunk);
  if (readOid(path) === oid) return;
  writeFileAtomic(path, `${oid}\n`, { tmpDir: paths.tmp, durable: false }); // a hint: losing it only loses dedup
}

/** The oid of the latest file registered whose first chunk is `chunk`, if any. */
export function oidOfFirstChunk(paths: StorePaths, chunk: string): string | undefined {
  return HEX64.test(chunk) ? readOid(firstPath(paths, chunk)) : undefined;
}

function readOid(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const oid = text.trim();
  return HEX64.test(oid) ? oid : undefined;
}

/** Records what a Xet CAS looks `manifest` up by: its Xet hash, and its first chunk's hash (read from the index). */
export function recordXetManifest(store: Store, manifest: FileManifest): void {
  recordXetFile(store.paths, manifest.xetHash, manifest.oid);
  const first = manifest.terms[0];
  if (!first) return;
  const f = XorbFile.open(store.xorbs, first.xorb);
  try {
    const hash = indexedChunkHashes(store, f)[first.chunkStart];
    if (hash) recordFirstChunk(store.paths, xetHex(hash), manifest.oid);
  } finally {
    f.close();
  }
}
