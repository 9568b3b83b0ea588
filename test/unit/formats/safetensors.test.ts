import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.js';
import {
  parseSafetensorsHeader,
  parseSafetensorsIndex,
  SAFETENSORS_MAX_HEADER,
  safetensorsHeaderLength,
} from '../../../src/formats/safetensors.js';
import { f32Bytes, safetensorsBytes, safetensorsWithHeader } from '../../helpers/tensor-files.js';

const FILE = 'model.safetensors@abc123';

/** Parses a whole file the way the diff does: length, then the header bytes. */
function parseFile(bytes: Uint8Array) {
  const n = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.length, FILE);
  return parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.length, FILE);
}

/** The FormatError message parsing `bytes` gives, checked to be one line naming the file. */
function errorOf(bytes: Uint8Array): string {
  try {
    parseFile(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    const e = err as FormatError;
    expect(e.exitCode).toBe(1);
    expect(e.message).not.toMatch(/\n/);
    expect(e.message.startsWith(`${FILE}: `)).toBe(true);
    return e.message.slice(FILE.length + 2);
  }
  throw new Error('parsed without error');
}

describe('parseSafetensorsHeader', () => {
  it('gives tensors sorted by name with absolute offsets, and the metadata', () => {
    const bytes = safetensorsBytes(
      [
        { name: 'z', dtype: 'F32', shape: [2], bytes: f32Bytes([1, 2]) },
        { name: 'a', dtype: 'U8', shape: [3, 1], bytes: new Uint8Array([1, 2, 3]) },
        { name: 'e', dtype: 'F32', shape: [0, 4], bytes: new Uint8Array(0) },
      ],
      { format: 'pt' },
    );
    const header = parseFile(bytes);
    const start = header.dataStart;
    expect(start).toBe(bytes.length - 11);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.tensors).toEqual([
      { name: 'a', dtype: 'U8', shape: [3, 1], begin: start + 8, end: start + 11 },
      { name: 'e', dtype: 'F32', shape: [0, 4], begin: start + 11, end: start + 11 },
      { name: 'z', dtype: 'F32', shape: [2], begin: start, end: start + 8 },
    ]);
  });

  it('accepts an unknown dtype without checking its size, a scalar shape, padding spaces and tensors out of order', () => {
    const json = `{"b":{"dtype":"F4","shape":[7],"data_offsets":[4,5]},"s":{"shape":[],"dtype":"I32","data_offsets":[0,4]}}   `;
    const header = parseFile(safetensorsWithHeader(json, new Uint8Array(5)));
    expect(header.tensors.map((t) => [t.name, t.dtype, t.end - t.begin])).toEqual([['b', 'F4', 1], ['s', 'I32', 4]]);
  });

  it('keeps a tensor named __proto__ as a tensor', () => {
    const header = parseFile(safetensorsWithHeader('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)));
    expect(header.tensors.map((t) => t.name)).toEqual(['__proto__']);
  });

  const entry = (e: string, data = 8): Uint8Array => safetensorsWithHeader(`{"t":${e}}`, new Uint8Array(data));
  it.each([
    ['not an object', safetensorsWithHeader('[1,2]'), 'safetensors header is not a JSON object'],
    ['not JSON', safetensorsWithHeader('{"t": '), 'safetensors header is not valid JSON ('],
    ['not UTF-8', safetensorsWithHeader('{"\u00ff": 1}').map((b, i) => (i === 10 ? 0xff : b)), 'safetensors header is not valid JSON (The encoded data was not valid for encoding utf-8)'],
    ['metadata not an object', safetensorsWithHeader('{"__metadata__": "x"}'), 'safetensors __metadata__ is not an object'],
    ['metadata value not a string', safetensorsWithHeader('{"__metadata__": {"step": 5}}'), 'safetensors __metadata__ "step" is not a string'],
    ['entry not an object', entry('5'), 'tensor "t" is not an object'],
    ['unknown key', entry('{"dtype":"U8","shape":[8],"data_offsets":[0,8],"x":1}'), 'tensor "t" has unknown key "x"'],
    ['missing dtype', entry('{"shape":[8],"data_offsets":[0,8]}'), 'tensor "t" has a missing or malformed dtype'],
    ['lowercase dtype', entry('{"dtype":"f32","shape":[2],"data_offsets":[0,8]}'), 'tensor "t" has a missing or malformed dtype'],
    ['negative dimension', entry('{"dtype":"U8","shape":[-8],"data_offsets":[0,8]}'), 'tensor "t" has a missing or malformed shape'],
    ['fractional dimension', entry('{"dtype":"U8","shape":[1.5],"data_offsets":[0,8]}'), 'tensor "t" has a missing or malformed shape'],
    ['three offsets', entry('{"dtype":"U8","shape":[8],"data_offsets":[0,4,8]}'), 'tensor "t" has missing or malformed data_offsets'],
    ['offsets past the data', entry('{"dtype":"U8","shape":[9],"data_offsets":[0,9]}'), 'tensor "t" data_offsets [0, 9] lie outside the data section (8 bytes)'],
    ['begin after end', entry('{"dtype":"U8","shape":[0],"data_offsets":[6,2]}'), 'tensor "t" data_offsets [6, 2] lie outside the data section (8 bytes)'],
    ['size not shape x dtype', entry('{"dtype":"F32","shape":[3],"data_offsets":[0,8]}'), 'tensor "t" data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12'],
    ['overflowing shape', entry('{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}'), 'tensor "t" data_offsets [0, 8] hold 8 bytes, but F64 [4294967296,4294967296] needs 147573952589676410000'],
  ])('rejects a header that is %s', (_, bytes, message) => {
    expect(errorOf(bytes)).toContain(message);
  });

  it('rejects lengths over 100 MB, past the end, and files shorter than 8 bytes', () => {
    const withLength = (n: bigint, rest: number): Uint8Array => {
      const b = new Uint8Array(8 + rest);
      new DataView(b.buffer).setBigUint64(0, n, true);
      return b;
    };
    expect(errorOf(withLength(BigInt(SAFETENSORS_MAX_HEADER) + 1n, 10))).toBe('safetensors header length 100000001 is over the 100000000-byte limit');
    expect(errorOf(withLength(2n ** 64n - 1n, 10))).toBe('safetensors header length 18446744073709551615 is over the 100000000-byte limit');
    expect(errorOf(withLength(11n, 10))).toBe('safetensors header length 11 runs past the end of the file (18 bytes; truncated?)');
    expect(errorOf(new Uint8Array(7))).toBe('truncated safetensors file: 7 bytes, shorter than the 8-byte header length');
  });

  it('accepts a header of exactly 100 MB by length (the limit is inclusive)', () => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(SAFETENSORS_MAX_HEADER), true);
    expect(safetensorsHeaderLength(b, 8 + SAFETENSORS_MAX_HEADER, FILE)).toBe(SAFETENSORS_MAX_HEADER);
  });
});

describe('parseSafetensorsIndex', () => {
  const parse = (json: string) => parseSafetensorsIndex(new TextEncoder().encode(json), 'model.safetensors.index.json');

  it('gives metadata and the weight map', () => {
    expect(parse('{"metadata":{"total_size":12},"weight_map":{"a":"m-1.safetensors","b":"sub/m-2.safetensors"}}')).toEqual({
      metadata: { total_size: 12 },
      weightMap: { a: 'm-1.safetensors', b: 'sub/m-2.safetensors' },
    });
    expect(parse('{"weight_map":{}}')).toEqual({ metadata: {}, weightMap: {} });
  });

  it.each([
    ['{"weight_map": 1}', 'safetensors index has no "weight_map" object'],
    ['{"metadata": [], "weight_map": {}}', 'safetensors index "metadata" is not an object'],
    ['{"weight_map": {"a": "../x.safetensors"}}', 'safetensors index maps tensor "a" to a bad shard name "../x.safetensors"'],
    ['{"weight_map": {"a": "/etc/passwd"}}', 'safetensors index maps tensor "a" to a bad shard name "/etc/passwd"'],
    ['{"weight_map": {"a": 3}}', 'safetensors index maps tensor "a" to a bad shard name (a number)'],
    ['{"weight_map": {"a": ""}}', 'safetensors index maps tensor "a" to a bad shard name ""'],
    ['{"weight_map":', 'safetensors index is not valid JSON ('],
  ])('rejects %s', (json, message) => {
    expect(() => parse(json)).toThrow(FormatError);
    expect(() => parse(json)).toThrow(`model.safetensors.index.json: ${message}`);
  });
});
