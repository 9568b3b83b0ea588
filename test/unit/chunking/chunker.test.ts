import { describe, expect, it } from 'vitest';
import { Chunker, MAX_CHUNK, MIN_CHUNK } from '../../../src/chunking/chunker.js';
import { createXetHashers, type XetHashers } from '../../../src/hash/hashers.js';
import { fileHash, xorbHash, type MerkleEntry } from '../../../src/hash/merkle.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { loadVectors, vectorInput } from '../../helpers/vectors.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { BLAKE3_BACKENDS } from '../../helpers/blake3-backends.js';

interface Result { lengths: number[]; hashes: string[]; fileHash: string | null; xorbHash: string | null }

function chunkAll(h: XetHashers, input: Uint8Array, piece: number, readBytes?: number): Result {
  const chunker = new Chunker(h.chunk, readBytes);
  const entries: MerkleEntry[] = [];
  let expectOffset = 0;
  const sink = (c: { offset: number; length: number; hash: Uint8Array; data: Uint8Array }) => {
    expect(c.offset).toBe(expectOffset);
    expect(c.data.length).toBe(c.length);
    expectOffset += c.length;
    entries.push({ hash: c.hash, size: c.length });
  };
  for (let at = 0; at < input.length; at += piece) chunker.push(input.subarray(at, Math.min(input.length, at + piece)), sink);
  chunker.finish(sink);
  return {
    lengths: entries.map((e) => e.size),
    hashes: entries.map((e) => xetHex(e.hash)),
    fileHash: entries.length ? xetHex(fileHash(entries, h)) : null,
    xorbHash: entries.length ? xetHex(xorbHash(entries, h)) : null,
  };
}

const cases = loadVectors();

describe.each(BLAKE3_BACKENDS)('Xet chunking vectors (BLAKE3 %s)', (backend) => {
  let hashers: XetHashers;
  it('loads the backend', async () => {
    hashers = await createXetHashers({ ...process.env, HUB_BLAKE3: backend === 'wasm' ? 'wasm' : '' });
    expect(hashers.chunk.backend).toBe(backend);
  });

  // piece = bytes per push (the read size of the input stream); readBytes = the chunker window
  const shapes: Array<[number, number | undefined]> = [
    [8 * 1024 * 1024, undefined],
    [1 << 20, 1 << 20],
    [65536, 4096],
    [1000, undefined],
    [7, 1],
  ];
  for (const c of cases) {
    // one-byte and seven-byte pieces are slow in JS: keep them to the smaller inputs
    const fitting = shapes.filter(([piece]) => piece >= 1000 || c.input.length <= 1_000_000);
    it.each(fitting)(`${c.name}: pieces of %i bytes, window %s`, (piece, readBytes) => {
      const input = vectorInput(c);
      const r = chunkAll(hashers, input, piece, readBytes);
      expect(r.lengths).toEqual(c.chunk_lengths);
      expect(r.hashes).toEqual(c.chunk_hashes);
      expect(r.fileHash).toBe(c.file_hash);
      expect(r.xorbHash).toBe(c.xorb_hash);
    });
  }

  it('matches the vectors with one-byte pieces', () => {
    const c = cases.find((v) => v.input.length > 100_000 && v.input.length <= 1_000_000)!;
    const r = chunkAll(hashers, vectorInput(c), 1);
    expect(r.lengths).toEqual(c.chunk_lengths);
    expect(r.hashes).toEqual(c.chunk_hashes);
  });
});

describe('chunk size bounds', () => {
  it('keeps every chunk but the last within [MIN_CHUNK, MAX_CHUNK] on random and repetitive data', async () => {
    const h = await createXetHashers();
    const random = seededRandom(testSeed('chunk size bounds'));
    const input = new Uint8Array(3_000_000);
    for (let i = 0; i < input.length; i++) input[i] = i % 200_000 < 100_000 ? (random() * 256) | 0 : 0; // noise, then zeros
    const r = chunkAll(h, input, 12345);
    expect(r.lengths.reduce((a, b) => a + b, 0)).toBe(input.length);
    for (const len of r.lengths.slice(0, -1)) {
      expect(len).toBeGreaterThanOrEqual(MIN_CHUNK);
      expect(len).toBeLessThanOrEqual(MAX_CHUNK);
    }
    // the same input through another read shape gives the same cuts
    expect(chunkAll(h, input, 1 << 20, 4096).lengths).toEqual(r.lengths);
  });
});
