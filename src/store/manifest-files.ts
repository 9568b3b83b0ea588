/** Reading and writing file manifests under `manifests/` (one canonical JSON file per oid). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, IntegrityError } from '../errors.js';
import { parseManifest, serializeManifest, type FileManifest } from '../formats/manifest.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { manifestPath, type StorePaths } from './paths.js';

/** True when the store has a manifest for `oid`. */
export function hasManifest(paths: StorePaths, oid: string): boolean {
  return existsSync(manifestPath(paths, oid));
}

/** The manifest of `oid`, or undefined when the store does not have it; damage is an IntegrityError. */
export function readManifest(paths: StorePaths, oid: string): FileManifest | undefined {
  let text: string;
  try {
    text = readFileSync(manifestPath(paths, oid), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseStoredManifest(oid, text);
}

/** The stored manifest text of `oid`, parsed and checked (damage is an IntegrityError naming the oid). */
export function parseStoredManifest(oid: string, text: string): FileManifest {
  let manifest: FileManifest;
  try {
    manifest = parseManifest(text);
  } catch (err) {
    if (err instanceof FormatError) {
      throw new IntegrityError(`manifest of ${oid} is damaged: ${err.message}`, { cause: err, data: { oid } }, 'corrupt_manifest');
    }
    throw err;
  }
  if (manifest.oid !== oid) {
    throw new IntegrityError(`manifest file of ${oid} describes ${manifest.oid}`, { data: { oid } }, 'corrupt_manifest');
  }
  return manifest;
}

/** Writes a manifest durably (tmp + fsync + rename). */
export function writeManifest(paths: StorePaths, manifest: FileManifest): void {
  writeFileAtomic(manifestPath(paths, manifest.oid), serializeManifest(manifest));
}

/** Every oid that has a manifest file. */
export function* listManifestOids(paths: StorePaths): IterableIterator<string> {
  if (!existsSync(paths.manifests)) return;
  for (const fan of readdirSync(paths.manifests).sort()) {
    for (const name of readdirSync(join(paths.manifests, fan)).sort()) {
      if (name.endsWith('.json') && /^[0-9a-f]{64}\.json$/.test(name)) yield name.slice(0, 64);
    }
  }
}
