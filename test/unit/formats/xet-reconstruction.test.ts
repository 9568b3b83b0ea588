/**
 * The Xet reconstruction answer in both versions brought to one shape (src/formats/xet-reconstruction.ts):
 * the spec's own v1 example (download-protocol.md), a v2 answer with several ranges under one URL
 * (api_changes v2 multi-range), inclusive byte ends made exclusive, the fetch covering a term, and
 * one error per malformed answer.
 */
import { describe, expect, it } from 'vitest';
import { fetchOf, parseXetReconstruction, rangeHeader } from '../../../src/formats/xet-reconstruction.js';

const A = 'a1b2c3d4e5f6789012345678901234567890abcdef1234567890abcdef123456';
const B = 'fedcba0987654321098765432109876543210fedcba098765432109876543fed';

/** The spec's "more complex QueryReconstruction example" (its second hash padded to 64 digits). */
const V1 = {
  offset_into_first_range: 0,
  terms: [
    { hash: A, unpacked_length: 263873, range: { start: 1, end: 4 } },
    { hash: B, unpacked_length: 143890, range: { start: 0, end: 3 } },
    { hash: A, unpacked_length: 3063572, range: { start: 3, end: 43 } },
  ],
  fetch_info: {
    [A]: [{ range: { start: 1, end: 43 }, url: 'https://transfer.example/xorb/default/A?X-Amz-Signature=x', url_range: { start: 57980, end: 1433008 } }],
    [B]: [{ range: { start: 0, end: 3 }, url: 'https://transfer.example/xorb/default/B?sig', url_range: { start: 0, end: 65670 } }],
  },
};

describe('parseXetReconstruction', () => {
  it('reads the spec example (v1): terms in order, one single-range fetch per fetch_info entry, byte ends made exclusive', () => {
    const r = parseXetReconstruction(V1);
    expect(r.offsetIntoFirstRange).toBe(0);
    expect(r.terms).toEqual([
      { xorb: A, chunkStart: 1, chunkEnd: 4, unpackedLength: 263873 },
      { xorb: B, chunkStart: 0, chunkEnd: 3, unpackedLength: 143890 },
      { xorb: A, chunkStart: 3, chunkEnd: 43, unpackedLength: 3063572 },
    ]);
    const a = fetchOf(r, r.terms[0])!;
    expect(a.fetch.ranges).toEqual([{ chunkStart: 1, chunkEnd: 43, byteStart: 57980, byteEnd: 1433009 }]);
    expect(rangeHeader(a.fetch)).toBe('bytes=57980-1433008'); // the header the spec says to send
    // the third term is served by the same fetch as the first (chunk 3 used twice)
    expect(fetchOf(r, r.terms[2])!.fetch).toBe(a.fetch);
    expect(fetchOf(r, { xorb: A, chunkStart: 0, chunkEnd: 2 })).toBeUndefined();
  });

  it('reads a v2 answer: several ranges under one signed URL make one fetch with a multi-range header', () => {
    const r = parseXetReconstruction({
      offset_into_first_range: 0,
      terms: [
        { hash: A, unpacked_length: 100, range: { start: 0, end: 3 } },
        { hash: A, unpacked_length: 50, range: { start: 5, end: 8 } },
      ],
      xorbs: { [A]: [{ url: 'http://cas/fetch/A?sig', ranges: [{ chunks: { start: 0, end: 3 }, bytes: { start: 0, end: 1023 } }, { chunks: { start: 5, end: 8 }, bytes: { start: 2048, end: 3071 } }] }] },
    });
    const second = fetchOf(r, r.terms[1])!;
    expect(second.range).toBe(1);
    expect(second.fetch.ranges[1]).toEqual({ chunkStart: 5, chunkEnd: 8, byteStart: 2048, byteEnd: 3072 });
    expect(rangeHeader(second.fetch)).toBe('bytes=0-1023,2048-3071');
    expect(fetchOf(r, r.terms[0])!.fetch).toBe(second.fetch);
  });

  it('keeps offset_into_first_range of a range query', () => {
    expect(parseXetReconstruction({ ...V1, offset_into_first_range: 1234 }).offsetIntoFirstRange).toBe(1234);
  });

  it("reads hub serve's hub_chunks extension: each term's chunk hashes and lengths", () => {
    const term = { hash: B, unpacked_length: 300, range: { start: 0, end: 3 }, hub_chunks: { hashes: [A, B, A], lengths: [100, 150, 50] } };
    const r = parseXetReconstruction({ ...V1, terms: [term, V1.terms[0]] });
    expect(r.terms[0].chunks).toEqual({ hashes: [A, B, A], lengths: [100, 150, 50] });
    expect(r.terms[1].chunks).toBeUndefined(); // a term without it (any other server) stays as the spec has it
  });

  const hubTerm = (hubChunks: unknown) => ({ ...V1, terms: [{ hash: B, unpacked_length: 300, range: { start: 0, end: 3 }, hub_chunks: hubChunks }] });
  for (const [what, doc, message] of [
    ['hub_chunks without lengths', hubTerm({ hashes: [A, A, A] }), /hub_chunks is not \{hashes, lengths\}/],
    ['hub_chunks with a hash too few', hubTerm({ hashes: [A, A], lengths: [100, 100, 100] }), /lists 2 hashes and 3 lengths for 3 chunks/],
    ['hub_chunks with a bad hash', hubTerm({ hashes: [A, A, 'zz'], lengths: [100, 100, 100] }), /not 64 hex digits/],
    ['hub_chunks with a zero length', hubTerm({ hashes: [A, A, A], lengths: [300, 0, 0] }), /not a positive whole number/],
    ['hub_chunks whose lengths are not the term\'s', hubTerm({ hashes: [A, A, A], lengths: [100, 100, 99] }), /add up to 299, the term unpacks to 300/],
    ['not an object', [], /not a JSON object/],
    ['no terms', { fetch_info: {} }, /no terms/],
    ['neither fetch form', { terms: [] }, /neither xorbs/],
    ['a term without a hash', { ...V1, terms: [{ unpacked_length: 1, range: { start: 0, end: 1 } }] }, /term 0 has no xorb hash/],
    ['an empty chunk range', { ...V1, terms: [{ hash: A, unpacked_length: 1, range: { start: 2, end: 2 } }] }, /term 0's range/],
    ['a zero unpacked length', { ...V1, terms: [{ hash: A, unpacked_length: 0, range: { start: 0, end: 1 } }] }, /unpacked_length/],
    ['a fetch without url', { ...V1, fetch_info: { [A]: [{ range: { start: 0, end: 1 }, url_range: { start: 0, end: 9 } }] } }, /has no url/],
    ['a byte range that ends before it starts', { ...V1, fetch_info: { [A]: [{ range: { start: 0, end: 1 }, url: 'u', url_range: { start: 9, end: 3 } }] } }, /byte range/],
    ['a fetch under a key that is not a hash', { ...V1, fetch_info: { xyz: [] } }, /not a list under a xorb hash/],
    ['overlapping v2 ranges', { terms: [], xorbs: { [A]: [{ url: 'u', ranges: [{ chunks: { start: 0, end: 3 }, bytes: { start: 0, end: 99 } }, { chunks: { start: 2, end: 4 }, bytes: { start: 50, end: 150 } }] }] } }, /overlap or are out of order/],
    ['a negative offset', { ...V1, offset_into_first_range: -1 }, /offset_into_first_range/],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(() => parseXetReconstruction(doc)).toThrow(message);
    });
  }
});
