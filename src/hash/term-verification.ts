/**
 * Xet term verification hashes (Xet spec hashing.md "Term Verification Hashes"; xet-core
 * metadata_shard/chunk_verification.rs): keyed BLAKE3 with VERIFICATION_KEY over the raw
 * 32-byte hashes of the term's chunks, concatenated in order. A shard upload carries one per term
 * so the server can check that the uploader knew the chunk hashes of every range it references.
 */
import { createKeyedBlake3, type KeyedBlake3 } from './blake3.js';

/** Xet's VERIFICATION_KEY. */
export const VERIFICATION_KEY = Uint8Array.from([
  127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231, 165, 195, 243, 164, 205, 38, 213, 181, 219, 73, 230, 65, 36, 152, 127, 40,
  251, 148, 195,
]);

/** Creates the keyed hasher termVerificationHash needs. */
export function createVerificationHasher(env: NodeJS.ProcessEnv = process.env): Promise<KeyedBlake3> {
  return createKeyedBlake3(VERIFICATION_KEY, env);
}

/** The verification hash of a term whose chunks have `chunkHashes` (in order). */
export function termVerificationHash(chunkHashes: readonly Uint8Array[], hasher: KeyedBlake3): Uint8Array {
  const joined = new Uint8Array(32 * chunkHashes.length);
  chunkHashes.forEach((h, i) => joined.set(h, 32 * i));
  return joinedTermVerificationHash(joined, hasher);
}

/** The same, of chunk hashes already joined (32 bytes each, in order). */
export function joinedTermVerificationHash(joined: Uint8Array, hasher: KeyedBlake3): Uint8Array {
  return hasher.hash(joined);
}
