// The published Xet test vectors (fixtures/xet/published-vectors.json names their source: the
// Internet-Draft draft-denis-xet's Test Vectors section) through hub's own hashing and byte
// grouping, on both BLAKE3 backends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bg4Join, bg4Split } from '../../../src/formats/byte-grouping.js';
import { createXetHashers } from '../../../src/hash/hashers.js';
import { merkleRoot } from '../../../src/hash/merkle.js';
import { createVerificationHasher, termVerificationHash } from '../../../src/hash/term-verification.js';
import { fromXetHex, plainHex, xetHex } from '../../../src/hash/xet-hex.js';
import { BLAKE3_BACKENDS } from '../../helpers/blake3-backends.js';
import { repoRoot } from '../../helpers/paths.js';

const vectors = JSON.parse(readFileSync(`${repoRoot}/fixtures/xet/published-vectors.json`, 'utf8'));
const raw = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('the Xet hash string form', () => {
  it('prints a hash as four little-endian u64 values and reads it back', () => {
    const { rawHex, xetString } = vectors.hashString;
    expect(xetHex(raw(rawHex))).toBe(xetString);
    expect(plainHex(fromXetHex(xetString))).toBe(rawHex);
  });
});

describe.each(BLAKE3_BACKENDS)('published Xet hash vectors (%s BLAKE3)', (backend) => {
  const env = { HUB_BLAKE3: backend === 'wasm' ? 'wasm' : '' };

  it('chunk hash of "Hello World!"', async () => {
    const h = await createXetHashers(env);
    const hash = h.chunk.hash(new TextEncoder().encode(vectors.chunkHash.inputAscii));
    expect(plainHex(hash)).toBe(vectors.chunkHash.rawHex);
    expect(xetHex(hash)).toBe(vectors.chunkHash.xetString);
  });

  it('internal node hash of two children (one Merkle group: their text, keyed)', async () => {
    const h = await createXetHashers(env);
    const children = vectors.internalNode.children.map((c: { xetString: string; size: number }) => ({ hash: fromXetHex(c.xetString), size: c.size }));
    expect(xetHex(merkleRoot(children, h.node))).toBe(vectors.internalNode.xetString);
    expect(xetHex(h.node.hash(new TextEncoder().encode(vectors.internalNode.hashedText)))).toBe(vectors.internalNode.xetString);
  });

  it('verification hash of a range of two chunks', async () => {
    const hasher = await createVerificationHasher(env);
    expect(xetHex(termVerificationHash(vectors.verificationRange.chunkHashesRawHex.map(raw), hasher))).toBe(vectors.verificationRange.xetString);
  });
});

describe('byte grouping (BG4)', () => {
  it('groups the published 12-byte pattern and joins it back', () => {
    const original = raw(vectors.byteGrouping4.originalHex);
    const grouped = bg4Split(original);
    expect(plainHex(grouped)).toBe(vectors.byteGrouping4.groupedHex);
    expect(plainHex(bg4Join(grouped))).toBe(vectors.byteGrouping4.originalHex);
  });
});
