import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, HubError, IntegrityError } from '../../../src/errors.js';
import { createXetHashers, type XetHashers } from '../../../src/hash/hashers.js';
import { xorbHash } from '../../../src/hash/merkle.js';
import { ChunkScheme } from '../../../src/formats/chunk-compression.js';
import { decodeXetXorb, parseXetXorb, verifyXetXorb } from '../../../src/formats/xet-xorb.js';
import { encodeXetXorb } from '../../../src/formats/xet-xorb-write.js';
import { encodeXorbFooter, parseXorbFooter, xorbFooterBytes } from '../../../src/formats/xorb-footer.js';
import { encodeXorb } from '../../../src/formats/xorb.js';
import { thrown } from './fixtures.js';
import { seededRandom } from './seeded.js';

let hashers: XetHashers;
beforeAll(async () => {
  hashers = await createXetHashers();
});

const enc = new TextEncoder();

/** Three chunks that take the three schemes under `best`: text (LZ4), floats (BG4), noise (none). */
function sampleChunks(): Uint8Array[] {
  const { rand } = seededRandom('xet xorb chunks');
  const floats = new Uint8Array(new Float32Array(Array.from({ length: 4096 }, () => rand.normal() * 0.02)).buffer);
  return [enc.encode('hub xet chunk '.repeat(300)), floats, rand.bytes(5000)];
}

function error(fn: () => unknown): HubError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(HubError);
  expect((err as HubError).message).not.toContain('\n');
  return err as HubError;
}

function u32At(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(at, true);
}

describe('Xet xorb with footer', () => {
  it('round-trips chunks of all three schemes, footer included, and verifies', () => {
    const chunks = sampleChunks();
    const { bytes, xorbHash: hash, chunkHashes } = encodeXetXorb(chunks, hashers);
    const parsed = parseXetXorb(bytes);
    expect(parsed.records.map((r) => r.scheme)).toEqual([ChunkScheme.lz4, ChunkScheme.byteGrouping4Lz4, ChunkScheme.none]);
    expect(parsed.records.map((r) => r.length)).toEqual(chunks.map((c) => c.length));
    const decoded = decodeXetXorb(bytes, parsed);
    decoded.forEach((d, i) => expect(Buffer.from(d).equals(Buffer.from(chunks[i]))).toBe(true));
    expect(parsed.footer?.xorbHash).toEqual(hash);
    expect(parsed.footer?.chunkHashes).toEqual(chunkHashes);
    expect(verifyXetXorb(decoded, parsed.footer, hashers, hash).xorbHash).toEqual(hash);
  });

  it('lays the footer out field by field as xet-core XorbObjectInfoV1 does', () => {
    const chunks = [enc.encode('a'.repeat(100)), enc.encode('0123456789')];
    const { bytes, xorbHash: hash } = encodeXetXorb(chunks, hashers, { scheme: 'none', nonce: Uint8Array.of(9, 8, 7, 6) });
    const recordsEnd = 8 + 100 + 8 + 10;
    const info = bytes.subarray(recordsEnd);
    expect(info.length).toBe(96 + 40 * 2);
    expect(xorbFooterBytes(2)).toBe(info.length);
    const ascii = (at: number): string => new TextDecoder().decode(info.subarray(at, at + 7));
    expect([ascii(0), info[7]]).toEqual(['XETBLOB', 1]);
    expect(info.subarray(8, 40)).toEqual(hash);
    expect([ascii(40), info[47], u32At(info, 48)]).toEqual(['XBLBHSH', 0, 2]);
    expect(info.subarray(52, 84)).toEqual(hashers.chunk.hash(chunks[0]));
    const b = 52 + 64;
    expect([ascii(b), info[b + 7], u32At(info, b + 8)]).toEqual(['XBLBBND', 1, 2]);
    expect([u32At(info, b + 12), u32At(info, b + 16)]).toEqual([108, 126]); // record ends, headers included
    expect([u32At(info, b + 20), u32At(info, b + 24)]).toEqual([100, 110]); // unpacked running totals
    const tail = b + 28;
    const infoEnd = info.length - 4;
    expect(u32At(info, tail)).toBe(2);
    expect(u32At(info, tail + 4)).toBe(infoEnd - 40); // hashes section, counted back from the info's end
    expect(u32At(info, tail + 8)).toBe(infoEnd - b);
    expect([...info.subarray(tail + 12, tail + 28)]).toEqual([9, 8, 7, 6, ...new Array(12).fill(0)]);
    expect(u32At(info, infoEnd)).toBe(infoEnd); // info_length, not counting itself
    expect(xorbHash([{ hash: hashers.chunk.hash(chunks[0]), size: 100 }, { hash: hashers.chunk.hash(chunks[1]), size: 10 }], hashers)).toEqual(hash);
  });

  it('keeps the nonce out of the hash, and writes bare records when asked (as the upload body)', () => {
    const chunks = sampleChunks();
    const a = encodeXetXorb(chunks, hashers, { nonce: Uint8Array.of(1, 2, 3, 4) });
    const b = encodeXetXorb(chunks, hashers);
    expect(a.xorbHash).toEqual(b.xorbHash);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
    const bare = encodeXetXorb(chunks, hashers, { footer: false });
    const parsed = parseXetXorb(bare.bytes);
    expect(parsed.footer).toBeNull();
    expect(parsed.recordsEnd).toBe(bare.bytes.length);
    expect(Buffer.from(bare.bytes).equals(Buffer.from(b.bytes.subarray(0, bare.bytes.length)))).toBe(true);
    // an uncompressed Xet xorb without footer is exactly what the store writes today
    expect(Buffer.from(encodeXetXorb(chunks, hashers, { footer: false, scheme: 'none' }).bytes).equals(Buffer.from(encodeXorb(chunks)))).toBe(true);
    expect(verifyXetXorb(decodeXetXorb(bare.bytes, parsed), null, hashers, b.xorbHash).xorbHash).toEqual(b.xorbHash);
  });

  it('encodeXorbFooter and parseXorbFooter are inverse', () => {
    const { rand } = seededRandom('xorb footer');
    const footer = {
      xorbHash: rand.bytes(32),
      chunkHashes: [rand.bytes(32), rand.bytes(32), rand.bytes(32)],
      boundaryOffsets: [10, 20, 35],
      unpackedOffsets: [2, 12, 40],
      nonce: rand.bytes(4),
    };
    const records = new Uint8Array(35);
    const bytes = Uint8Array.from([...records, ...encodeXorbFooter(footer)]);
    expect(parseXorbFooter(bytes)).toEqual({ footer, start: 35 });
  });
});

describe('a footer that lies is refused with one error each', () => {
  const build = (): { bytes: Uint8Array; start: number } => {
    const { bytes } = encodeXetXorb(sampleChunks(), hashers);
    return { bytes: Uint8Array.from(bytes), start: parseXetXorb(bytes).recordsEnd };
  };
  const setU32 = (b: Uint8Array, at: number, v: number): void => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);

  it.each([
    ['an info length past the start', (b: Uint8Array) => setU32(b, b.length - 4, b.length), 'runs past the start of the'],
    ['an info length that misses the ident', (b: Uint8Array) => setU32(b, b.length - 4, u32At(b, b.length - 4) - 4), 'no XETBLOB ident'],
    ['a footer version 2', (b: Uint8Array, s: number) => (b[s + 7] = 2), 'unsupported footer version 2'],
    ['a chunk count that disagrees with the info length', (b: Uint8Array) => setU32(b, b.length - 4 - 28, 4), 'does not fit 4 chunks'],
    ['a hash section count that disagrees', (b: Uint8Array, s: number) => setU32(b, s + 48, 2), 'chunk counts disagree (3, 2, 3)'],
    ['a wrong section offset', (b: Uint8Array) => setU32(b, b.length - 4 - 24, 7), 'section offsets 7/'],
    ['a boundary offset that does not match the record', (b: Uint8Array, s: number) => setU32(b, s + 40 + 12 + 96 + 12, u32At(b, s + 40 + 12 + 96 + 12) - 1), 'xorb footer: chunk 0 ends at byte'],
    ['an unpacked offset that does not match the record', (b: Uint8Array, s: number) => setU32(b, s + 40 + 12 + 96 + 12 + 16, u32At(b, s + 40 + 12 + 96 + 12 + 16) + 1), 'xorb footer: chunk 1 unpacks to offset'],
    ['a last boundary past the records', (b: Uint8Array, s: number) => setU32(b, s + 40 + 12 + 96 + 12 + 8, s + 1000), 'lies past the end of the records'],
    ['boundaries that do not increase', (b: Uint8Array, s: number) => setU32(b, s + 40 + 12 + 96 + 12 + 4, 1), 'chunk 1 offsets do not increase'],
  ])('%s', (_name, mutate, message) => {
    const { bytes, start } = build();
    mutate(bytes, start);
    const err = error(() => parseXetXorb(bytes));
    expect(err).toBeInstanceOf(FormatError);
    expect(err.code).toBe('bad_xorb');
    expect(err.message).toContain(message);
  });

  it('a truncated xorb: cut in the footer, and cut in a record', () => {
    const { bytes, start } = build();
    expect(error(() => parseXetXorb(bytes.subarray(0, bytes.length - 10))).code).toBe('bad_xorb');
    expect(error(() => parseXetXorb(bytes.subarray(0, start - 3))).message).toMatch(/^truncated chunk record 2 at byte \d+: header says 5000 bytes, 4997 remain$/);
  });

  it('a chunk hash or xorb hash that does not match the data (integrity, exit 5)', () => {
    const { bytes, start } = build();
    bytes[start + 52 + 32] ^= 1; // chunk 1's hash
    const parsed = parseXetXorb(bytes);
    const err = error(() => verifyXetXorb(decodeXetXorb(bytes, parsed), parsed.footer, hashers));
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.code).toBe('xorb_mismatch');
    expect(err.message).toMatch(/^xorb footer: chunk 1 hash [0-9a-f]{64} does not match its data \([0-9a-f]{64}\)$/);

    const again = build();
    again.bytes[again.start + 8] ^= 1; // the xorb hash
    const p2 = parseXetXorb(again.bytes);
    expect(error(() => verifyXetXorb(decodeXetXorb(again.bytes, p2), p2.footer, hashers)).message).toContain('xorb footer: xorb hash');

    const fine = build();
    const p3 = parseXetXorb(fine.bytes);
    const other = new Uint8Array(32).fill(7);
    expect(error(() => verifyXetXorb(decodeXetXorb(fine.bytes, p3), p3.footer, hashers, other)).message).toMatch(/^xorb 0707.*: its chunks hash to [0-9a-f]{64}$/);
  });

  it('a compressed record that lies about its length is named by record', () => {
    const { bytes } = encodeXetXorb(sampleChunks(), hashers, { footer: false });
    // record 0 is LZ4: claim one byte more uncompressed than its frame holds
    const declared = (bytes[5] | (bytes[6] << 8) | (bytes[7] << 16)) + 1;
    bytes.set([declared & 0xff, (declared >> 8) & 0xff, declared >> 16], 5);
    const parsed = parseXetXorb(bytes);
    expect(parsed.records[0].scheme).toBe(ChunkScheme.lz4);
    expect(error(() => decodeXetXorb(bytes, parsed)).message).toBe(
      `chunk record 0 at byte 0: LZ4 data decodes to ${declared - 1} bytes, the record declares ${declared}`,
    );
  });

  it('record headers: compressed length over the limit, scheme 0 lengths unequal, unknown scheme', () => {
    const hdr = (stored: number, scheme: number, len: number): Uint8Array =>
      Uint8Array.of(0, stored & 0xff, (stored >> 8) & 0xff, stored >> 16, scheme, len & 0xff, (len >> 8) & 0xff, len >> 16);
    expect(error(() => parseXetXorb(hdr(262145, 1, 100))).message).toBe('chunk record 0 at byte 0: compressed length 262145 exceeds the 262144-byte limit');
    expect(error(() => parseXetXorb(hdr(5, 0, 6))).message).toContain('compressed length 5 but uncompressed length 6');
    expect(error(() => parseXetXorb(hdr(5, 3, 6))).message).toBe('chunk record 0 at byte 0: unknown compression scheme 3');
    expect(error(() => parseXetXorb(hdr(5, 1, 131073))).message).toContain('chunk length 131073 exceeds the 131072-byte limit');
    expect(error(() => parseXetXorb(hdr(10, 1, 100))).message).toBe('truncated chunk record 0 at byte 0: header says 10 bytes, 0 remain');
  });
});
