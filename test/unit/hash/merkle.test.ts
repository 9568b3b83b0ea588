import { describe, expect, it } from 'vitest';
import { createXetHashers } from '../../../src/hash/hashers.js';
import { fileHash, MerkleBuilder, merkleRoot, xorbHash } from '../../../src/hash/merkle.js';
import { fromXetHex, xetHex } from '../../../src/hash/xet-hex.js';
import { sha256Hex } from '../../../src/hash/sha256.js';
import { BLAKE3_BACKENDS } from '../../helpers/blake3-backends.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';

// Reference values from xet-core merklehash aggregated_hashes.rs test_correctness:
// (leaves as (xet hex, size), cas hash, file hash with the zero salt).
const A = 'cfc5d07f6f03c29bbf424132963fe08d19a37d5757aaf520bf08119f05cd56d6';
const B = 'c3e67584b5c4fc2a89837ec39e40f2c8a6bb0b2987ac94cd4b31e5fbdd210a72';
const C = '0d2beb91b9196929a5ddec9f6e306924ddf4a24268e3e59fd8464738d525af37';
const D = 'adf8773496a9b7319b2e50dc98093f344053b17d8ad37100b9c07d9805988784';
const Z = '0'.repeat(64);
const reference: Array<[Array<[string, number]>, string, string]> = [
  [[[A, 100]], A, '8e16257caa3fe079d484d872a8975264b2ff683b0d6db9028cc7c0f968a45661'],
  [[[A, 100], [B, 200], [C, 300]], '71ec1275fca074724e2dd666921b3277c7cee603e4d025bcab2d4050015be2bc', '54e55dccc6653c612bdb5576c5d3cb34bb31bc4e100248abccf4c908b3ef7715'],
  [[[A, 100], [A, 100], [A, 100], [A, 100]], '89f2ada89ff8c96763c6b25010e6dd76a4c05b1466207633ea559acf2093211b', '2cdba690d0e09563596e0cda626d43eb4c96ef1e994fe72d9b2f5a83cfcd36dd'],
  [[[A, 100], [B, 200], [A, 100], [B, 200], [C, 300], [D, 400]], '52c826f99507aa05d0b45e9837fa1709e0485425cfbcb1e80db3905cf98b3ee9', '91d21684db364c8883ab8209fa5eb2e781cf07f37e1fa43e731c30839afe422f'],
  [[[Z, 0], [A, 100], [Z, 0], [A, 100], [Z, 0]], 'f36c6a6374a567efd36ed087aeb680b57e3af4e0b5b8e7be2593df4cb647a2de', 'ab2f46d31855e1133b3b5b70e78f841394a648710a208923b221c1a8a0572a1f'],
  [[[Z, 0]], Z, '638a6bc391964a85939d48f008e8bdbae6a7975e7ca2d87a3ce2492f4e4d8a4c'],
];

describe.each(BLAKE3_BACKENDS)('Xet Merkle hashes (%s BLAKE3)', (backend) => {
  it.each(reference.map((r, i) => [i, ...r] as const))('reference %i', async (_i, leaves, cas, file) => {
    const h = await createXetHashers({ HUB_BLAKE3: backend === 'wasm' ? 'wasm' : '' });
    const entries = leaves.map(([hex, size]) => ({ hash: fromXetHex(hex), size }));
    expect(xetHex(xorbHash(entries, h))).toBe(cas);
    expect(xetHex(fileHash(entries, h))).toBe(file);
  });

  it('hashes no leaves to zeros', async () => {
    const h = await createXetHashers({ HUB_BLAKE3: backend === 'wasm' ? 'wasm' : '' });
    expect(xetHex(xorbHash([], h))).toBe(Z);
    expect(xetHex(fileHash([], h))).toBe(Z);
  });
});

describe('MerkleBuilder', () => {
  it('gives the root merkleRoot gives, for the reference leaves and random leaf lists of every shape', async () => {
    const h = await createXetHashers();
    const built = (leaves: Array<{ hash: Uint8Array; size: number }>) => {
      const b = new MerkleBuilder(h.node);
      for (const l of leaves) b.push(l.hash, l.size);
      expect(b.leaves).toBe(leaves.length);
      return xetHex(b.root());
    };
    for (const [leaves] of reference) {
      const entries = leaves.map(([hex, size]) => ({ hash: fromXetHex(hex), size }));
      expect(built(entries)).toBe(xetHex(merkleRoot(entries, h.node)));
    }
    const random = seededRandom(testSeed('MerkleBuilder'));
    // cuts: how often a hash ends a group (byte 24 % 4 == 0): as random hashes do, never (groups of 9), always
    for (const cuts of [0.25, 0, 1]) {
      for (const n of [0, 1, 2, 3, 4, 8, 9, 10, 11, 17, 80, 81, 82, 729, 730, ...Array.from({ length: 12 }, () => Math.floor(random() * 3000))]) {
        const leaves = Array.from({ length: n }, () => {
          const hash = Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256));
          hash[24] = random() < cuts ? hash[24] & ~3 : hash[24] | 1;
          return { hash, size: Math.floor(random() * 131072) };
        });
        expect(built(leaves), `${n} leaves, cuts ${cuts}`).toBe(xetHex(merkleRoot(leaves, h.node)));
      }
    }
  });
});

describe('hex forms', () => {
  it('reverses each 8-byte group and round-trips', () => {
    const raw = Uint8Array.from({ length: 32 }, (_, i) => i);
    const hex = xetHex(raw);
    expect(hex.slice(0, 16)).toBe('0706050403020100');
    expect(fromXetHex(hex)).toEqual(raw);
    expect(() => fromXetHex('xyz')).toThrow(RangeError);
  });

  it('sha256 matches the known digest of "abc"', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
