#!/usr/bin/env node
// Writes fixtures/diff/tensors/: tiny safetensors and GGUF pairs for the tensor diff, and the
// malformed files of issue 6 "Done 6". Deterministic (values from formulas, no randomness).
// Run by hand after `npm run build` (expected.json comes from the built diffTensorFiles and is
// reviewed before it is committed):  node test/helpers/make-tensor-fixtures.mjs
//
// Layout: <case>/a.<ext>, <case>/b.<ext>, <case>/args.json ({stats, limit}), <case>/expected.json;
// the sharded case has <case>/a/ and <case>/b/, each an index plus two shards;
// malformed/<file> with malformed/cases.json: file -> the error message expected.
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'fixtures', 'diff', 'tensors');

// ---- element encoders (little-endian) ----
const WIDTH = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I8: 1, U8: 1 };

/** IEEE binary16 bits of v, round to nearest even (normal and subnormal range; tests use small values). */
function f16Bits(v) {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    // subnormal: shift the implicit 1 in, round to nearest even
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  if (exp >= 31) return sign | 0x7c00;
  let h = sign | (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return h;
}

function encode(dtype, values) {
  const buf = new Uint8Array(values.length * WIDTH[dtype]);
  const view = new DataView(buf.buffer);
  values.forEach((v, i) => {
    if (dtype === 'F64') view.setFloat64(i * 8, v, true);
    else if (dtype === 'F32') view.setFloat32(i * 4, v, true);
    else if (dtype === 'F16') view.setUint16(i * 2, f16Bits(v), true);
    else if (dtype === 'BF16') {
      const bits = new Uint32Array(new Float32Array([v]).buffer)[0];
      view.setUint16(i * 2, bits >>> 16, true); // truncation: the values used are exact in BF16
    } else if (dtype === 'I64') view.setBigInt64(i * 8, BigInt(v), true);
    else if (dtype === 'I32') view.setInt32(i * 4, v, true);
    else if (dtype === 'I8') view.setInt8(i, v);
    else view.setUint8(i, v);
  });
  return buf;
}

const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));
const count = (shape) => shape.reduce((a, d) => a * d, 1);

// ---- safetensors ----
/** tensors: [{name, dtype, shape, values}] in data order; metadata: object or undefined. */
function safetensors(tensors, metadata) {
  const header = {};
  if (metadata) header.__metadata__ = metadata;
  const blobs = [];
  let at = 0;
  for (const t of tensors) {
    const bytes = t.bytes ?? encode(t.dtype, t.values);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + bytes.length] };
    blobs.push(bytes);
    at += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // the reference writer pads to 8 bytes
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  head.set(new TextEncoder().encode(json), 8);
  return concat([head, ...blobs]);
}

function concat(parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

// ---- GGUF (version 3) ----
const GGML = { F32: 0, F16: 1, Q8_0: 8, BF16: 30 };
function ggufString(s) {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(8 + b.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(b.length), true);
  out.set(b, 8);
  return out;
}
function u32(n) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; }
function u64(n) { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n), true); return b; }
function f32(n) { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, n, true); return b; }
/** A metadata value: ['string', s] | ['u32', n] | ['f32', n] | ['bool', b] | ['array<string>', [..]] */
function ggufValue([type, v]) {
  if (type === 'string') return concat([u32(8), ggufString(v)]);
  if (type === 'u32') return concat([u32(4), u32(v)]);
  if (type === 'f32') return concat([u32(6), f32(v)]);
  if (type === 'bool') return concat([u32(7), new Uint8Array([v ? 1 : 0])]);
  if (type === 'array<string>') return concat([u32(9), u32(8), u64(v.length), ...v.map(ggufString)]);
  throw new Error(type);
}
/** kvs: [[key, [type, value]]]; tensors: [{name, type, dims (innermost first), bytes}] in data order. */
function gguf(kvs, tensors) {
  const parts = [new TextEncoder().encode('GGUF'), u32(3), u64(tensors.length), u64(kvs.length)];
  for (const [key, value] of kvs) parts.push(ggufString(key), ggufValue(value));
  let offset = 0;
  const data = [];
  for (const t of tensors) {
    parts.push(ggufString(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(GGML[t.type]), u64(offset));
    const padded = new Uint8Array(Math.ceil(t.bytes.length / 32) * 32);
    padded.set(t.bytes);
    data.push(padded);
    offset += padded.length;
  }
  const head = concat(parts);
  const pad = new Uint8Array((32 - (head.length % 32)) % 32);
  return concat([head, pad, ...data]);
}
/** Q8_0 blocks: per 32 values an F16 scale then 32 int8 quants. */
function q8_0(blocks) {
  return concat(blocks.map(({ scale, quants }) => concat([encode('F16', [scale]), encode('I8', quants)])));
}

// ---- cases ----
const t = (name, dtype, shape, f) => ({ name, dtype, shape, values: range(count(shape), f) });
const base = [
  t('embed.weight', 'F32', [4, 3], (i) => i / 4),
  t('layer.0.bias', 'F16', [6], (i) => i - 2.5),
  t('layer.0.weight', 'BF16', [2, 4], (i) => (i - 4) / 2),
];
const cases = {
  added: { a: safetensors(base), b: safetensors([...base, t('layer.1.weight', 'F32', [2, 2], (i) => i)]) },
  removed: { a: safetensors(base), b: safetensors([base[0], base[2]]) },
  reshaped: { a: safetensors(base), b: safetensors([{ ...base[0], shape: [3, 4] }, base[1], base[2]]) },
  retyped: {
    args: { stats: true, limit: 10 },
    a: safetensors([t('w', 'F32', [5], (i) => 0.1 * (i + 1)), base[1]]),
    b: safetensors([t('w', 'F16', [5], (i) => 0.1 * (i + 1)), base[1]]),
  },
  'value-changed': {
    args: { stats: true, limit: 10 },
    // b changes known elements by known amounts and stores its tensors in another order
    a: safetensors([
      t('f32', 'F32', [8], (i) => i / 8),
      t('f16', 'F16', [8], (i) => i - 4),
      t('bf16', 'BF16', [4], (i) => i / 2),
      t('f64', 'F64', [4], (i) => i * 1.5),
      t('i32', 'I32', [4], (i) => i * 1000),
      t('same', 'F32', [3], (i) => -i),
    ]),
    b: safetensors([
      t('same', 'F32', [3], (i) => -i),
      t('i32', 'I32', [4], (i) => (i === 3 ? 3001 : i * 1000)),
      t('f64', 'F64', [4], (i) => i * 1.5 + (i === 0 ? 1 : 0)),
      t('bf16', 'BF16', [4], (i) => i / 2 + (i < 2 ? 0.25 : 0)),
      t('f16', 'F16', [8], (i) => i - 4 + (i % 4 === 0 ? 0.5 : 0)),
      t('f32', 'F32', [8], (i) => i / 8 + (i < 4 ? 0.25 : 0)),
    ]),
  },
  'metadata-changed': {
    a: safetensors(base, { format: 'pt', author: 'alice', step: '1000' }),
    b: safetensors(base, { format: 'pt', author: 'bob', license: 'mit' }),
  },
  identical: { a: safetensors(base, { format: 'pt' }), b: safetensors(base, { format: 'pt' }) },
  limited: {
    args: { stats: false, limit: 2 },
    a: safetensors(range(5, (k) => t(`old.${k}`, 'U8', [2], (i) => i + k))),
    b: safetensors(range(4, (k) => t(`new.${k}`, 'U8', [2], (i) => i + k))),
  },
};

function writeCase(dir, files, args) {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  writeFileSync(join(dir, 'args.json'), `${JSON.stringify(args)}\n`);
}

rmSync(out, { recursive: true, force: true });
const defaults = { stats: false, limit: 10 };
for (const [name, c] of Object.entries(cases)) writeCase(join(out, name), { 'a.safetensors': c.a, 'b.safetensors': c.b }, c.args ?? defaults);

// sharded: 'moved' moves from shard 1 to shard 2 unchanged, 'changed' changes, 'new' is added
const s = {
  keep: t('keep', 'F32', [2], (i) => i),
  moved: t('moved', 'F32', [3], (i) => i + 10),
  changed: t('changed', 'F16', [2], (i) => i),
  changed2: t('changed', 'F16', [2], (i) => i + 0.5),
  tail: t('tail', 'U8', [4], (i) => i),
  added: t('new', 'I64', [1], () => 7),
};
const index = (map, total) => new TextEncoder().encode(`${JSON.stringify({ metadata: { total_size: total }, weight_map: map }, null, 2)}\n`);
const shard = (n) => `model-0000${n}-of-00002.safetensors`;
writeCase(join(out, 'sharded'), {
  'a/model.safetensors.index.json': index({ keep: shard(1), moved: shard(1), changed: shard(2), tail: shard(2) }, 30),
  [`a/${shard(1)}`]: safetensors([s.keep, s.moved], { format: 'pt' }),
  [`a/${shard(2)}`]: safetensors([s.changed, s.tail], { format: 'pt' }),
  'b/model.safetensors.index.json': index({ keep: shard(1), moved: shard(2), changed: shard(2), tail: shard(2), new: shard(1) }, 38),
  [`b/${shard(1)}`]: safetensors([s.added, s.keep], { format: 'pt' }),
  [`b/${shard(2)}`]: safetensors([s.tail, s.moved, s.changed2], { format: 'pt' }),
}, { stats: true, limit: 10 });

// GGUF: output.weight removed, blk.1.attn_q.weight added, token_embd changed (F32), Q8_0 unchanged, general.name changed
const vocab = ['<s>', '</s>', 'a', 'b'];
const embed = (d) => ({ name: 'token_embd.weight', type: 'F32', dims: [4, 2], bytes: encode('F32', range(8, (i) => i / 4 + (d && i === 5 ? d : 0))) });
const ffn = { name: 'blk.0.ffn_up.weight', type: 'Q8_0', dims: [32, 2], bytes: q8_0([{ scale: 0.5, quants: range(32, (i) => i - 16) }, { scale: 0.25, quants: range(32, (i) => 16 - i) }]) };
const attn = (k) => ({ name: `blk.${k}.attn_q.weight`, type: 'F16', dims: [2, 2], bytes: encode('F16', range(4, (i) => i * (k + 1))) });
const kvs = (name, extra) => [
  ['general.architecture', ['string', 'llama']],
  ['general.name', ['string', name]],
  ['llama.context_length', ['u32', 2048]],
  ['llama.rope.freq_base', ['f32', 10000]],
  ['tokenizer.ggml.tokens', ['array<string>', vocab]],
  ...extra,
];
writeCase(join(out, 'gguf'), {
  'a.gguf': gguf(kvs('tiny', []), [embed(0), attn(0), ffn, { name: 'output.weight', type: 'F32', dims: [2], bytes: encode('F32', [1, 2]) }]),
  'b.gguf': gguf(kvs('tiny-v2', [['general.finetuned', ['bool', true]]]), [attn(0), embed(0.5), ffn, attn(1)]),
}, { stats: true, limit: 10 });

// malformed inputs: name -> bytes, and the one-line message the diff must give for each
const good = cases.identical.a;
const lengthOf = (n) => u64(n);
const malformed = {
  'truncated-header.safetensors': good.subarray(0, 8 + 20),
  'short.safetensors': good.subarray(0, 5),
  'header-past-end.safetensors': concat([lengthOf(5000), new TextEncoder().encode('{"__metadata__":{}}')]),
  'header-too-large.safetensors': concat([lengthOf(200_000_000), new Uint8Array(64)]),
  'invalid-json.safetensors': concat([lengthOf(16), new TextEncoder().encode('{"w": {"dtype":}')]),
  'bad-offsets.safetensors': safetensors([{ ...base[0], bytes: encode('F32', range(10, (i) => i)) }]),
  'truncated.gguf': readGguf().subarray(0, 300),
};
function readGguf() {
  return new Uint8Array(readFileSync(join(out, 'gguf', 'a.gguf')));
}
const messages = {
  'truncated-header.safetensors': 'truncated-header.safetensors: safetensors header length 240 runs past the end of the file (28 bytes; truncated?)',
  'short.safetensors': 'short.safetensors: truncated safetensors file: 5 bytes, shorter than the 8-byte header length',
  'header-past-end.safetensors': 'header-past-end.safetensors: safetensors header length 5000 runs past the end of the file (27 bytes; truncated?)',
  'header-too-large.safetensors': 'header-too-large.safetensors: safetensors header length 200000000 is over the 100000000-byte limit',
  'invalid-json.safetensors': 'invalid-json.safetensors: safetensors header is not valid JSON (Unexpected token \'}\', "{"w": {"dtype":}" is not valid JSON)', // cut at "(" below
  'bad-offsets.safetensors': 'bad-offsets.safetensors: tensor "embed.weight" data_offsets [0, 40] hold 40 bytes, but F32 [4,3] needs 48',
  'truncated.gguf': 'truncated.gguf: truncated GGUF header: tensor "token_embd.weight" dimension at byte 300 runs past the end of the file (300 bytes)',
};
writeCase(join(out, 'malformed'), malformed, {});
rmSync(join(out, 'malformed', 'args.json'));

// expected results from the built code (review the diff of these files before committing)
const { diffTensorFiles, diffShardedSafetensors } = await import(join(root, 'dist', 'diff', 'tensor-diff.js'));
const { bufferSource } = await import(join(root, 'dist', 'diff', 'byte-source.js'));
const src = (file, name) => bufferSource(name, new Uint8Array(readFileSync(file)));
for (const name of [...Object.keys(cases), 'gguf']) {
  const dir = join(out, name);
  const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8'));
  const ext = name === 'gguf' ? 'gguf' : 'safetensors';
  const result = await diffTensorFiles(src(join(dir, `a.${ext}`), `a.${ext}`), src(join(dir, `b.${ext}`), `b.${ext}`), { ...args, format: ext });
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(result, null, 2)}\n`);
}
{
  const dir = join(out, 'sharded');
  const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8'));
  const open = (side) => async (shardName) => src(join(dir, side, shardName), `${side}/${shardName}`);
  const idx = (side) => src(join(dir, side, 'model.safetensors.index.json'), `${side}/model.safetensors.index.json`);
  const result = await diffShardedSafetensors(idx('a'), idx('b'), open('a'), open('b'), args);
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(result, null, 2)}\n`);
}
for (const file of Object.keys(malformed)) {
  const format = file.endsWith('.gguf') ? 'gguf' : 'safetensors';
  try {
    await diffTensorFiles(src(join(out, 'malformed', file), file), undefined, { stats: false, limit: 10, format });
    throw new Error(`${file} was accepted`);
  } catch (err) {
    if (!err.code) throw err;
    if (messages[file] !== err.message) console.log(`${file}: ${err.message}`);
    // V8's JSON.parse wording differs between Node versions: keep the part hub writes
    messages[file] = file === 'invalid-json.safetensors' ? err.message.replace(/\(.*$/, '(') : err.message;
  }
}
writeFileSync(join(out, 'malformed', 'cases.json'), `${JSON.stringify(messages, null, 2)}\n`);
