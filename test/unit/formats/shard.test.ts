import { beforeAll, describe, expect, it } from 'vitest';
import { createBLAKE3 } from 'hash-wasm';
import { FormatError } from '../../../src/errors.js';
import { createVerificationHasher, termVerificationHash, VERIFICATION_KEY } from '../../../src/hash/term-verification.js';
import type { KeyedBlake3 } from '../../../src/hash/blake3.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { parseShard } from '../../../src/formats/shard.js';
import { compareXetHash, encodeShard, truncatedHash } from '../../../src/formats/shard-writer.js';
import { SHARD_HEADER_TAG, SHARD_NO_EXPIRY, type Shard, type ShardXorb } from '../../../src/formats/shard-types.js';
import { thrown } from './fixtures.js';
import { seededRandom } from './seeded.js';

let verifier: KeyedBlake3;
beforeAll(async () => {
  verifier = await createVerificationHasher();
});

/** Two xorbs (3 and 2 chunks) and two files over them, every optional part present. */
function sampleShard(): Shard {
  const { rand } = seededRandom('shard sample');
  const xorb = (sizes: number[]): ShardXorb => {
    let at = 0;
    const chunks = sizes.map((n) => {
      const c = { hash: rand.bytes(32), unpackedStart: at, unpackedBytes: n, flags: 0 };
      at += n;
      return c;
    });
    return { xorbHash: rand.bytes(32), flags: 0, chunks, unpackedBytes: at, storedBytes: at + 8 * sizes.length };
  };
  const x0 = xorb([65536, 70000, 1000]);
  const x1 = xorb([9000, 8000]);
  const vh = (x: ShardXorb, s: number, e: number): Uint8Array => termVerificationHash(x.chunks.slice(s, e).map((c) => c.hash), verifier);
  return {
    files: [
      {
        fileHash: rand.bytes(32),
        terms: [
          { xorbHash: x0.xorbHash, flags: 0, unpackedBytes: 135536, chunkStart: 0, chunkEnd: 2 },
          { xorbHash: x1.xorbHash, flags: 0, unpackedBytes: 17000, chunkStart: 0, chunkEnd: 2 },
        ],
        verification: [vh(x0, 0, 2), vh(x1, 0, 2)],
        sha256: rand.bytes(32),
      },
      {
        fileHash: rand.bytes(32),
        terms: [{ xorbHash: x0.xorbHash, flags: 0, unpackedBytes: 1000, chunkStart: 2, chunkEnd: 3 }],
        verification: [vh(x0, 2, 3)],
        sha256: rand.bytes(32),
      },
    ],
    xorbs: [x0, x1],
    footer: null,
  };
}

const withFooter = (s: Shard): Shard => ({ ...s, footer: { hmacKey: new Uint8Array(32), createdAt: 1_760_000_000n, keyExpiry: SHARD_NO_EXPIRY } });
const u64 = (b: Uint8Array, at: number): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

function shardError(fn: () => unknown): FormatError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe('bad_shard');
  expect((err as FormatError).message).not.toContain('\n');
  return err as FormatError;
}

describe('shard layout', () => {
  it('an upload body: header with footer size 0, file blocks, bookend, xorb blocks, bookend, nothing else', () => {
    const shard = sampleShard();
    const bytes = encodeShard(shard);
    // 48 header + file blocks (1+2+2+1) + (1+1+1+1) + bookend, xorb blocks (1+3) + (1+2) + bookend
    expect(bytes.length).toBe(48 + 48 * (6 + 4 + 1) + 48 * (4 + 3 + 1));
    expect(bytes.subarray(0, 32)).toEqual(SHARD_HEADER_TAG);
    expect(new TextDecoder().decode(bytes.subarray(0, 14))).toBe('HFRepoMetaData');
    expect([u64(bytes, 32), u64(bytes, 40)]).toEqual([2n, 0n]);
    const f0 = 48;
    expect(bytes.subarray(f0, f0 + 32)).toEqual(shard.files[0].fileHash);
    expect([u32(bytes, f0 + 32), u32(bytes, f0 + 36), u64(bytes, f0 + 40)]).toEqual([0xc0000000, 2, 0n]);
    const t0 = f0 + 48;
    expect([u32(bytes, t0 + 32), u32(bytes, t0 + 36), u32(bytes, t0 + 40), u32(bytes, t0 + 44)]).toEqual([0, 135536, 0, 2]);
    expect(bytes.subarray(t0 + 96, t0 + 128)).toEqual(shard.files[0].verification![0]); // after both terms
    expect(bytes.subarray(t0 + 192, t0 + 224)).toEqual(shard.files[0].sha256);
    const bookend = 48 + 48 * 10;
    expect([...bytes.subarray(bookend, bookend + 48)]).toEqual([...new Array(32).fill(0xff), ...new Array(16).fill(0)]);
    const x0 = bookend + 48;
    expect([u32(bytes, x0 + 32), u32(bytes, x0 + 36), u32(bytes, x0 + 40), u32(bytes, x0 + 44)]).toEqual([0, 3, 136536, 136560]);
    expect([u32(bytes, x0 + 48 + 48 + 32), u32(bytes, x0 + 48 + 48 + 36)]).toEqual([65536, 70000]); // chunk 1: start, length
    expect(parseShard(bytes, 'forbidden')).toEqual(shard);
  });

  it('with a footer: lookup tables sorted by truncated hash, footer fields where xet-core puts them', () => {
    const shard = withFooter(sampleShard());
    const bytes = encodeShard(shard);
    const sections = 48 + 48 * 19;
    const footer = bytes.length - 200;
    expect(footer).toBe(sections + 12 * 2 + 12 * 2 + 16 * 5);
    expect(u64(bytes, 40)).toBe(200n);
    expect([1n, 48n, BigInt(48 + 48 * 11)].map((v, i) => u64(bytes, footer + 8 * i) === v)).toEqual([true, true, true]);
    expect([u64(bytes, footer + 24), u64(bytes, footer + 32)]).toEqual([BigInt(sections), 2n]);
    expect([u64(bytes, footer + 40), u64(bytes, footer + 48)]).toEqual([BigInt(sections + 24), 2n]);
    expect([u64(bytes, footer + 56), u64(bytes, footer + 64)]).toEqual([BigInt(sections + 48), 5n]);
    expect([u64(bytes, footer + 104), u64(bytes, footer + 112)]).toEqual([1_760_000_000n, SHARD_NO_EXPIRY]);
    expect(u64(bytes, footer + 168)).toBe(BigInt(136560 + 17016)); // stored_bytes_on_disk
    expect(u64(bytes, footer + 176)).toBe(BigInt(135536 + 17000 + 1000)); // materialized_bytes
    expect(u64(bytes, footer + 184)).toBe(BigInt(136536 + 17000)); // stored_bytes
    expect(u64(bytes, footer + 192)).toBe(BigInt(footer));
    // file lookup: (truncated hash, entry index); the second file block starts 6 entries in
    expect([u64(bytes, sections + 12), u32(bytes, sections + 20)]).toEqual([truncatedHash(shard.files[1].fileHash), 6]);
    const keys = Array.from({ length: 5 }, (_, n) => u64(bytes, sections + 48 + 16 * n));
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const parsed = parseShard(bytes, 'required');
    expect(parsed.files).toEqual(shard.files);
    expect(parsed.xorbs).toEqual(shard.xorbs);
    expect(parsed.footer).toMatchObject({ ...shard.footer, lookupTables: true, materializedBytes: 153536n });
  });

  it('reads a footer without lookup tables, as @huggingface/hub writes it', () => {
    const shard = withFooter(sampleShard());
    const bytes = encodeShard(shard, { lookupTables: false });
    expect(bytes.length).toBe(48 + 48 * 19 + 200);
    const parsed = parseShard(bytes);
    expect(parsed.footer).toMatchObject({ lookupTables: false });
    expect(parsed.xorbs).toEqual(shard.xorbs);
  });

  it('compareXetHash orders as the Xet hex form does (xet-core sorts files and xorbs so)', () => {
    const { rand, seed } = seededRandom('xet hash order');
    const hashes = Array.from({ length: 50 }, () => rand.bytes(32));
    const byHex = [...hashes].sort((a, b) => (xetHex(a) < xetHex(b) ? -1 : 1));
    expect([...hashes].sort(compareXetHash), `seed ${seed}`).toEqual(byHex);
  });

  it('term verification hashes are keyed BLAKE3 of the concatenated chunk hashes (VERIFICATION_KEY)', async () => {
    const { rand } = seededRandom('verification');
    const chunks = [rand.bytes(32), rand.bytes(32), rand.bytes(32)];
    const wasm = await createBLAKE3(256, VERIFICATION_KEY);
    wasm.update(Uint8Array.from(chunks.flatMap((c) => [...c])));
    expect(xetHex(termVerificationHash(chunks, verifier))).toBe(xetHex(wasm.digest('binary')));
  });
});

describe('a malformed shard is refused with one error each', () => {
  const upload = (): Uint8Array => encodeShard(sampleShard());
  const full = (): Uint8Array => encodeShard(withFooter(sampleShard()));
  const set32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
    new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
    return b;
  };
  const set64 = (b: Uint8Array, at: number, v: bigint): Uint8Array => {
    new DataView(b.buffer, b.byteOffset).setBigUint64(at, v, true);
    return b;
  };
  const xorbs = 48 + 48 * 11;

  it.each([
    ['a short header', () => upload().subarray(0, 40), 'shard: 40 bytes is shorter than the 48-byte header'],
    ['a wrong tag', () => { const b = upload(); b[3] ^= 1; return b; }, 'not an MDB shard'],
    ['header version 1', () => set64(upload(), 32, 1n), 'unsupported header version 1'],
    ['footer size 100', () => set64(upload(), 40, 100n), 'footer size 100 is neither 0 nor 200'],
    ['a cut inside a file block', () => upload().subarray(0, 48 + 100), 'truncated: file block 0 at byte 48 needs 288 bytes'],
    ['no file bookend', () => upload().subarray(0, 48 + 48 * 10), 'truncated: file block 2 at byte 528 needs 48 bytes, 0 remain before the end'],
    ['a cut inside the xorb section', () => upload().subarray(0, xorbs + 100), 'truncated: xorb block 0 at byte 576 needs 192 bytes'],
    ['no xorb bookend', () => upload().slice(0, -48), 'truncated: xorb block 2 at byte 912 needs 48 bytes, 0 remain before the end'],
    ['trailing bytes', () => Uint8Array.from([...upload(), 0]), '1 bytes follow the xorb info section'],
    ['verification on some files only', () => set32(upload(), 48 + 48 * 6 + 32, 0x40000000), 'file block 1 at byte 336 lacks verification entries'],
    ['a file without terms', () => set32(upload(), 48 + 36, 0), 'file block 0 at byte 48 has no terms'],
    ['an empty chunk range', () => set32(upload(), 96 + 44, 0), 'term 0 has the empty chunk range [0, 0)'],
    ['a xorb without chunks', () => set32(upload(), xorbs + 36, 0), 'xorb block 0 at byte 576 has no chunks'],
    ['chunk offsets with a gap', () => set32(upload(), xorbs + 96 + 32, 65537), 'chunk 1 starts at 65537, the chunks before it end at 65536'],
    ['an unpacked total that lies', () => set32(upload(), xorbs + 40, 5), 'says 5 unpacked bytes, its chunks add up to 136536'],
  ])('%s', (_name, make, message) => {
    expect(shardError(() => parseShard(make())).message).toContain(message);
  });

  it.each([
    ['footer version 2', (b: Uint8Array, f: number) => set64(b, f, 2n), 'unsupported footer version 2'],
    ['a wrong cas_info_offset', (b: Uint8Array, f: number) => set64(b, f + 16, 48n), 'cas_info_offset is 48, the shard says 576'],
    ['a wrong footer_offset', (b: Uint8Array, f: number) => set64(b, f + 192, 0n), 'footer_offset is 0'],
    ['a wrong chunk count', (b: Uint8Array, f: number) => set64(b, f + 64, 4n), 'chunk_lookup_num_entry is 4, the shard says 5'],
    ['a file lookup entry that points elsewhere', (b: Uint8Array) => set32(b, 48 + 48 * 19 + 20, 5), 'file lookup entry 1 at byte'],
    ['a chunk lookup entry that points elsewhere', (b: Uint8Array) => set32(b, 48 + 48 * 19 + 48 + 12, 9), 'does not match the xorb info section'],
  ])('footer: %s', (_name, mutate, message) => {
    const b = full();
    mutate(b, b.length - 200);
    expect(shardError(() => parseShard(b)).message).toContain(message);
  });

  it('a footer where none may be, and none where one must be', () => {
    expect(shardError(() => parseShard(full(), 'forbidden')).message).toContain('an upload body must omit the footer');
    expect(shardError(() => parseShard(upload(), 'required')).message).toContain('the footer is missing');
  });

  it('every truncation of a shard with footer is one bad_shard error, never anything else', () => {
    const b = full();
    let checked = 0;
    for (let n = 0; n < b.length; n += 7) {
      shardError(() => parseShard(b.subarray(0, n)));
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});
