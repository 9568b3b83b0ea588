/** `hub chunk FILE`: the Xet chunk list of a file (plumbing for tests and debugging). */
import { closeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pacer, raceAbort } from '../../abort.js';
import { Chunker } from '../../chunking/chunker.js';
import { createXetHashers } from '../../hash/hashers.js';
import { fileHash, xorbHash, type MerkleEntry } from '../../hash/merkle.js';
import { xetHex } from '../../hash/xet-hex.js';
import { assertUnchanged, chunkOpenedFile, openInputFile } from '../../store/file-source.js';
import { startFileSha256 } from '../../store/file-sha256.js';
import type { CoreContext } from '../context.js';

/** One chunk in the listing. */
export interface ChunkEntry {
  offset: number;
  length: number;
  /** Xet hex of the keyed BLAKE3 chunk hash. */
  hash: string;
}

/** The chunk list of one file. */
export interface ChunkListing {
  path: string;
  size: number;
  /** sha256 of the file (its LFS oid). */
  oid: string;
  /** Xet file hash (null for an empty file, as in the Xet vectors). */
  xetHash: string | null;
  /** Xet xorb hash the chunks would have as one xorb (null for an empty file). */
  xorbHash: string | null;
  blake3: 'native' | 'wasm';
  chunks: ChunkEntry[];
}

/** Chunks the file at `path` (relative to ctx.cwd). */
export async function chunkFile(ctx: CoreContext, path: string): Promise<ChunkListing> {
  const hashers = await createXetHashers(ctx.env);
  const file = openInputFile(resolve(ctx.cwd, path));
  const sha = startFileSha256(file.path, file.stat.size);
  const chunks: ChunkEntry[] = [];
  const entries: MerkleEntry[] = [];
  let oid: string;
  const checkpoint = pacer(ctx.signal);
  try {
    await chunkOpenedFile(file, new Chunker(hashers.chunk), (c) => {
      sha.update(c.data);
      chunks.push({ offset: c.offset, length: c.length, hash: xetHex(c.hash) });
      entries.push({ hash: Uint8Array.from(c.hash), size: c.length });
    }, checkpoint);
    const digest = await raceAbort(sha.digest(), ctx.signal);
    assertUnchanged(file, digest.size);
    oid = digest.oid;
  } catch (err) {
    sha.cancel();
    throw err;
  } finally {
    closeSync(file.fd);
  }
  const empty = entries.length === 0;
  return {
    path,
    size: file.stat.size,
    oid,
    xetHash: empty ? null : xetHex(fileHash(entries, hashers)),
    xorbHash: empty ? null : xetHex(xorbHash(entries, hashers)),
    blake3: hashers.chunk.backend,
    chunks,
  };
}
