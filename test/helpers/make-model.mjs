#!/usr/bin/env node
// The project's deterministic model generator: synthetic safetensors checkpoints whose tensors
// look like real weights, for tests, benchmarks and the demo (no file outside the repository).
//
// A model is `u64 LE header length | JSON header (space-padded to 8 bytes) | tensor bytes`, with
// tensors named like a decoder-only transformer. Every tensor holds values drawn from
// N(0, 0.02) (layer norms: N(1, 0.02)), stored as F32, F16 or BF16. Values come from an
// AES-256-CTR keystream keyed by (seed, tensor), mapped through a table of the normal quantile
// function, so the same options always give the same bytes and generation runs at about disk
// speed. The file is exactly --size bytes long when the size allows it (at most a few bytes
// less otherwise).
//
// A "fine-tune" of a model (--from) copies it and perturbs a fraction of its tensors slightly:
// x + N(0, (scale * rms(x))^2), so the relative L2 change of each perturbed tensor is about
// `scale` (0.05) and its cosine similarity about 0.999. Every other byte stays the same. With
// --add-drop it also drops one tensor and adds a new one (the header changes; CDC still finds the
// shifted tensors).
//
// Usage (also importable: generateModel, fineTuneModel):
//   node make-model.mjs --out rev1.safetensors [--size 512MiB] [--tensors 40] [--seed 1] [--dtype F32|F16|BF16|mixed]
//   node make-model.mjs --from rev1.safetensors --out rev2.safetensors [--mutate-fraction 0.1] [--seed 2] [--scale 0.05] [--add-drop]
// A JSON summary goes to stdout.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const BLOCK_ELEMENTS = 1 << 20; // values generated per step (4 MiB of F32)
const STD = 0.02;
const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2 };
const LAYER_PARTS = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj', 'post_attention_layernorm'];

/** Parses '512MiB', '4MB', '1GiB', '1000' into bytes. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`bad size ${text}`);
  const mult = { b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase()];
  return Math.floor(Number(m[1]) * mult);
}

// ---- values -------------------------------------------------------------------------------

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p) {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// QUANTILES[k] is the normal quantile at (k + 0.5) / 65536 (k = 0..65535) plus one end point, so
// a 32-bit uniform u maps to QUANTILES[u >>> 16] interpolated by the low 16 bits: a continuous
// N(0, 1) sample (tails cut near ±4.3) from one table read.
const QUANTILES = (() => {
  const t = new Float64Array(65537);
  for (let k = 0; k < 65536; k++) t[k] = normalQuantile((k + 0.5) / 65536);
  t[65536] = t[65535] + (t[65535] - t[65534]);
  return t;
})();

/** Fills `out` with N(mean, std^2) samples from the keystream of (seed, label), continuing `cipher`. */
function fillNormal(out, cipher, mean, std) {
  const bytes = cipher.update(Buffer.alloc(out.length * 4));
  const u = new Uint32Array(bytes.buffer, bytes.byteOffset, out.length);
  for (let i = 0; i < out.length; i++) {
    const x = u[i];
    const k = x >>> 16;
    const f = (x & 0xffff) / 65536;
    const q = QUANTILES[k];
    out[i] = mean + std * (q + (QUANTILES[k + 1] - q) * f);
  }
}

function keystream(seed, label) {
  const key = createHash('sha256').update(`hub-make-model:v2:seed=${seed}:${label}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
}

// ---- float encodings ----------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `value`, rounded to nearest even. */
function toF16(value) {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** The float a binary16 value stands for. */
function fromF16(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits of `value`: the top half of its F32 bits, rounded to nearest even. */
function toBF16(value) {
  f32[0] = value;
  const x = u32[0];
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function fromBF16(h) {
  u32[0] = h << 16;
  return f32[0];
}

/** Encodes `values` as `dtype` into a new Buffer. */
function encode(values, dtype) {
  if (dtype === 'F32') return Buffer.from(Float32Array.from(values).buffer);
  const out = Buffer.allocUnsafe(values.length * 2);
  const conv = dtype === 'F16' ? toF16 : toBF16;
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(conv(values[i]), i * 2);
  return out;
}

/** Decodes `bytes` of `dtype` into numbers. */
function decode(bytes, dtype) {
  if (dtype === 'F32') return new Float64Array(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
  const out = new Float64Array(bytes.length / 2);
  const conv = dtype === 'F16' ? fromF16 : fromBF16;
  for (let i = 0; i < out.length; i++) out[i] = conv(bytes.readUInt16LE(i * 2));
  return out;
}

// ---- layout ---------------------------------------------------------------------------------

function tensorName(i, n) {
  if (i === 0) return 'model.embed_tokens.weight';
  if (i === n - 1 && n > 2) return 'lm_head.weight';
  const j = i - 1;
  return `model.layers.${Math.floor(j / LAYER_PARTS.length)}.${LAYER_PARTS[j % LAYER_PARTS.length]}.weight`;
}

function dtypeOf(choice, i) {
  if (choice === 'mixed') return ['BF16', 'F16', 'F32'][i % 3];
  if (!(choice in DTYPE_BYTES)) throw new Error(`unknown dtype ${choice}: expected F32, F16, BF16 or mixed`);
  return choice;
}

function shapeFor(elements) {
  return elements % 1024 === 0 ? [elements / 1024, 1024] : [elements];
}

/** The padded header bytes for `tensors` ({name, dtype, shape, bytes}) laid out in order. */
function headerBytes(tensors, meta) {
  const header = { __metadata__: meta };
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes] };
    off += t.bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  return Buffer.from(json);
}

function readHeader(fd) {
  const len = Buffer.alloc(8);
  if (readSync(fd, len, 0, 8, 0) !== 8) throw new Error('not a safetensors file: shorter than 8 bytes');
  const n = Number(len.readBigUInt64LE());
  if (n > 100 << 20) throw new Error(`implausible safetensors header length ${n}`);
  const buf = Buffer.alloc(n);
  if (readSync(fd, buf, 0, n, 8) !== n) throw new Error('truncated safetensors header');
  const header = JSON.parse(buf.toString('utf8'));
  const tensors = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, begin: t.data_offsets[0], bytes: t.data_offsets[1] - t.data_offsets[0] }))
    .sort((a, b) => a.begin - b.begin);
  return { dataStart: 8 + n, tensors, meta: header.__metadata__ ?? {} };
}

function writeAll(fd, buf, pos) {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off, pos + off);
}

/** Writes `elements` values N(mean, STD) of `dtype` at `pos`, from the keystream of `label`. */
function writeTensor(fd, pos, elements, dtype, seed, label, mean) {
  const cipher = keystream(seed, label);
  const values = new Float64Array(BLOCK_ELEMENTS);
  for (let left = elements; left > 0; ) {
    const n = Math.min(left, BLOCK_ELEMENTS);
    const part = n === values.length ? values : values.subarray(0, n);
    fillNormal(part, cipher, mean, STD);
    const bytes = encode(part, dtype);
    writeAll(fd, bytes, pos);
    pos += bytes.length;
    left -= n;
  }
  return pos;
}

function atomically(out, write) {
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
    closeSync(fd);
    renameSync(tmp, out);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes a model of about `size` bytes ('64MiB' or a number) with `tensors` equal tensors to
 * `out`. `dtype`: F32 (default), F16, BF16, or 'mixed' (BF16, F16, F32 in turn).
 */
export function generateModel({ out, size = '512MiB', tensors = 40, seed = 1, dtype = 'F32' }) {
  const total = typeof size === 'number' ? size : parseSize(size);
  const n = Number(tensors);
  if (!(n >= 1)) throw new Error('tensors must be >= 1');
  const meta = { format: 'pt', generator: 'hub test/helpers/make-model.mjs', seed: String(seed), tensors: String(n) };
  const dtypes = Array.from({ length: n }, (_, i) => dtypeOf(dtype, i));
  // the header's length depends on the tensor sizes (their digits): iterate until it is stable
  let layout = [];
  let header = Buffer.alloc(0);
  for (let iter = 0, headerLen = 0; iter < 10; iter++) {
    const data = total - 8 - headerLen;
    if (data < 4 * n) throw new Error(`size ${size} is too small for ${n} tensors`);
    const per = Math.floor(data / n);
    layout = dtypes.map((d, i) => {
      const width = DTYPE_BYTES[d];
      const budget = i === n - 1 ? data - per * (n - 1) : per;
      const rows = Math.floor(budget / width / 1024);
      const elements = rows > 0 && i < n - 1 ? rows * 1024 : Math.floor(budget / width);
      return { name: tensorName(i, n), dtype: d, shape: shapeFor(elements), elements, bytes: elements * width };
    });
    // the last tensor takes what the others' whole rows left over
    const used = layout.slice(0, -1).reduce((a, t) => a + t.bytes, 0);
    const last = layout[n - 1];
    last.elements = Math.floor((data - used) / DTYPE_BYTES[last.dtype]);
    last.bytes = last.elements * DTYPE_BYTES[last.dtype];
    last.shape = shapeFor(last.elements);
    header = headerBytes(layout, meta);
    if (header.length === headerLen) break;
    headerLen = header.length;
  }
  atomically(out, (fd) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeAll(fd, len, 0);
    writeAll(fd, header, 8);
    let pos = 8 + header.length;
    layout.forEach((t, i) => {
      pos = writeTensor(fd, pos, t.elements, t.dtype, seed, `tensor=${i}`, t.name.includes('layernorm') ? 1 : 0);
    });
  });
  const bytes = 8 + header.length + layout.reduce((a, t) => a + t.bytes, 0);
  return { mode: 'generate', out, bytes, tensors: n, seed: String(seed), dtype, header_bytes: header.length };
}

/** Deterministic pick of `k` tensors (by a hash of seed and name), returned in file order. */
function pick(tensors, k, seed, salt) {
  const rank = (t) => createHash('sha256').update(`hub-make-model:v2:${salt}:seed=${seed}:${t.name}`).digest('hex');
  return tensors
    .map((t) => ({ t, r: rank(t) }))
    .sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0))
    .slice(0, k)
    .map((x) => x.t);
}

/** Reads `bytes` at `pos` of `fd` into a new Buffer. */
function readAt(fd, pos, bytes) {
  const buf = Buffer.allocUnsafe(bytes);
  for (let off = 0; off < bytes; ) {
    const n = readSync(fd, buf, off, bytes - off, pos + off);
    if (n === 0) throw new Error('unexpected end of model file');
    off += n;
  }
  return buf;
}

/**
 * Writes to `out` a fine-tune of the model at `from`: round(fraction x tensors) tensors (at least
 * one when fraction > 0), chosen from `seed`, get x + N(0, (scale x rms(x))^2); every other tensor
 * is copied byte for byte. With `addDrop`, one unperturbed tensor is dropped and a new small one
 * (`model.adapter.weight`) is appended.
 */
export function fineTuneModel({ from, out, fraction = 0.1, seed = 2, scale = 0.05, addDrop = false }) {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error('fraction must be in [0, 1]');
  if (from === out) throw new Error('from and out must differ');
  const src = openSync(from, 'r');
  try {
    const { dataStart, tensors, meta } = readHeader(src);
    let k = Math.round(fraction * tensors.length);
    if (fraction > 0 && k === 0) k = 1;
    const perturbed = new Set(pick(tensors, k, seed, 'perturb').map((t) => t.name));
    const dropped = addDrop ? pick(tensors.filter((t) => !perturbed.has(t.name)), 1, seed, 'drop').map((t) => t.name) : [];
    const kept = tensors.filter((t) => !dropped.includes(t.name));
    const added = addDrop ? [{ name: 'model.adapter.weight', dtype: kept[0]?.dtype ?? 'F32', elements: 64 * 1024 }] : [];
    for (const a of added) Object.assign(a, { shape: shapeFor(a.elements), bytes: a.elements * DTYPE_BYTES[a.dtype] });
    const layout = [...kept, ...added];
    const sameLayout = !addDrop;
    const header = sameLayout ? readAt(src, 8, dataStart - 8) : headerBytes(layout, { ...meta, finetune_of: String(meta.seed ?? ''), finetune_seed: String(seed) });
    let changedBytes = 0;
    atomically(out, (fd) => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(header.length));
      writeAll(fd, len, 0);
      writeAll(fd, header, 8);
      let pos = 8 + header.length;
      for (const t of kept) {
        const start = dataStart + t.begin;
        if (!perturbed.has(t.name)) {
          for (let off = 0; off < t.bytes; off += 8 << 20) {
            const buf = readAt(src, start + off, Math.min(8 << 20, t.bytes - off));
            writeAll(fd, buf, pos);
            pos += buf.length;
          }
          continue;
        }
        const width = DTYPE_BYTES[t.dtype];
        if (!width) throw new Error(`cannot perturb tensor ${t.name} of dtype ${t.dtype}`);
        const step = BLOCK_ELEMENTS * width;
        let sumSq = 0;
        for (let off = 0; off < t.bytes; off += step) for (const v of decode(readAt(src, start + off, Math.min(step, t.bytes - off)), t.dtype)) sumSq += v * v;
        const sigma = scale * Math.sqrt(sumSq / (t.bytes / width));
        const cipher = keystream(seed, `perturb:${t.name}`);
        for (let off = 0; off < t.bytes; off += step) {
          const values = decode(readAt(src, start + off, Math.min(step, t.bytes - off)), t.dtype);
          const noise = new Float64Array(values.length);
          fillNormal(noise, cipher, 0, sigma);
          for (let i = 0; i < values.length; i++) values[i] += noise[i];
          const bytes = encode(values, t.dtype);
          writeAll(fd, bytes, pos);
          pos += bytes.length;
        }
        changedBytes += t.bytes;
      }
      for (const a of added) pos = writeTensor(fd, pos, a.elements, a.dtype, seed, `added:${a.name}`, 0);
    });
    const bytes = fstatSafe(out);
    return { mode: 'fine-tune', from, out, bytes, tensors: layout.length, perturbed: [...perturbed], perturbed_bytes: changedBytes, dropped, added: added.map((a) => a.name), seed: String(seed), scale };
  } finally {
    closeSync(src);
  }
}

function fstatSafe(path) {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function parseArgs(argv) {
  const opts = {};
  const flags = new Set(['add-drop']);
  const known = new Set(['out', 'size', 'tensors', 'seed', 'dtype', 'from', 'mutate-fraction', 'scale', 'add-drop']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    let key = a.slice(2);
    let value;
    const eq = key.indexOf('=');
    if (eq >= 0) [key, value] = [key.slice(0, eq), key.slice(eq + 1)];
    else if (flags.has(key)) value = true;
    else value = argv[++i];
    if (!known.has(key)) throw new Error(`unknown option --${key}`);
    if (value === undefined) throw new Error(`--${key} needs a value`);
    opts[key] = value;
  }
  if (!opts.out) throw new Error('--out is required');
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const o = parseArgs(process.argv.slice(2));
    const summary = o.from
      ? fineTuneModel({ from: o.from, out: o.out, fraction: Number(o['mutate-fraction'] ?? 0.1), seed: o.seed ?? 2, scale: Number(o.scale ?? 0.05), addDrop: o['add-drop'] === true })
      : generateModel({ out: o.out, size: o.size ?? '512MiB', tensors: Number(o.tensors ?? 40), seed: o.seed ?? 1, dtype: o.dtype ?? 'F32' });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } catch (err) {
    process.stderr.write(`make-model: ${err.message}\n`);
    process.exit(2);
  }
}
