#!/usr/bin/env node
// Writes fixtures/xet/: a xorb with compressed records and its footer, and the shard describing
// the file made of its chunks (as an upload body, and with footer and lookup tables). Run by hand
// (`node test/unit/formats/make-xet-fixtures.mjs`) and commit the output; tests never run it.
// Like make-fixtures.mjs it imports nothing from src/: every byte is laid out here from the Xet
// spec (xorb.md, shard.md, hashing.md) and xet-core's serializers, with hash-wasm for BLAKE3 and
// lz4js for LZ4, so tests comparing hub's encoders with these files compare two implementations.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBLAKE3 } from 'hash-wasm';
import lz4js from 'lz4js';

const dir = fileURLToPath(new URL('../../../fixtures/xet/', import.meta.url));
const DATA_KEY = Buffer.from([102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43, 88, 180, 208, 176, 75, 147, 173, 242, 41]);
const NODE_KEY = Buffer.from([1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180, 138, 2, 230, 93, 221, 83, 111, 55, 199, 109, 210, 248, 99, 82, 230, 74, 83, 113, 63]);
const VERIFY_KEY = Buffer.from([127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231, 165, 195, 243, 164, 205, 38, 213, 181, 219, 73, 230, 65, 36, 152, 127, 40, 251, 148, 195]);

async function keyed(key, data) {
  const h = await createBLAKE3(256, key);
  h.update(data);
  return Buffer.from(h.digest('binary'));
}
const hex = (h) => [0, 8, 16, 24].map((o) => Buffer.from(h.subarray(o, o + 8)).reverse().toString('hex')).join('');

// The chunks: ASCII text (LZ4 wins), F32 values of a slow wave (byte grouping wins), bytes that never repeat (stored).
const text = Buffer.from('hub xet fixture chunk: the quick brown fox jumps over the lazy dog\n'.repeat(40), 'ascii');
const wave = Buffer.from(new Float32Array(Array.from({ length: 2048 }, (_, i) => Math.fround(0.02 * Math.sin(i / 50)))).buffer);
const noise = createHash('sha512').update('hub xet fixture noise').digest();
const chunks = [text, wave, noise];

function bg4(data) {
  const groups = [[], [], [], []];
  data.forEach((b, i) => groups[i % 4].push(b));
  return Buffer.from(groups.flat());
}
function encode(chunk) {
  let best = { scheme: 0, bytes: chunk };
  const lz = Buffer.from(lz4js.compress(chunk));
  if (lz.length < best.bytes.length) best = { scheme: 1, bytes: lz };
  const grouped = Buffer.from(lz4js.compress(bg4(chunk)));
  if (grouped.length < best.bytes.length) best = { scheme: 2, bytes: grouped };
  return best;
}
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const u24 = (v) => Buffer.from([v & 0xff, (v >> 8) & 0xff, v >> 16]);

// Merkle root (hashing.md): groups end after a child i >= 2 whose hash byte 24 % 4 == 0, or at 9 children.
async function merkle(entries) {
  let level = entries;
  while (level.length > 1) {
    const next = [];
    for (let s = 0; s < level.length; ) {
      let e = Math.min(s + 9, level.length);
      if (level.length - s > 2) for (let i = s + 2; i < e; i++) if ((level[i].hash[24] & 3) === 0) { e = i + 1; break; }
      const group = level.slice(s, e);
      const textLines = group.map((c) => `${hex(c.hash)} : ${c.size}\n`).join('');
      next.push({ hash: await keyed(NODE_KEY, Buffer.from(textLines)), size: group.reduce((n, c) => n + c.size, 0) });
      s = e;
    }
    level = next;
  }
  return level[0].hash;
}

const bodies = chunks.map(encode);
const chunkHashes = await Promise.all(chunks.map((c) => keyed(DATA_KEY, c)));
const xorbHash = await merkle(chunkHashes.map((hash, i) => ({ hash, size: chunks[i].length })));
const records = Buffer.concat(bodies.flatMap((b, i) => [Buffer.from([0]), u24(b.bytes.length), Buffer.from([b.scheme]), u24(chunks[i].length), b.bytes]));
let end = 0;
let unpacked = 0;
const boundaries = bodies.map((b) => (end += 8 + b.bytes.length));
const unpackedEnds = chunks.map((c) => (unpacked += c.length));
const n = chunks.length;
const hashSection = Buffer.concat([Buffer.from('XBLBHSH'), Buffer.from([0]), u32(n), ...chunkHashes]);
const boundarySection = Buffer.concat([Buffer.from('XBLBBND'), Buffer.from([1]), u32(n), ...boundaries.map(u32), ...unpackedEnds.map(u32)]);
const tailLength = 12 + 16;
const info = Buffer.concat([
  Buffer.from('XETBLOB'), Buffer.from([1]), xorbHash, hashSection, boundarySection,
  u32(n), u32(hashSection.length + boundarySection.length + tailLength), u32(boundarySection.length + tailLength), Buffer.alloc(16),
]);
const xorb = Buffer.concat([records, info, u32(info.length)]);

// The shard of the one file made of the three chunks (shard.md).
const file = Buffer.concat(chunks);
const fileHash = await keyed(Buffer.alloc(32), await merkle(chunkHashes.map((hash, i) => ({ hash, size: chunks[i].length }))));
const sha256 = createHash('sha256').update(file).digest();
const rangeHash = await keyed(VERIFY_KEY, Buffer.concat(chunkHashes));
const bookend = Buffer.concat([Buffer.alloc(32, 0xff), Buffer.alloc(16)]);
const fileSection = Buffer.concat([
  fileHash, u32(0xc0000000), u32(1), Buffer.alloc(8),
  xorbHash, u32(0), u32(file.length), u32(0), u32(3),
  rangeHash, Buffer.alloc(16),
  sha256, Buffer.alloc(16),
  bookend,
]);
let start = 0;
const xorbSection = Buffer.concat([
  xorbHash, u32(0), u32(n), u32(file.length), u32(xorb.length),
  ...chunks.flatMap((c, i) => { const e = [chunkHashes[i], u32(start), u32(c.length), Buffer.alloc(8)]; start += c.length; return e; }),
  bookend,
]);
const header = (footerSize) => Buffer.concat([Buffer.from('HFRepoMetaData\0'), Buffer.from([85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169]), u64(2), u64(footerSize)]);
const upload = Buffer.concat([header(0), fileSection, xorbSection]);

const truncated = (h) => h.readBigUInt64LE(0);
const sectionsEnd = 48 + fileSection.length + xorbSection.length;
const fileLookup = Buffer.concat([u64(truncated(fileHash)), u32(0)]);
const xorbLookup = Buffer.concat([u64(truncated(xorbHash)), u32(0)]);
const chunkRows = chunkHashes.map((h, i) => [truncated(h), i]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const chunkLookup = Buffer.concat(chunkRows.flatMap(([k, i]) => [u64(k), u32(0), u32(i)]));
const footerOffset = sectionsEnd + fileLookup.length + xorbLookup.length + chunkLookup.length;
const footer = Buffer.concat([
  u64(1), u64(48), u64(48 + fileSection.length),
  u64(sectionsEnd), u64(1), u64(sectionsEnd + 12), u64(1), u64(sectionsEnd + 24), u64(n),
  Buffer.alloc(32), u64(1760000000), u64(2n ** 64n - 1n), Buffer.alloc(48),
  u64(xorb.length), u64(file.length), u64(file.length), u64(footerOffset),
]);
const full = Buffer.concat([header(200), fileSection, xorbSection, fileLookup, xorbLookup, chunkLookup, footer]);

mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/chunks.bin`, file);
writeFileSync(`${dir}/hub.xorb`, xorb);
writeFileSync(`${dir}/upload.shard`, upload);
writeFileSync(`${dir}/full.shard`, full);
writeFileSync(
  `${dir}/expected.json`,
  `${JSON.stringify(
    {
      chunkLengths: chunks.map((c) => c.length),
      schemes: bodies.map((b) => b.scheme),
      chunkHashes: chunkHashes.map(hex),
      xorbHash: hex(xorbHash),
      fileHash: hex(fileHash),
      sha256: sha256.toString('hex'),
      rangeHash: hex(rangeHash),
      createdAt: 1760000000,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${dir}: xorb ${xorb.length} bytes (records ${records.length}), shards ${upload.length} and ${full.length} bytes`);
