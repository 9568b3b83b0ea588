// SpanParser: chunk records cut into pieces of any size (one byte up to many records) come back
// whole, in order, each with the hash named for it; a span that ends early or holds more records
// than named is refused. Randomised: piece sizes and record lengths from a printed seed.
import { ChunkHashList } from '../../../src/hash/chunk-hash-list.js';
import { describe, expect, it } from 'vitest';
import { CHUNK_HEADER_BYTES, encodeChunkHeader } from '../../../src/formats/xorb.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { SpanParser, type Span } from '../../../src/transfer/xorb-spans.js';
import { seededRandom, testSeed } from '../../helpers/seed.js';

function records(rand: () => number, count: number): { bytes: Buffer; datas: Buffer[]; hashes: string[] } {
  const datas = Array.from({ length: count }, (_, i) => Buffer.alloc(1 + Math.floor(rand() * 3000), i + 1));
  const bytes = Buffer.concat(datas.flatMap((d) => [Buffer.from(encodeChunkHeader(d.length)), d]));
  const hashes = datas.map((_, i) => xetHex(new Uint8Array(32).fill(i + 1)));
  return { bytes, datas, hashes };
}

function parseInPieces(span: Span, bytes: Buffer, cuts: number[]): { hashes: string[]; datas: Buffer[] } {
  const parser = new SpanParser(span);
  const got = { hashes: [] as string[], datas: [] as Buffer[] };
  let from = 0;
  for (const [i, to] of [...cuts, bytes.length].entries()) {
    for (const c of parser.push(bytes.subarray(from, to), i === cuts.length)) {
      got.hashes.push(xetHex(c.hash));
      got.datas.push(Buffer.from(c.data));
    }
    from = to;
  }
  return got;
}

describe('SpanParser', () => {
  it('returns every record whole and in order, whatever the piece boundaries', () => {
    const rand = seededRandom(testSeed('span pieces'));
    for (let round = 0; round < 40; round++) {
      const { bytes, datas, hashes } = records(rand, 1 + Math.floor(rand() * 30));
      const span: Span = { url: 'http://127.0.0.1/x', start: 0, end: bytes.length, hashes: ChunkHashList.fromHex(hashes)! };
      const pieceMax = [1, 7, CHUNK_HEADER_BYTES + 1, 500, 5000, 100_000][round % 6];
      const cuts: number[] = [];
      for (let at = 1 + Math.floor(rand() * pieceMax); at < bytes.length; at += 1 + Math.floor(rand() * pieceMax)) cuts.push(at);
      const got = parseInPieces(span, bytes, cuts);
      expect(got.hashes).toEqual(hashes);
      expect(got.datas.map((d, i) => d.equals(datas[i]))).toEqual(datas.map(() => true));
      expect(Buffer.concat(got.datas).equals(Buffer.concat(datas))).toBe(true);
    }
  });

  it('refuses a span that ends inside a record, or holds more records than named', () => {
    const { bytes, hashes } = records(seededRandom(3), 4);
    const short: Span = { url: 'http://127.0.0.1/x', start: 0, end: bytes.length - 1, hashes: ChunkHashList.fromHex(hashes)! };
    expect(() => parseInPieces(short, bytes.subarray(0, bytes.length - 1), [10, 2000])).toThrow(/does not hold the 4 chunks/);
    const fewer: Span = { url: 'http://127.0.0.1/x', start: 0, end: bytes.length, hashes: ChunkHashList.fromHex(hashes.slice(0, 3))! };
    expect(() => parseInPieces(fewer, bytes, [100])).toThrow(/more chunks than the reconstruction names/);
  });
});
