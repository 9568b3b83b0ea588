// The BLAKE3 backends a test can exercise on this machine: hash-wasm always, the native addon
// only where it is installed (it is an optional dependency: npm may leave it out).
import { blake3Backend } from '../../src/hash/blake3.js';

/** 'native' (when the addon loads) and 'wasm'. */
export const BLAKE3_BACKENDS: Array<'native' | 'wasm'> = blake3Backend({}) === 'native' ? ['native', 'wasm'] : ['wasm'];

if (!BLAKE3_BACKENDS.includes('native')) console.log('the native BLAKE3 addon is not installed here: testing the wasm backend only');
