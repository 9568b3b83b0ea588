import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.js';
import { ggmlTensorBytes, ggmlTypeName } from '../../../src/formats/ggml-types.js';
import { GGUF_MAX_HEADER, parseGgufHeader, type GgufHeader } from '../../../src/formats/gguf.js';
import { concat, f32Bytes, ggufBytes, ggufString, type GgufTensorSpec } from '../../helpers/tensor-files.js';

const FILE = 'tiny.gguf@abc';

function full(bytes: Uint8Array, fileSize = bytes.length): GgufHeader {
  const r = parseGgufHeader(bytes, fileSize, FILE);
  if (!('header' in r)) throw new Error(`needs ${r.need} bytes`);
  return r.header;
}

function errorOf(bytes: Uint8Array, fileSize = bytes.length): string {
  try {
    parseGgufHeader(bytes, fileSize, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).message).not.toMatch(/\n/);
    expect((err as FormatError).message.startsWith(`${FILE}: `)).toBe(true);
    return (err as FormatError).message.slice(FILE.length + 2);
  }
  throw new Error('parsed without error');
}

const f32 = (name: string, values: number[], dims = [values.length]): GgufTensorSpec => ({ name, type: 0, dims, bytes: f32Bytes(values) });

describe('parseGgufHeader', () => {
  it('reads every metadata value type, nested arrays included', () => {
    const bytes = ggufBytes(
      [
        ['u8', [0, 255]], ['i8', [1, -128]], ['u16', [2, 65535]], ['i16', [3, -32768]],
        ['u32', [4, 4294967295]], ['i32', [5, -2147483648]], ['f32', [6, 0.5]], ['bool', [7, 1]],
        ['str', [8, 'héllo']], ['u64', [10, 2n ** 64n - 1n]], ['i64', [11, -(2n ** 63n)]], ['f64', [12, Math.PI]],
        ['tokens', [9, [8, ['<s>', '', 'ü']]]], ['nested', [9, [9, [[4, [1, 2]], [4, []]]]]], ['empty', [9, [6, []]]],
      ],
      [],
    );
    const h = full(bytes);
    expect(h.version).toBe(3);
    expect(Object.fromEntries(h.metadata)).toEqual({
      u8: { type: 'u8', value: 255 }, i8: { type: 'i8', value: -128 }, u16: { type: 'u16', value: 65535 },
      i16: { type: 'i16', value: -32768 }, u32: { type: 'u32', value: 4294967295 }, i32: { type: 'i32', value: -2147483648 },
      f32: { type: 'f32', value: 0.5 }, bool: { type: 'bool', value: true }, str: { type: 'string', value: 'héllo' },
      u64: { type: 'u64', value: 2n ** 64n - 1n }, i64: { type: 'i64', value: -(2n ** 63n) }, f64: { type: 'f64', value: Math.PI },
      tokens: { type: 'array<string>', value: ['<s>', '', 'ü'] },
      nested: { type: 'array<array<u32>>', value: [[1, 2], []] },
      empty: { type: 'array<f32>', value: [] },
    });
    expect(h.tensors).toEqual([]);
    expect(h.dataStart % 32).toBe(0);
  });

  it('sizes tensors by ggml type, sorts them by name, and aligns the data section', () => {
    const q8 = { name: 'q8', type: 8, dims: [64, 2], bytes: new Uint8Array(4 * 34).fill(3) };
    const q4k = { name: 'q4k', type: 12, dims: [256], bytes: new Uint8Array(144) };
    const bytes = ggufBytes([['general.alignment', [4, 64]]], [f32('w', [1, 2, 3], [3, 1]), q8, q4k], 64);
    const h = full(bytes);
    expect(h.alignment).toBe(64);
    expect(h.dataStart % 64).toBe(0);
    const at = h.dataStart;
    expect(h.tensors).toEqual([
      { name: 'q4k', dtype: 'Q4_K', ggmlType: 12, shape: [256], begin: at + 256, end: at + 256 + 144, sizeKnown: true },
      { name: 'q8', dtype: 'Q8_0', ggmlType: 8, shape: [64, 2], begin: at + 64, end: at + 64 + 136, sizeKnown: true },
      { name: 'w', dtype: 'F32', ggmlType: 0, shape: [3, 1], begin: at, end: at + 12, sizeKnown: true },
    ]);
    expect(bytes.length).toBe(at + 256 + 192); // each tensor padded to 64
  });

  it('takes the extent of a tensor of unknown type from the next tensor, or the end of the file', () => {
    const odd = (name: string): GgufTensorSpec => ({ name, type: 99, dims: [5], bytes: new Uint8Array(40) });
    const h = full(ggufBytes([], [odd('x'), f32('y', [1]), odd('z')]));
    expect(h.tensors.map((t) => [t.name, t.dtype, t.end - t.begin, t.sizeKnown])).toEqual([
      ['x', 'GGML_TYPE_99', 64, false], ['y', 'F32', 4, true], ['z', 'GGML_TYPE_99', 64, false],
    ]);
  });

  it('asks for more bytes until it has the header, for every prefix length', () => {
    const bytes = ggufBytes([['general.name', [8, 'tiny']], ['tokens', [9, [8, ['a', 'bb', 'ccc']]]], ['scores', [9, [6, [1, 2, 3]]]]], [f32('b', [1, 2]), f32('a', [3])]);
    const want = full(bytes);
    for (let have = 0; have < want.dataStart; have++) {
      let prefix = bytes.subarray(0, have);
      let steps = 0;
      for (;;) {
        const r = parseGgufHeader(prefix, bytes.length, FILE);
        if ('header' in r) {
          expect(r.header).toEqual(want);
          break;
        }
        expect(r.need).toBeGreaterThan(prefix.length);
        expect(r.need).toBeLessThanOrEqual(want.dataStart);
        prefix = bytes.subarray(0, r.need);
        expect(++steps).toBeLessThan(50);
      }
    }
  });

  it('asks for a whole array of fixed-size items at once', () => {
    const bytes = ggufBytes([['scores', [9, [6, new Array(1000).fill(1)]]]], []);
    const r = parseGgufHeader(bytes.subarray(0, 60), bytes.length, FILE);
    expect(r).toEqual({ need: 24 + 8 + 6 + 4 + 4 + 8 + 4000 });
  });

  const header = (version = 3, tensors = 0n, kvs = 0n): Uint8Array => {
    const b = new Uint8Array(24);
    b.set(new TextEncoder().encode('GGUF'));
    const v = new DataView(b.buffer);
    v.setUint32(4, version, true);
    v.setBigUint64(8, tensors, true);
    v.setBigUint64(16, kvs, true);
    return b;
  };
  const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
  const u64 = (n: bigint): Uint8Array => new Uint8Array(new BigUint64Array([n]).buffer);
  const kv = (...parts: Uint8Array[]): Uint8Array => concat([header(3, 0n, 1n), ggufString('k'), ...parts]);
  const tensor = (...parts: Uint8Array[]): Uint8Array => concat([header(3, 1n, 0n), ggufString('t'), ...parts, new Uint8Array(64)]);

  it.each([
    ['bad magic', concat([new TextEncoder().encode('GGML'), new Uint8Array(20)]), 'not a GGUF file (magic "GGML")'],
    ['version 1', header(1), 'GGUF version 1 is not supported (2 and 3 are)'],
    ['version 7', header(7), 'unknown GGUF version 7'],
    ['big-endian', header(0x03000000), 'big-endian GGUF files are not supported'],
    ['truncated counts', header().subarray(0, 12), 'truncated GGUF header: tensor count at byte 8 runs past the end of the file (12 bytes)'],
    ['a huge tensor count', header(3, 2n ** 40n), 'tensor count 1099511627776 needs more than the 8 bytes left in the file (truncated or corrupt)'],
    ['a u64 past 2^53', header(3, 2n ** 60n), 'tensor count 1152921504606846976 is larger than 2^53'],
    ['a huge metadata count', header(3, 0n, 10n ** 12n), 'metadata count 1000000000000 needs more than the 0 bytes left in the file (truncated or corrupt)'],
    ['a huge string length', concat([header(3, 0n, 1n), u64(2n ** 40n), new Uint8Array(16)]), 'metadata key length 1099511627776 needs more than the 16 bytes left'],
    ['a huge array', kv(u32(9), u32(4), u64(2n ** 30n), new Uint8Array(8)), 'metadata "k" array length 1073741824 needs more than the 8 bytes left'],
    ['an unknown value type', kv(u32(13), new Uint8Array(8)), 'metadata "k" has unknown value type 13'],
    ['an array of unknown type', kv(u32(9), u32(42), u64(0n)), 'metadata "k" is an array of unknown value type 42'],
    ['a bool of 2', kv(u32(7), new Uint8Array([2])), 'bool value 2 at byte 37 is neither 0 nor 1'],
    ['deep nesting', kv(u32(9), u32(9), u64(1n), u32(9), u64(1n), u32(9), u64(1n), u32(9), u64(1n), u32(9), u64(1n), u32(4), u64(0n)), 'metadata "k" nests arrays deeper than 4'],
    ['a key of 70000 bytes', concat([header(3, 0n, 1n), ggufString('k'.repeat(70000)), u32(0), new Uint8Array(1)]), 'metadata key length 70000 is over 65535'],
    ['nine dimensions', tensor(u32(9)), 'tensor "t" has 9 dimensions (at most 8)'],
    ['2^53 elements', tensor(u32(2), u64(2n ** 30n), u64(2n ** 30n), u32(0), u64(0n)), 'tensor "t" has more than 2^53 elements'],
    ['data past the end', tensor(u32(1), u64(1000n), u32(0), u64(0n)), 'tensor "t" data [64, 4064) runs past the end of the file (121 bytes; truncated?)'],
    ['a partial Q8_0 block', tensor(u32(1), u64(33n), u32(8), u64(0n)), 'tensor "t": 33 elements is not a whole number of Q8_0 blocks of 32'],
  ])('rejects %s', (_, bytes, message) => {
    expect(errorOf(bytes)).toContain(message);
  });

  it('rejects duplicates and a bad alignment', () => {
    expect(errorOf(ggufBytes([['a', [4, 1]], ['a', [4, 2]]], []))).toBe('duplicate metadata key "a"');
    expect(errorOf(ggufBytes([], [f32('t', [1]), f32('t', [2])]))).toBe('duplicate tensor "t"');
    expect(errorOf(ggufBytes([['general.alignment', [4, 24]]], []))).toBe('general.alignment "24" is not a power of two');
    expect(errorOf(ggufBytes([['general.alignment', [8, 'x']]], []))).toBe('general.alignment "x" is not a power of two');
  });

  it('refuses a header larger than the limit instead of asking for it', () => {
    const claim = kv(u32(8), u64(BigInt(GGUF_MAX_HEADER)), new Uint8Array(8));
    expect(errorOf(claim, 2 ** 40)).toBe(`GGUF header is larger than the ${GGUF_MAX_HEADER}-byte limit`);
  });

  it('accepts version 2', () => {
    expect(full(ggufBytes([], [f32('t', [1])], 32, 2)).version).toBe(2);
  });
});

describe('ggml types', () => {
  it('names types and sizes block-quantised tensors', () => {
    expect([0, 1, 2, 8, 12, 14, 28, 30, 39].map(ggmlTypeName)).toEqual(['F32', 'F16', 'Q4_0', 'Q8_0', 'Q4_K', 'Q6_K', 'F64', 'BF16', 'MXFP4']);
    expect(ggmlTypeName(4)).toBe('GGML_TYPE_4');
    expect(ggmlTensorBytes(2, 64)).toBe(36);
    expect(ggmlTensorBytes(14, 512)).toBe(420);
    expect(ggmlTensorBytes(30, 3)).toBe(6);
    expect(ggmlTensorBytes(9, 32)).toBeUndefined();
    expect(ggmlTensorBytes(2, 48)).toEqual({ error: '48 elements is not a whole number of Q4_0 blocks of 32' });
  });
});
