/**
 * The real JS client (@huggingface/hub's XetBlob, its Xet download path) reads the chunk records
 * hub writes: LZ4 and ByteGrouping4LZ4 records decoded by its own lz4js and bg4 code, not ours.
 * Its fetch is given the reconstruction and the xorb bytes directly (no server: this checks the
 * record format, not the CAS API).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { __internal_XetBlob as XetBlob } from '@huggingface/hub';
import { createXetHashers, type XetHashers } from '../../../src/hash/hashers.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { ChunkScheme } from '../../../src/formats/chunk-compression.js';
import { parseXetXorb } from '../../../src/formats/xet-xorb.js';
import { encodeXetXorb } from '../../../src/formats/xet-xorb-write.js';
import { seededRandom } from './seeded.js';

let hashers: XetHashers;
beforeAll(async () => {
  hashers = await createXetHashers();
});

async function readThroughXetBlob(xorb: Uint8Array, chunks: Uint8Array[], xorbHash: Uint8Array): Promise<Uint8Array> {
  const records = parseXetXorb(xorb).recordsEnd;
  const size = chunks.reduce((n, c) => n + c.length, 0);
  const hash = xetHex(xorbHash);
  const xorbUrl = `http://cas.invalid/xorb/${hash}`;
  const reconstruction = {
    offset_into_first_range: 0,
    terms: [{ hash, unpacked_length: size, range: { start: 0, end: chunks.length } }],
    xorbs: { [hash]: [{ url: xorbUrl, ranges: [{ chunks: { start: 0, end: chunks.length }, bytes: { start: 0, end: records - 1 } }] }] },
  };
  const requests: string[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    requests.push(url);
    if (url.includes('/v2/reconstructions/')) return Response.json(reconstruction);
    const range = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get('range') ?? '');
    if (url !== xorbUrl || !range) return new Response('unexpected request', { status: 400 });
    return new Response(xorb.slice(Number(range[1]), Number(range[2]) + 1), { status: 206 });
  };
  const blob = new XetBlob({
    fetch,
    hash: 'f'.repeat(64),
    size,
    refreshUrl: 'http://hub.invalid/api/models/acme/m/xet-read-token/main',
    readToken: { accessToken: 'token', exp: Math.floor(Date.now() / 1000) + 3600, casUrl: 'http://cas.invalid' },
  });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  expect(requests.some((u) => u === xorbUrl)).toBe(true);
  return bytes;
}

describe('@huggingface/hub reads the xorbs hub writes', () => {
  it('LZ4, ByteGrouping4LZ4 and stored records in one xorb, footer after them', async () => {
    const { rand, seed } = seededRandom('js client xorb');
    const floats = new Uint8Array(new Float32Array(Array.from({ length: 8192 }, () => rand.normal() * 0.02)).buffer);
    // the last chunk's length is not a multiple of 4; its floats' low mantissa bytes are zero (as
    // in weights widened from bf16), so byte grouping wins whatever the seed: with full random
    // mantissas it lost to plain LZ4 for ~3% of seeds (53 of 2,000 scanned) and the test flaked
    const widened = floats.slice();
    for (let i = 0; i < widened.length; i += 4) widened[i] = 0;
    const chunks = [new TextEncoder().encode('hub and the JS client '.repeat(400)), floats, rand.bytes(3001), widened.slice(0, 4099)];
    const { bytes, xorbHash } = encodeXetXorb(chunks, hashers);
    const schemes = parseXetXorb(bytes).records.map((r) => r.scheme);
    expect(schemes).toEqual([ChunkScheme.lz4, ChunkScheme.byteGrouping4Lz4, ChunkScheme.none, ChunkScheme.byteGrouping4Lz4]);
    const got = await readThroughXetBlob(bytes, chunks, xorbHash);
    const want = Buffer.concat(chunks);
    expect(Buffer.from(got).equals(want), `seed ${seed}`).toBe(true);
  });
});
