import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.js';
import { parseXorbFooter } from '../../../src/formats/xorb-footer.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { chunkTable, decodeChunkTable, encodeChunkTable } from '../../../src/store/xorb-table.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';
import { mulberry32Bytes } from '../../helpers/vectors.js';

describe('chunk tables (the detached Xet footer an object store keeps beside each xorb)', () => {
  const random = seededRandom(testSeed('xorb tables'));
  const chunks = Array.from({ length: 300 }, (_, i) => ({ hash: mulberry32Bytes(i + 1, 32), length: 8192 + Math.floor(random() * 120_000) }));
  const xorb = xetHex(mulberry32Bytes(999, 32));

  it('lays out records as the store writes them and survives encoding, as a Xet footer', () => {
    const table = chunkTable(chunks);
    expect(table.records[0]).toEqual({ index: 0, offset: 0, dataOffset: 8, length: chunks[0].length });
    expect(table.records[1].offset).toBe(8 + chunks[0].length);
    expect(table.size).toBe(chunks.reduce((n, c) => n + 8 + c.length, 0));
    const bytes = encodeChunkTable(xorb, table);
    expect(decodeChunkTable(xorb, bytes)).toEqual(table);
    // the same bytes are a Xet footer: its own parser reads them
    const { footer } = parseXorbFooter(bytes, 0, table.size);
    expect(footer.chunkHashes).toEqual(table.hashes);
    expect(footer.boundaryOffsets.at(-1)).toBe(table.size);
  });

  it('refuses a table of another xorb, a truncated one and one with stray bytes', () => {
    const bytes = encodeChunkTable(xorb, chunkTable(chunks));
    expect(() => decodeChunkTable(xetHex(mulberry32Bytes(1000, 32)), bytes)).toThrow(/describes another xorb/);
    expect(() => decodeChunkTable(xorb, bytes.subarray(0, bytes.length - 9))).toThrow(FormatError);
    expect(() => decodeChunkTable(xorb, Buffer.concat([Buffer.from('junk'), bytes]))).toThrow(/stray bytes/);
  });
});
