/**
 * Xet chunk records parsed from a stream cut anywhere (src/formats/xet-record-stream.ts): records of
 * every scheme come out whole and in order however the bytes are split (seeded random cuts, the
 * seed printed), a malformed header is refused as soon as it is complete, and a record left
 * incomplete at the end shows as pending bytes.
 */
import { describe, expect, it } from 'vitest';
import { compressChunk, type ChunkSchemeChoice } from '../../../src/formats/chunk-compress.js';
import { decompressChunk } from '../../../src/formats/chunk-compression.js';
import { XetRecordStream, type XetRawRecord } from '../../../src/formats/xet-record-stream.js';
import { seededRandom } from './seeded.js';

function record(data: Uint8Array, choice: ChunkSchemeChoice): Buffer {
  const c = compressChunk(data, choice);
  const n = c.bytes.length;
  const len = data.length;
  return Buffer.concat([Buffer.from([0, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, c.scheme, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff]), c.bytes]);
}

describe('XetRecordStream', () => {
  const { rand } = seededRandom('xet record stream');
  const chunks = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? new Uint8Array(5000 + rand.int(60000)).fill(i) : rand.bytes(1000 + rand.int(70000))));
  const choices: ChunkSchemeChoice[] = ['none', 'lz4', 'bg4-lz4'];
  const stream = Buffer.concat(chunks.map((c, i) => record(c, choices[i % 3])));

  it('gives every record whole and in order, however the stream is cut', () => {
    for (let round = 0; round < 20; round++) {
      const s = new XetRecordStream();
      const got: XetRawRecord[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = round === 0 ? 1 + rand.int(16) : 1 + rand.int(200_000);
        got.push(...s.push(stream.subarray(at, Math.min(stream.length, at + n))));
        at += n;
        if (round === 0 && got.length >= 2) {
          got.push(...s.push(stream.subarray(at)));
          break;
        }
      }
      expect(s.pending).toBe(0);
      expect(got.map((r) => Buffer.from(decompressChunk(r.scheme, r.stored, r.length, 'test')))).toEqual(chunks.map((c) => Buffer.from(c)));
    }
  });

  it('refuses a header with an unknown scheme or an impossible length as soon as the header is whole', () => {
    const bad = Buffer.from(stream.subarray(0, 20));
    bad[4] = 9;
    const s = new XetRecordStream();
    expect(s.push(bad.subarray(0, 5))).toEqual([]);
    expect(() => s.push(bad.subarray(5, 8))).toThrow(/unknown compression scheme 9/);
    const long = Buffer.from([0, 0xff, 0xff, 0x0f, 1, 0x00, 0x00, 0x01]); // stores 1 MiB for a 64 KiB chunk
    expect(() => new XetRecordStream().push(long)).toThrow(/compressed length .* exceeds/);
  });

  it('shows a record cut off by the end of the stream as pending bytes', () => {
    const s = new XetRecordStream();
    const first = record(chunks[0], 'none');
    expect(s.push(stream.subarray(0, first.length + 10))).toHaveLength(1);
    expect(s.pending).toBe(10);
  });
});
