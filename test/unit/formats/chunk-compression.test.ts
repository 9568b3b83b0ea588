import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compress as lz4jsCompress, decompress as lz4jsDecompress } from 'lz4js';
import { FormatError } from '../../../src/errors.js';
import { bg4Join, bg4Split } from '../../../src/formats/byte-grouping.js';
import { ChunkCompressor, compressChunk } from '../../../src/formats/chunk-compress.js';
import { ChunkScheme, decompressChunk } from '../../../src/formats/chunk-compression.js';
import { decodeLz4Frame } from '../../../src/formats/lz4-frame.js';
import { xxh32 } from '../../../src/formats/xxh32.js';
import { thrown } from './fixtures.js';
import { seededRandom } from './seeded.js';

// lz4js's own XXH32: an independent implementation to check ours against and to build frames with.
const lz4jsXxh32 = createRequire(import.meta.url)('lz4js/xxh32.js') as { hash(seed: number, src: Uint8Array, index: number, len: number): number };
const enc = new TextEncoder();

function formatError(fn: () => unknown): FormatError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe('bad_xorb');
  expect((err as FormatError).message).not.toContain('\n');
  return err as FormatError;
}

/** A frame around `blocks` (each {bytes, stored}), with the flags asked for, built by hand. */
function frame(blocks: { bytes: Uint8Array; stored?: boolean }[], opts: { contentSize?: number; blockChecksums?: boolean; content?: Uint8Array } = {}): Uint8Array {
  const parts: number[] = [0x04, 0x22, 0x4d, 0x18];
  const flg = 0x40 | 0x20 | (opts.blockChecksums ? 0x10 : 0) | (opts.contentSize !== undefined ? 0x08 : 0) | (opts.content ? 0x04 : 0);
  const desc = [flg, 0x40];
  if (opts.contentSize !== undefined) {
    const n = opts.contentSize;
    desc.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff, 0, 0, 0, 0);
  }
  parts.push(...desc, (lz4jsXxh32.hash(0, Uint8Array.from(desc), 0, desc.length) >>> 8) & 0xff);
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  for (const b of blocks) {
    parts.push(...u32((b.bytes.length | (b.stored ? 0x80000000 : 0)) >>> 0), ...b.bytes);
    if (opts.blockChecksums) parts.push(...u32(lz4jsXxh32.hash(0, b.bytes, 0, b.bytes.length) >>> 0));
  }
  parts.push(0, 0, 0, 0);
  if (opts.content) parts.push(...u32(lz4jsXxh32.hash(0, opts.content, 0, opts.content.length) >>> 0));
  return Uint8Array.from(parts);
}

describe('xxh32', () => {
  it('gives the published values of the xxHash reference', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(enc.encode('a'))).toBe(0x550d7456);
    expect(xxh32(enc.encode('abc'))).toBe(0x32d153ff);
    expect(xxh32(enc.encode('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('agrees with lz4js on random inputs of every length class', () => {
    const { rand, seed } = seededRandom();
    for (const n of [1, 3, 4, 15, 16, 17, 31, 64, 1000, 65537]) {
      const data = rand.bytes(n);
      expect(xxh32(data, 0), `seed ${seed} n ${n}`).toBe(lz4jsXxh32.hash(0, data, 0, n) >>> 0);
      expect(xxh32(data, 7, 1, n), `seed ${seed} n ${n}`).toBe(lz4jsXxh32.hash(7, data, 1, n - 1) >>> 0);
    }
  });
});

describe('byte grouping (BG4)', () => {
  it('groups as the spec example does, the first groups one byte longer', () => {
    // A1 A2 A3 A4 B1 B2 B3 B4 C1 C2 -> A1 B1 C1 | A2 B2 C2 | A3 B3 | A4 B4
    expect([...bg4Split(Uint8Array.of(0xa1, 0xa2, 0xa3, 0xa4, 0xb1, 0xb2, 0xb3, 0xb4, 0xc1, 0xc2))]).toEqual([
      0xa1, 0xb1, 0xc1, 0xa2, 0xb2, 0xc2, 0xa3, 0xb3, 0xa4, 0xb4,
    ]);
    expect([...bg4Split(Uint8Array.of(1, 2, 3))]).toEqual([1, 2, 3]);
    expect([...bg4Split(Uint8Array.of(1, 2, 3, 4, 5, 6, 7))]).toEqual([1, 5, 2, 6, 3, 7, 4]);
  });

  it('round-trips every length 0..40 and a large random chunk', () => {
    const { rand, seed } = seededRandom();
    for (let n = 0; n <= 40; n++) {
      const data = rand.bytes(n);
      expect([...bg4Join(bg4Split(data))], `seed ${seed} n ${n}`).toEqual([...data]);
    }
    const big = rand.bytes(131071);
    expect(Buffer.from(bg4Join(bg4Split(big))).equals(big)).toBe(true);
  });
});

describe('decodeLz4Frame', () => {
  it('decodes lz4js frames (what @huggingface/hub writes) of compressible and random data', () => {
    const { rand, seed } = seededRandom();
    const text = enc.encode('the quick brown fox jumps over the lazy dog. '.repeat(500));
    for (const data of [text, rand.bytes(70000), new Uint8Array(131072), Uint8Array.of(7)]) {
      const z = lz4jsCompress(data);
      expect(Buffer.from(decodeLz4Frame(z, data.length, 'x')).equals(Buffer.from(data)), `seed ${seed}`).toBe(true);
    }
    expect(lz4jsCompress(text).length).toBeLessThan(text.length / 10);
  });

  it('decodes stored blocks, several blocks, content size and both checksums', () => {
    const a = enc.encode('hello, ');
    const b = lz4jsCompress(enc.encode('world world world world world'));
    // b is a frame; take its single block out of it (7-byte header, 4-byte size)
    const inner = b.subarray(11, 11 + (b[7] | (b[8] << 8)));
    const whole = enc.encode('hello, world world world world world');
    const f = frame([{ bytes: a, stored: true }, { bytes: inner }], { contentSize: whole.length, blockChecksums: true, content: whole });
    expect(new TextDecoder().decode(decodeLz4Frame(f, whole.length, 'x'))).toBe('hello, world world world world world');
  });

  it.each([
    ['a raw LZ4 block (no frame)', () => decodeLz4Frame(Uint8Array.of(0x50, 1, 2, 3, 4, 5, 0, 0), 5, 'rec'), 'rec: not an LZ4 frame (magic'],
    ['a short frame', () => decodeLz4Frame(Uint8Array.of(4, 0x22, 0x4d), 1, 'rec'), 'shorter than a frame header'],
    ['a bad header checksum', () => { const f = frame([{ bytes: Uint8Array.of(1), stored: true }]); f[6] ^= 1; return decodeLz4Frame(f, 1, 'rec'); }, 'header checksum mismatch'],
    ['a dictionary id', () => { const f = frame([{ bytes: Uint8Array.of(1), stored: true }]); f[4] |= 1; return decodeLz4Frame(f, 1, 'rec'); }, 'needs a dictionary'],
    ['a missing end mark', () => decodeLz4Frame(frame([{ bytes: Uint8Array.of(1), stored: true }]).subarray(0, -4), 1, 'rec'), 'ends without its end mark'],
    ['a block past the end', () => decodeLz4Frame(frame([{ bytes: Uint8Array.of(1, 2, 3), stored: true }]).subarray(0, -5), 3, 'rec'), 'runs past the end of the record'],
    ['trailing bytes', () => decodeLz4Frame(Uint8Array.from([...frame([{ bytes: Uint8Array.of(1), stored: true }]), 0]), 1, 'rec'), '1 bytes follow the LZ4 frame'],
    ['a content size that disagrees', () => decodeLz4Frame(frame([{ bytes: Uint8Array.of(1), stored: true }], { contentSize: 2 }), 1, 'rec'), 'declares 2 content bytes, the record 1'],
    ['a bad block checksum', () => { const f = frame([{ bytes: Uint8Array.of(1, 2), stored: true }], { blockChecksums: true }); f[f.length - 6] ^= 1; return decodeLz4Frame(f, 2, 'rec'); }, 'block checksum mismatch'],
    ['a bad content checksum', () => { const f = frame([{ bytes: Uint8Array.of(1, 2), stored: true }], { content: Uint8Array.of(1, 3) }); return decodeLz4Frame(f, 2, 'rec'); }, 'content checksum mismatch'],
    ['a match before the output start', () => decodeLz4Frame(frame([{ bytes: Uint8Array.of(0x10, 0x41, 0x05, 0x00, 0x10, 0x42) }]), 6, 'rec'), 'match offset 5 points before the start'],
    ['a block cut inside a match offset', () => decodeLz4Frame(frame([{ bytes: Uint8Array.of(0x10, 0x41, 0x01) }]), 6, 'rec'), 'ends inside a match offset'],
  ])('refuses %s with one line naming it', (_name, fn, message) => {
    expect(formatError(fn).message).toContain(message);
  });

  it('refuses an LZ4 bomb at the declared length, and a compressed length that lies', () => {
    const zeros = new Uint8Array(4 << 20);
    const bomb = lz4jsCompress(zeros); // ~16 KiB that expands to 4 MiB
    expect(bomb.length).toBeLessThan(20000);
    expect(formatError(() => decodeLz4Frame(bomb, 65536, 'chunk record 0 at byte 0')).message).toMatch(
      /^chunk record 0 at byte 0: LZ4 data expands past the declared uncompressed length 65536$/,
    );
    const short = lz4jsCompress(new Uint8Array(1000).fill(3));
    expect(formatError(() => decodeLz4Frame(short, 1001, 'r')).message).toBe('r: LZ4 data decodes to 1000 bytes, the record declares 1001');
    expect(formatError(() => decodeLz4Frame(short.subarray(0, short.length - 6), 1000, 'r')).message).toContain('r: ');
  });
});

describe('compressChunk and decompressChunk', () => {
  it('round-trips every scheme and is decoded by lz4js too (the JS client reads our frames)', () => {
    const { rand, seed } = seededRandom();
    const floats = new Uint8Array(new Float32Array(Array.from({ length: 16384 }, () => rand.normal() * 0.02)).buffer);
    for (const choice of ['none', 'lz4', 'bg4-lz4', 'best'] as const) {
      const c = compressChunk(floats, choice);
      expect(Buffer.from(decompressChunk(c.scheme, c.bytes, floats.length, 'x')).equals(Buffer.from(floats)), `seed ${seed} ${choice}`).toBe(true);
      if (c.scheme !== ChunkScheme.none) {
        const viaLz4js = lz4jsDecompress(c.bytes, floats.length);
        expect(Buffer.from(c.scheme === ChunkScheme.byteGrouping4Lz4 ? bg4Join(viaLz4js) : viaLz4js).equals(Buffer.from(floats))).toBe(true);
      }
    }
    // F32 weights compress under BG4 (sign and exponent bytes repeat), not under plain LZ4
    expect(compressChunk(floats, 'best').scheme).toBe(ChunkScheme.byteGrouping4Lz4);
  });

  it('stores a chunk uncompressed when compression does not make it strictly smaller', () => {
    const random = new Uint8Array(randomBytes(65536));
    expect(compressChunk(random, 'lz4')).toEqual({ scheme: ChunkScheme.none, bytes: random });
    expect(compressChunk(random, 'best').scheme).toBe(ChunkScheme.none);
    const text = enc.encode('abcd'.repeat(1000));
    expect(compressChunk(text, 'lz4').scheme).toBe(ChunkScheme.lz4);
    expect(compressChunk(text, 'none').scheme).toBe(ChunkScheme.none);
  });

  it('ChunkCompressor gives what compressChunk gives, in bytes of the caller\'s own, chunk after chunk', () => {
    const { rand, seed } = seededRandom();
    const floats = (n: number) => new Uint8Array(new Float32Array(Array.from({ length: n }, () => rand.normal() * 0.02)).buffer);
    const inputs = [floats(16384), rand.bytes(65536), enc.encode('abcd'.repeat(5000)), floats(32768), rand.bytes(3), floats(40000)]; // the last is over 128 KiB: the scratch grows
    const compressor = new ChunkCompressor();
    for (const choice of ['none', 'lz4', 'bg4-lz4', 'best'] as const) {
      const kept = inputs.map((data) => ({ data, got: compressor.compress(data, choice) }));
      for (const [i, { data, got }] of kept.entries()) {
        const want = compressChunk(data, choice);
        expect(got.scheme, `seed ${seed} ${choice} input ${i}`).toBe(want.scheme);
        expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes)), `seed ${seed} ${choice} input ${i}`).toBe(true); // still, after the later chunks reused the scratch
        expect(got.bytes.buffer).not.toBe(data.buffer);
        expect(Buffer.from(decompressChunk(got.scheme, got.bytes, data.length, 'x')).equals(Buffer.from(data))).toBe(true);
      }
    }
  });

  it('refuses an uncompressed record whose lengths differ and an unknown scheme', () => {
    expect(formatError(() => decompressChunk(0, new Uint8Array(3), 4, 'r')).message).toBe('r: stored 3 bytes, declared 4');
    expect(formatError(() => decompressChunk(3, new Uint8Array(3), 3, 'r')).message).toBe('r: unknown compression scheme 3');
  });
});
