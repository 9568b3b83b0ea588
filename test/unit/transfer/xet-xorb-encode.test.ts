/**
 * A local xorb re-encoded for a Xet upload (src/transfer/xet-xorb-encode.ts): whatever the
 * compression, the body parses as a Xet xorb with a footer, decodes to the same chunks and hashes
 * to the local xorb's name; `auto` compresses BF16-like weights (seeded N(0, 0.02), the seed
 * printed) and leaves F32-like weights and random bytes alone; a damaged local xorb is refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compressChunk } from '../../../src/formats/chunk-compress.js';
import { decodeXetXorb, parseXetXorb, verifyXetXorb } from '../../../src/formats/xet-xorb.js';
import { encodeXorb } from '../../../src/formats/xorb.js';
import { createXetHashers, type XetHashers } from '../../../src/hash/hashers.js';
import { xorbHash } from '../../../src/hash/merkle.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import type { UploadSource } from '../../../src/transfer/store-interfaces.js';
import { chooseScheme, encodeLocalXorb, type XetCompression } from '../../../src/transfer/xet-xorb-encode.js';
import { seededRandom } from '../formats/seeded.js';

let hashers: XetHashers;
beforeAll(async () => {
  hashers = await createXetHashers();
});

const { rand } = seededRandom('xet xorb encode');
/** `n` values of N(0, 0.02) as F32 (little-endian). */
function f32(n: number): Uint8Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.02 * rand.normal();
  return new Uint8Array(out.buffer);
}
/** The same as BF16 (the high half of each F32). */
function bf16(n: number): Uint8Array {
  const f = f32(n);
  const out = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = f[4 * i + 2];
    out[2 * i + 1] = f[4 * i + 3];
  }
  return out;
}

/** An UploadSource holding one local xorb (the store's format) in memory. */
function sourceOf(chunks: Uint8Array[], indexKnows = true): { source: UploadSource; name: string; bytes: Uint8Array } {
  const bytes = encodeXorb(chunks);
  const hashes = chunks.map((c) => hashers.chunk.hash(c));
  const name = xetHex(xorbHash(hashes.map((hash, i) => ({ hash, size: chunks[i].length })), hashers));
  const reader = () => ({ size: bytes.length, read: (into: Uint8Array, at: number) => (into.set(bytes.subarray(at, at + into.length)), Math.min(into.length, bytes.length - at)), close() {} });
  const source = {
    has: () => true,
    hashers,
    xorbs: { chunks: (x: string, s: number, e: number) => (indexKnows && x === name ? hashes.slice(s, e).map((hash, k) => ({ index: s + k, hash, length: chunks[s + k].length })) : undefined), learn() {} },
    xorbChunks: () => [],
    manifest: () => {
      throw new Error('unused');
    },
    chunksOf: () => [],
    openXorb: reader,
    pieces: () => [],
  } as UploadSource;
  return { source, name, bytes };
}

async function bodyOf(enc: { body(): Iterable<Uint8Array> }): Promise<Uint8Array> {
  return Buffer.concat([...enc.body()]);
}

describe('encodeLocalXorb', () => {
  for (const compression of ['none', 'lz4', 'bg4-lz4', 'auto'] as XetCompression[]) {
    it(`${compression}: a Xet xorb with a footer, the same chunks, the local name`, async () => {
      const chunks = [bf16(30_000), f32(15_000), rand.bytes(40_000), new Uint8Array(20_000)];
      for (const indexKnows of [true, false]) {
        const { source, name } = sourceOf(chunks, indexKnows);
        const enc = await encodeLocalXorb(source, name, hashers, compression);
        const body = await bodyOf(enc);
        expect(body.length).toBe(enc.size);
        const parsed = parseXetXorb(body);
        expect(parsed.footer).not.toBeNull();
        const decoded = decodeXetXorb(body, parsed);
        expect(decoded.map((d) => Buffer.from(d))).toEqual(chunks.map((c) => Buffer.from(c)));
        expect(xetHex(verifyXetXorb(decoded, parsed.footer, hashers).xorbHash)).toBe(name);
        expect(enc.chunks.map((c) => c.length)).toEqual(chunks.map((c) => c.length));
        if (compression === 'none') expect(parsed.records.every((r) => r.scheme === 0)).toBe(true);
        if (compression === 'bg4-lz4') expect(parsed.records.some((r) => r.scheme === 2)).toBe(true);
      }
    });
  }

  it('auto compresses BF16-like weights and leaves F32-like weights and random bytes alone', () => {
    expect(chooseScheme(Array.from({ length: 8 }, () => bf16(32_768)))).toBe('bg4-lz4');
    expect(chooseScheme(Array.from({ length: 8 }, () => f32(16_384)))).toBe('none');
    expect(chooseScheme(Array.from({ length: 8 }, () => rand.bytes(65_536)))).toBe('none');
    expect(chooseScheme([])).toBe('none');
  });

  it('auto stops with none after 8 of 32 samples when they clearly do not compress (random bytes), and decides on the full sample otherwise', () => {
    const stats = () => ({ compressed: 0 });
    const random = stats();
    expect(chooseScheme(Array.from({ length: 32 }, () => rand.bytes(65_536)), random)).toBe('none');
    expect(random.compressed).toBe(8);
    const weights = stats();
    expect(chooseScheme(Array.from({ length: 32 }, () => bf16(32_768)), weights)).toBe('bg4-lz4');
    expect(weights.compressed).toBe(32); // compressing is decided on the whole sample
    // half compressible, half not, interleaved: the first 8 (spread over all 32) are the same mix, and the mix is near the threshold
    const mixed = Array.from({ length: 32 }, (_, i) => (i % 2 ? bf16(32_768) : rand.bytes(65_536)));
    const ratio = (xs: Uint8Array[]) => xs.reduce((n, x) => n + compressChunk(x, 'bg4-lz4').bytes.length, 0) / xs.reduce((n, x) => n + x.length, 0);
    const all = stats();
    const choice = chooseScheme(mixed, all);
    // the early ratio decides only when it is clearly above the threshold; else every sample is compressed
    expect(all.compressed === 8 ? choice === 'none' : all.compressed === 32).toBe(true);
    if (all.compressed === 32) expect(choice).toBe(ratio(mixed) <= 0.89 ? 'bg4-lz4' : 'none');
  });

  it('refuses a local xorb whose bytes do not hash to its name (nothing is sent)', async () => {
    const chunks = [rand.bytes(20_000), rand.bytes(30_000)];
    const { source, name, bytes } = sourceOf(chunks, false);
    bytes[100] ^= 1;
    await expect(encodeLocalXorb(source, name, hashers, 'none')).rejects.toThrow(/is corrupt: its chunks hash to/);
  });
});
