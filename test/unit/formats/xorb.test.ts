import { describe, it, expect } from 'vitest';
import { Buffer } from 'node:buffer';
import { FormatError } from '../../../src/errors.js';
import {
  CHUNK_HEADER_BYTES,
  MAX_CHUNK_BYTES,
  XORB_MAX_BYTES,
  XORB_READ_MAX_BYTES,
  XORB_MAX_CHUNKS,
  XorbRecordScanner,
  decodeChunkHeader,
  encodeChunkHeader,
  encodeXorb,
  parseXorbRecords,
  type XorbRecord,
} from '../../../src/formats/xorb.js';
import { fixtureCases, fixtureFiles, readFixture, thrown } from './fixtures.js';

const DIR = 'xorbs';
const cases = fixtureCases(DIR);

// The three chunks of fixtures/xorbs/golden.xorb (see its README).
const goldenChunks = [
  new Uint8Array(Buffer.from('hub golden chunk 0\n', 'ascii')),
  Uint8Array.from({ length: 256 }, (_, i) => i),
  Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff),
];

function xorbError(fn: () => unknown): FormatError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).code).toBe('bad_xorb');
  return err as FormatError;
}

/** Walks `bytes` the way the store walks a file: 8-byte header reads at scanner.offset only. */
function scanLikeAFile(bytes: Uint8Array): XorbRecord[] {
  const scanner = new XorbRecordScanner(bytes.length);
  const header = new Uint8Array(CHUNK_HEADER_BYTES);
  const records: XorbRecord[] = [];
  while (!scanner.done) {
    header.fill(0xee);
    header.set(bytes.subarray(scanner.offset, scanner.offset + CHUNK_HEADER_BYTES));
    records.push(scanner.next(header));
  }
  return records;
}

describe('xorb fixtures', () => {
  it('cases.json covers every fixture file', () => {
    expect(cases.map((c) => c.file).sort()).toEqual(fixtureFiles(DIR));
  });

  it('encodeXorb of the three known chunks equals golden.xorb byte for byte', () => {
    expect(Buffer.from(encodeXorb(goldenChunks))).toEqual(Buffer.from(readFixture(DIR, 'golden.xorb')));
  });

  it('golden.xorb parses to the three records with the known chunk bytes', () => {
    const bytes = readFixture(DIR, 'golden.xorb');
    const records = parseXorbRecords(bytes);
    expect(records).toEqual([
      { index: 0, offset: 0, dataOffset: 8, length: 19 },
      { index: 1, offset: 27, dataOffset: 35, length: 256 },
      { index: 2, offset: 291, dataOffset: 299, length: 1000 },
    ]);
    records.forEach((r, i) => {
      expect(Buffer.from(bytes.subarray(r.dataOffset, r.dataOffset + r.length))).toEqual(Buffer.from(goldenChunks[i]));
    });
    expect(scanLikeAFile(bytes)).toEqual(records);
  });

  it.each(cases.filter((c) => !c.valid).map((c) => [c.file, c] as const))(
    '%s is rejected by both readers with a message naming the problem',
    (file, c) => {
      const bytes = readFixture(DIR, file);
      for (const read of [parseXorbRecords, scanLikeAFile]) {
        const err = xorbError(() => read(bytes));
        expect(err.code).toBe(c.code);
        expect(err.message).toContain(c.message);
        expect(err.message).not.toContain('\n');
      }
    },
  );
});

describe('chunk headers', () => {
  it('encodes version 0, scheme 0 and both u24 lengths little-endian', () => {
    expect([...encodeChunkHeader(0x123456)]).toEqual([0, 0x56, 0x34, 0x12, 0, 0x56, 0x34, 0x12]);
  });

  it('writes into a caller buffer at an offset and returns that buffer', () => {
    const out = new Uint8Array(12).fill(9);
    expect(encodeChunkHeader(65536, out, 2)).toBe(out);
    expect([...out]).toEqual([9, 9, 0, 0, 0, 1, 0, 0, 0, 1, 9, 9]);
    expect(decodeChunkHeader(out, 2)).toEqual({ version: 0, compressedLength: 65536, scheme: 0, uncompressedLength: 65536 });
  });

  it('encodes up to 2^24-1 bytes and refuses more', () => {
    expect(decodeChunkHeader(encodeChunkHeader(MAX_CHUNK_BYTES), 0).uncompressedLength).toBe(MAX_CHUNK_BYTES);
    expect([...encodeChunkHeader(2 ** 24 - 1)]).toEqual([0, 255, 255, 255, 0, 255, 255, 255]);
    expect(xorbError(() => encodeChunkHeader(2 ** 24)).message).toContain('cannot encode a chunk record of 16777216 bytes');
    xorbError(() => encodeChunkHeader(-1));
    xorbError(() => encodeChunkHeader(1.5));
  });

  it('refuses to write past the end of the caller buffer', () => {
    expect(() => encodeChunkHeader(1, new Uint8Array(8), 1)).toThrow(RangeError);
  });

  it.each([
    ['a short buffer', Uint8Array.of(0, 1, 0, 0), 0, 'truncated chunk header at byte 0: a header needs 8 bytes, 4 available'],
    ['version 2', Uint8Array.of(2, 1, 0, 0, 0, 1, 0, 0), 0, 'chunk header at byte 0: unsupported record version 2'],
    ['scheme 1', Uint8Array.of(9, 9, 9, 9, 0, 5, 0, 0, 1, 5, 0, 0), 4, 'chunk header at byte 4: compression scheme 1 (LZ4) is not supported'],
    ['scheme 255', Uint8Array.of(0, 1, 0, 0, 255, 1, 0, 0), 0, 'unknown compression scheme 255'],
    ['unequal lengths', Uint8Array.of(0, 2, 0, 0, 0, 1, 0, 0), 0, 'compressed length 2 but uncompressed length 1'],
    ['length 0', Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0), 0, 'empty chunk'],
    ['more than MAX_CHUNK_BYTES', encodeChunkHeader(MAX_CHUNK_BYTES + 1), 0, 'chunk length 131073 exceeds'],
  ])('decodeChunkHeader rejects %s', (_name, buf, offset, message) => {
    expect(xorbError(() => decodeChunkHeader(buf, offset)).message).toContain(message);
  });
});

describe('parseXorbRecords and XorbRecordScanner', () => {
  it('rejects an empty xorb', () => {
    expect(xorbError(() => parseXorbRecords(new Uint8Array(0))).message).toContain('empty xorb');
  });

  it('reports truncation with the record index, byte offset, expected and remaining bytes', () => {
    const bytes = encodeXorb([new Uint8Array(10), new Uint8Array(65536).fill(1)]);
    const cut = bytes.subarray(0, 18 + 8 + 1000);
    expect(xorbError(() => parseXorbRecords(cut)).message).toBe(
      'truncated chunk record 1 at byte 18: header says 65536 bytes, 1000 remain',
    );
  });

  it('accepts exactly XORB_MAX_CHUNKS records and rejects one more', () => {
    const chunks = Array.from({ length: XORB_MAX_CHUNKS }, (_, i) => Uint8Array.of(i & 0xff));
    const full = encodeXorb(chunks);
    expect(parseXorbRecords(full)).toHaveLength(XORB_MAX_CHUNKS);
    const over = Buffer.concat([full, encodeXorb([Uint8Array.of(1)])]);
    expect(xorbError(() => parseXorbRecords(over)).message).toContain(
      `chunk record 8192 at byte ${full.length}: a xorb holds at most 8192 chunk records`,
    );
    expect(xorbError(() => encodeXorb([...chunks, Uint8Array.of(1)])).message).toContain('at most 8192');
  });

  it('reads chunk data beyond XORB_MAX_BYTES (the xorb of a Xet client may unpack to more), never writes it', () => {
    const perChunk = MAX_CHUNK_BYTES;
    const count = XORB_MAX_BYTES / perChunk + 1;
    const totalSize = count * (CHUNK_HEADER_BYTES + perChunk);
    const scanner = new XorbRecordScanner(totalSize);
    const header = encodeChunkHeader(perChunk);
    for (let i = 0; i < count; i++) scanner.next(header);
    expect(scanner.done).toBe(true);
    expect(XORB_READ_MAX_BYTES).toBe(8192 * MAX_CHUNK_BYTES); // the count and chunk limits bound it
    expect(xorbError(() => encodeXorb(Array.from({ length: count }, () => new Uint8Array(perChunk)))).message).toContain(
      'a xorb holds at most 67108864',
    );
  });

  it('exposes offset, index and done as it walks, and refuses to go past the end', () => {
    const bytes = encodeXorb([new Uint8Array(3), new Uint8Array(5)]);
    const scanner = new XorbRecordScanner(bytes.length);
    expect([scanner.offset, scanner.index, scanner.done]).toEqual([0, 0, false]);
    expect(scanner.next(bytes.subarray(0, 8))).toEqual({ index: 0, offset: 0, dataOffset: 8, length: 3 });
    expect([scanner.offset, scanner.index, scanner.done]).toEqual([11, 1, false]);
    expect(scanner.next(bytes, 11)).toEqual({ index: 1, offset: 11, dataOffset: 19, length: 5 });
    expect([scanner.offset, scanner.index, scanner.done]).toEqual([24, 2, true]);
    expect(() => scanner.next(bytes, 0)).toThrow(RangeError);
  });

  it('encodeXorb refuses empty and oversized chunks', () => {
    expect(xorbError(() => encodeXorb([])).message).toContain('cannot encode an empty xorb');
    expect(xorbError(() => encodeXorb([Uint8Array.of(1), new Uint8Array(0)])).message).toContain('chunk 1 of 0 bytes');
    expect(xorbError(() => encodeXorb([new Uint8Array(MAX_CHUNK_BYTES + 1)])).message).toContain('131073 bytes');
  });

  it('round-trips the largest allowed chunk', () => {
    const chunk = Uint8Array.from({ length: MAX_CHUNK_BYTES }, (_, i) => i % 251);
    const bytes = encodeXorb([chunk]);
    const [r] = parseXorbRecords(bytes);
    expect(r).toEqual({ index: 0, offset: 0, dataOffset: 8, length: MAX_CHUNK_BYTES });
    expect(Buffer.from(bytes.subarray(r.dataOffset)).equals(chunk)).toBe(true);
  });
});
