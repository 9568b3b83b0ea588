#!/usr/bin/env node
// Xet chunk compression on weights (issue 17): compression ratio and MB/s of scheme 1 (LZ4) and
// 2 (ByteGrouping4LZ4), and of `best` (both tried, smallest kept; scheme 0 when neither helps), on synthetic
// BF16, F16 and F32 safetensors of N(0, 0.02) values (test/helpers/make-model.mjs), cut into
// 64 KiB pieces (the chunker's mean size; the cut does not move the ratio). Encoding is lz4js
// (hub's encoder), decoding hub's bounded decoder (src/formats/lz4-frame.ts), both from dist/
// (run after `npm run build`). Medians of HUB_BENCH_RUNS (default 5) passes; MB/s counts
// uncompressed bytes. Set HUB_BENCH_LZ4_NAPI=/path/to/node_modules/lz4-napi to time the native
// lz4_flex encoder (xet-core's LZ4) beside it; it is not a dependency.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModel } from '../helpers/make-model.mjs';

const root = new URL('../../', import.meta.url);
const { decompressChunk } = await import(new URL('dist/formats/chunk-compression.js', root).href);
const { compressChunk } = await import(new URL('dist/formats/chunk-compress.js', root).href);
const runs = Number(process.env.HUB_BENCH_RUNS ?? 5);
const napiPath = process.env.HUB_BENCH_LZ4_NAPI;
const napi = napiPath ? createRequire(import.meta.url)(napiPath) : null;
const PIECE = 64 * 1024;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(pieces, label, encode) {
  const total = pieces.length * PIECE;
  const encTimes = [];
  const decTimes = [];
  let stored = 0;
  let kept = 0;
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    const out = pieces.map(encode);
    encTimes.push(performance.now() - t);
    stored = out.reduce((n, c) => n + c.bytes.length + 8, 0);
    kept = out.filter((c) => c.scheme !== 0).length;
    t = performance.now();
    for (const c of out) decompressChunk(c.scheme, c.bytes, PIECE, 'bench');
    decTimes.push(performance.now() - t);
  }
  const mbs = (ms) => (total / 1e6 / (ms / 1e3)).toFixed(0).padStart(5);
  // A piece stored uncompressed decodes with no work, so decode MB/s only means something when most were kept compressed.
  const decode = kept > 0 ? `${mbs((median(decTimes) * pieces.length) / kept)} MB/s per compressed piece` : 'n/a (all stored)';
  console.log(`  ${label.padEnd(20)} ratio ${(total / stored).toFixed(3)} (headers included)  compressed ${String(kept).padStart(3)}/${pieces.length}  encode ${mbs(median(encTimes))} MB/s  decode ${decode}`);
}

const dir = mkdtempSync(join(tmpdir(), 'hub-bench-lz4-'));
try {
  for (const dtype of ['BF16', 'F16', 'F32']) {
    const file = join(dir, `${dtype}.safetensors`);
    generateModel({ out: file, size: '32MiB', tensors: 8, seed: 1, dtype });
    const buf = readFileSync(file);
    const pieces = [];
    for (let at = 4096; at + PIECE <= buf.length; at += PIECE) pieces.push(new Uint8Array(buf.buffer, buf.byteOffset + at, PIECE));
    console.log(`${dtype}: ${pieces.length} pieces of ${PIECE} bytes, ${runs} runs`);
    for (const choice of ['lz4', 'bg4-lz4', 'best']) measure(pieces, `${choice} (lz4js)`, (p) => compressChunk(p, choice));
    if (napi) {
      const frame = (d) => napi.compressFrameSync(Buffer.from(d.buffer, d.byteOffset, d.length));
      for (const choice of ['lz4', 'bg4-lz4']) measure(pieces, `${choice} (lz4-napi)`, (p) => compressChunk(p, choice, frame));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
