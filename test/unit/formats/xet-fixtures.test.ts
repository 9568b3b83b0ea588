/**
 * hub's Xet encoders against fixtures/xet/ (written by make-xet-fixtures.mjs, an implementation
 * that shares no code with src/): byte-for-byte output, and the readers' view of the same bytes.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createXetHashers, type XetHashers } from '../../../src/hash/hashers.js';
import { fileHash } from '../../../src/hash/merkle.js';
import { createVerificationHasher, termVerificationHash } from '../../../src/hash/term-verification.js';
import { xetHex } from '../../../src/hash/xet-hex.js';
import { decodeXetXorb, parseXetXorb, verifyXetXorb } from '../../../src/formats/xet-xorb.js';
import { encodeXetXorb } from '../../../src/formats/xet-xorb-write.js';
import { parseShard } from '../../../src/formats/shard.js';
import { encodeShard } from '../../../src/formats/shard-writer.js';
import { SHARD_NO_EXPIRY, type Shard } from '../../../src/formats/shard-types.js';
import { readFixture } from './fixtures.js';

const DIR = 'xet';
const expected = JSON.parse(readFileSync(new URL('../../../fixtures/xet/expected.json', import.meta.url), 'utf8')) as {
  chunkLengths: number[];
  schemes: number[];
  chunkHashes: string[];
  xorbHash: string;
  fileHash: string;
  sha256: string;
  rangeHash: string;
  createdAt: number;
};

let hashers: XetHashers;
let chunks: Uint8Array[];
beforeAll(async () => {
  hashers = await createXetHashers();
  const all = readFixture(DIR, 'chunks.bin');
  let at = 0;
  chunks = expected.chunkLengths.map((n) => all.slice(at, (at += n)));
});

describe('fixtures/xet', () => {
  it('encodeXetXorb writes hub.xorb byte for byte', () => {
    const { bytes, xorbHash } = encodeXetXorb(chunks, hashers);
    expect(xetHex(xorbHash)).toBe(expected.xorbHash);
    expect(Buffer.from(bytes).equals(Buffer.from(readFixture(DIR, 'hub.xorb')))).toBe(true);
  });

  it('hub.xorb parses to the expected records, footer and hashes', () => {
    const bytes = readFixture(DIR, 'hub.xorb');
    const parsed = parseXetXorb(bytes);
    expect(parsed.records.map((r) => [r.scheme, r.length])).toEqual(expected.schemes.map((s, i) => [s, expected.chunkLengths[i]]));
    expect(parsed.footer?.chunkHashes.map(xetHex)).toEqual(expected.chunkHashes);
    const decoded = decodeXetXorb(bytes, parsed);
    decoded.forEach((d, i) => expect(Buffer.from(d).equals(Buffer.from(chunks[i]))).toBe(true));
    expect(xetHex(verifyXetXorb(decoded, parsed.footer, hashers).xorbHash)).toBe(expected.xorbHash);
  });

  it('encodeShard writes upload.shard and full.shard byte for byte, and parseShard reads them back', async () => {
    const verifier = await createVerificationHasher();
    const hashes = chunks.map((c) => hashers.chunk.hash(c));
    const xorbHash = encodeXetXorb(chunks, hashers).xorbHash;
    const size = chunks.reduce((n, c) => n + c.length, 0);
    const fh = fileHash(hashes.map((hash, i) => ({ hash, size: chunks[i].length })), hashers);
    expect(xetHex(fh)).toBe(expected.fileHash);
    const range = termVerificationHash(hashes, verifier);
    expect(xetHex(range)).toBe(expected.rangeHash);
    let start = 0;
    const shard: Shard = {
      files: [
        {
          fileHash: fh,
          terms: [{ xorbHash, flags: 0, unpackedBytes: size, chunkStart: 0, chunkEnd: 3 }],
          verification: [range],
          sha256: Uint8Array.from(Buffer.from(expected.sha256, 'hex')),
        },
      ],
      xorbs: [
        {
          xorbHash,
          flags: 0,
          unpackedBytes: size,
          storedBytes: readFixture(DIR, 'hub.xorb').length,
          chunks: hashes.map((hash, i) => ({ hash, unpackedStart: (start += chunks[i].length) - chunks[i].length, unpackedBytes: chunks[i].length, flags: 0 })),
        },
      ],
      footer: null,
    };
    const upload = readFixture(DIR, 'upload.shard');
    expect(Buffer.from(encodeShard(shard)).equals(Buffer.from(upload))).toBe(true);
    expect(parseShard(upload, 'forbidden')).toEqual(shard);
    const footer = { hmacKey: new Uint8Array(32), createdAt: BigInt(expected.createdAt), keyExpiry: SHARD_NO_EXPIRY };
    const full = readFixture(DIR, 'full.shard');
    expect(Buffer.from(encodeShard({ ...shard, footer })).equals(Buffer.from(full))).toBe(true);
    expect(parseShard(full, 'required')).toMatchObject({ ...shard, footer: { ...footer, lookupTables: true } });
  });
});
