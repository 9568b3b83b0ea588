/**
 * Keyed BLAKE3, the hash of Xet chunks and Merkle nodes. Two backends with identical output:
 * the native addon of @napi-rs/blake-hash (about 4.5 GB/s here) when it loads, and hash-wasm
 * (about 0.7 GB/s) as the portable fallback. We depend on the addon's linux-x64-gnu build
 * directly (an optional dependency): the umbrella package lists a dozen platform packages that
 * npm leaves out of package-lock.json, after which `npm ci` refuses to run. Other platforms get
 * the fallback. HUB_BLAKE3=wasm forces the fallback (tests run
 * both). @noble/hashes is not used: 38 MB/s is far too slow for the hot path.
 */
import { createRequire } from 'node:module';
import { createBLAKE3 } from 'hash-wasm';

/** A reusable keyed BLAKE3: `hash` returns a fresh 32-byte digest of `data`. */
export interface KeyedBlake3 {
  readonly backend: 'native' | 'wasm';
  hash(data: Uint8Array): Uint8Array;
}

/** Xet's key for chunk hashes (merklehash DATA_KEY). */
export const DATA_KEY = Uint8Array.from([
  102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43, 88, 180,
  208, 176, 75, 147, 173, 242, 41,
]);

/** Xet's key for internal Merkle nodes (merklehash INTERNAL_NODE_HASH). */
export const INTERNAL_NODE_KEY = Uint8Array.from([
  1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180, 138, 2, 230, 93, 221, 83, 111, 55, 199, 109, 210, 248,
  99, 82, 230, 74, 83, 113, 63,
]);

interface NativeHasher {
  reset(): void;
  update(input: Uint8Array): NativeHasher;
  digestBuffer(): Buffer;
}
interface NativeModule {
  Blake3Hasher: { newKeyed(key: Buffer): NativeHasher };
}

let nativeModule: NativeModule | null | undefined;

function loadNative(): NativeModule | null {
  if (nativeModule === undefined) {
    try {
      nativeModule = createRequire(import.meta.url)('@napi-rs/blake-hash-linux-x64-gnu') as NativeModule;
    } catch {
      nativeModule = null;
    }
  }
  return nativeModule;
}

/** Which backend createKeyedBlake3 will use with this environment. */
export function blake3Backend(env: NodeJS.ProcessEnv = process.env): 'native' | 'wasm' {
  return env.HUB_BLAKE3 !== 'wasm' && loadNative() ? 'native' : 'wasm';
}

/** Creates a keyed BLAKE3 hasher for `key` (32 bytes), reused across calls. */
export async function createKeyedBlake3(key: Uint8Array, env: NodeJS.ProcessEnv = process.env): Promise<KeyedBlake3> {
  if (key.length !== 32) throw new RangeError('BLAKE3 key must be 32 bytes');
  const native = blake3Backend(env) === 'native' ? loadNative() : null;
  if (native) {
    const hasher = native.Blake3Hasher.newKeyed(Buffer.from(key));
    return {
      backend: 'native',
      hash(data) {
        hasher.reset();
        hasher.update(data);
        return new Uint8Array(hasher.digestBuffer());
      },
    };
  }
  const hasher = await createBLAKE3(256, key);
  return {
    backend: 'wasm',
    hash(data) {
      hasher.init();
      hasher.update(data);
      return hasher.digest('binary');
    },
  };
}
