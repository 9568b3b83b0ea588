/**
 * The set of keyed BLAKE3 hashers hub needs, created once per process and shared: chunk
 * hashes (DATA_KEY), Merkle nodes (INTERNAL_NODE_KEY) and file hashes (zero salt).
 */
import { createKeyedBlake3, DATA_KEY, INTERNAL_NODE_KEY, type KeyedBlake3 } from './blake3.js';
import type { MerkleHashers } from './merkle.js';

/** Chunk, node and file-salt hashers. */
export interface XetHashers extends MerkleHashers {
  chunk: KeyedBlake3;
}

/** Creates the hashers (native BLAKE3 where it loads, hash-wasm otherwise). */
export async function createXetHashers(env: NodeJS.ProcessEnv = process.env): Promise<XetHashers> {
  const [chunk, node, fileSalt] = await Promise.all([
    createKeyedBlake3(DATA_KEY, env),
    createKeyedBlake3(INTERNAL_NODE_KEY, env),
    createKeyedBlake3(new Uint8Array(32), env),
  ]);
  return { chunk, node, fileSalt };
}
