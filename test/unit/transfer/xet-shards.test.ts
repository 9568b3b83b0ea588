import { describe, expect, it } from 'vitest';
import { parseShard } from '../../../src/formats/shard.js';
import type { ShardFile, ShardXorb } from '../../../src/formats/shard-types.js';
import { SHARD_MAX_BYTES, shardBodies } from '../../../src/transfer/xet-shards.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';

const seed = testSeed('xet-shards');
const rand = seededRandom(seed);
const hash = () => Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256));

function xorb(chunks: number): ShardXorb {
  return { xorbHash: hash(), flags: 0, chunks: Array.from({ length: chunks }, (_, i) => ({ hash: hash(), unpackedStart: 1000 * i, unpackedBytes: 1000, flags: 0 })), unpackedBytes: 1000 * chunks, storedBytes: 1000 * chunks + 8 * chunks };
}

function file(terms: number): ShardFile {
  return { fileHash: hash(), terms: Array.from({ length: terms }, (_, i) => ({ xorbHash: hash(), flags: 0, unpackedBytes: 5000, chunkStart: 5 * i, chunkEnd: 5 * i + 5 })), verification: Array.from({ length: terms }, hash), sha256: hash() };
}

const hex = (h: Uint8Array) => Buffer.from(h).toString('hex');

describe('shardBodies', () => {
  it('packs xorb blocks, then file blocks, into shards of at most the limit, each block once and in order', () => {
    const xorbs = Array.from({ length: 12 }, () => xorb(1 + Math.floor(rand() * 30)));
    const files = Array.from({ length: 7 }, () => file(1 + Math.floor(rand() * 10)));
    const max = 48 * 64; // 64 entries of 48 bytes
    const bodies = [...shardBodies(xorbs, files, max)];
    const shards = bodies.map((b) => parseShard(b, 'optional'));
    expect(bodies.length, `seed ${seed}`).toBeGreaterThan(3);
    for (const b of bodies) expect(b.length).toBeLessThanOrEqual(max);
    expect(shards.flatMap((s) => s.xorbs.map((x) => [hex(x.xorbHash), x.chunks.map((c) => hex(c.hash)).join()]))).toEqual(xorbs.map((x) => [hex(x.xorbHash), x.chunks.map((c) => hex(c.hash)).join()]));
    expect(shards.flatMap((s) => s.files.map((f) => [hex(f.fileHash), f.terms.length, f.verification?.map(hex).join()]))).toEqual(files.map((f) => [hex(f.fileHash), f.terms.length, f.verification?.map(hex).join()]));
    // every file comes after every xorb block: no shard holds a xorb block after one that held a file
    const firstWithFiles = shards.findIndex((s) => s.files.length > 0);
    expect(shards.slice(firstWithFiles + 1).every((s) => s.xorbs.length === 0)).toBe(true);
    // and none could have taken the next one's first block
    for (let i = 0; i + 1 < shards.length; i++) {
      const next = shards[i + 1].xorbs[0] ? 48 * (1 + shards[i + 1].xorbs[0].chunks.length) : 48 * (2 + 2 * shards[i + 1].files[0].terms.length);
      expect(bodies[i].length + next, `shard ${i} left room`).toBeGreaterThan(max);
    }
  });

  it('sends one shard for a push that fits, none for nothing, and a block larger than the limit alone', () => {
    const small = [...shardBodies([xorb(3)], [file(2)])];
    expect(small).toHaveLength(1);
    expect(parseShard(small[0], 'optional')).toMatchObject({ xorbs: [{ chunks: { length: 3 } }], files: [{ terms: { length: 2 } }] });
    expect([...shardBodies([], [])]).toEqual([]);
    const big = [...shardBodies([xorb(2), xorb(100), xorb(2)], [], 48 * 20)].map((b) => parseShard(b, 'optional').xorbs.map((x) => x.chunks.length));
    expect(big).toEqual([[2], [100], [2]]);
    expect(SHARD_MAX_BYTES).toBe(64 << 20);
  });
});
