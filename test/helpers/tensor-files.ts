// Builders of safetensors and GGUF bytes for tests (the committed fixtures come from
// make-tensor-fixtures.mjs), and a ByteSource wrapper that records what is read.
import { createHash } from 'node:crypto';
import type { ByteSource } from '../../src/diff/byte-source.js';

/** A tensor to write: raw little-endian bytes. */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** Concatenation of byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** A safetensors file holding `tensors` in the given data order. */
export function safetensorsBytes(tensors: TensorSpec[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.bytes.length] };
    at += t.bytes.length;
  }
  return safetensorsWithHeader(JSON.stringify(header), concat(tensors.map((t) => t.bytes)));
}

/** A safetensors file with the given header text (any JSON or not) and data section. */
export function safetensorsWithHeader(json: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(json);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(text.length), true);
  return concat([head, text, data]);
}

/** Little-endian bytes of F32 values. */
export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** Little-endian bytes of F64 values. */
export function f64Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float64Array(values).buffer);
}

/** BF16 bytes of values exact in BF16 (the top half of their F32 bits). */
export function bf16Bytes(values: number[]): Uint8Array {
  const words = new Uint32Array(new Float32Array(values).buffer);
  return new Uint8Array(new Uint16Array(Array.from(words, (w) => w >>> 16)).buffer);
}

/** F16 bytes of values exact in F16 (normal or zero), by exponent and mantissa. */
export function f16Bytes(values: number[]): Uint8Array {
  const bits = values.map((v) => {
    if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
    const sign = v < 0 ? 0x8000 : 0;
    const abs = Math.abs(v);
    const exp = Math.floor(Math.log2(abs));
    const mant = abs / 2 ** exp - 1;
    const m = mant * 1024;
    if (!Number.isInteger(m) || exp < -14 || exp > 15) throw new Error(`${v} is not a normal F16 value`);
    return sign | ((exp + 15) << 10) | m;
  });
  return new Uint8Array(new Uint16Array(bits).buffer);
}

/** One GGUF metadata value by type number (0..12), e.g. `[4, 7]` for u32 7, `[9, [8, ['a']]]` for array<string>. */
export type GgufValueSpec = [type: number, value: unknown];

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
function u64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}
/** A GGUF string: u64 length then UTF-8. */
export function ggufString(s: string): Uint8Array {
  const t = new TextEncoder().encode(s);
  return concat([u64(t.length), t]);
}

/** The bytes of a value of GGUF type `type` (without the type tag). */
function rawValue(type: number, value: unknown): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  switch (type) {
    case 0: return new Uint8Array([value as number]);
    case 1: v.setInt8(0, value as number); return b.subarray(0, 1);
    case 2: v.setUint16(0, value as number, true); return b.subarray(0, 2);
    case 3: v.setInt16(0, value as number, true); return b.subarray(0, 2);
    case 4: v.setUint32(0, value as number, true); return b.subarray(0, 4);
    case 5: v.setInt32(0, value as number, true); return b.subarray(0, 4);
    case 6: v.setFloat32(0, value as number, true); return b.subarray(0, 4);
    case 7: return new Uint8Array([value as number]);
    case 8: return ggufString(value as string);
    case 9: {
      const [itemType, items] = value as [number, unknown[]];
      return concat([u32(itemType), u64(items.length), ...items.map((item) => rawValue(itemType, item))]);
    }
    case 10: v.setBigUint64(0, BigInt(value as bigint), true); return b;
    case 11: v.setBigInt64(0, BigInt(value as bigint), true); return b;
    default: v.setFloat64(0, value as number, true); return b;
  }
}

/** A GGUF tensor: ggml type number, dims innermost first, data bytes. */
export interface GgufTensorSpec {
  name: string;
  type: number;
  dims: number[];
  bytes: Uint8Array;
}

/** A GGUF v3 file; tensors stored in order, each padded to `alignment`. */
export function ggufBytes(kvs: Array<[string, GgufValueSpec]>, tensors: GgufTensorSpec[], alignment = 32, version = 3): Uint8Array {
  const parts: Uint8Array[] = [new TextEncoder().encode('GGUF'), u32(version), u64(tensors.length), u64(kvs.length)];
  for (const [key, [type, value]] of kvs) parts.push(ggufString(key), u32(type), rawValue(type, value));
  const data: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    parts.push(ggufString(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(t.type), u64(offset));
    const padded = new Uint8Array(Math.ceil(t.bytes.length / alignment) * alignment);
    padded.set(t.bytes);
    data.push(padded);
    offset += padded.length;
  }
  const head = concat(parts);
  return concat([head, new Uint8Array((alignment - (head.length % alignment)) % alignment), ...data]);
}

/** A ByteSource over `bytes` that records every read range and, with `fingerprints`, gives SHA-256 fingerprints. */
export function recordingSource(name: string, bytes: Uint8Array, fingerprints = false): ByteSource & { reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  const src: ByteSource & { reads: Array<[number, number]> } = {
    name,
    size: bytes.length,
    reads,
    read: async (start, end) => {
      reads.push([start, Math.min(end, bytes.length)]);
      return bytes.slice(start, Math.min(end, bytes.length));
    },
    stream: async function* () {
      reads.push([0, bytes.length]);
      yield bytes;
    },
  };
  if (fingerprints) src.fingerprint = async (start, end) => createHash('sha256').update(bytes.subarray(start, end)).digest('hex');
  return src;
}
