/**
 * Little-endian floating-point tensor bytes (F64, F32, F16, BF16) decoded into numbers, for
 * tensor statistics. Typed-array views when the bytes are aligned and the host is little-endian
 * (every platform Node 20 ships for); F16 through a 65536-entry table, BF16 by a 16-bit shift.
 */

/** The float dtypes hub can decode (safetensors names; GGUF's F32, F16, BF16, F64 map onto them). */
export type FloatDtype = 'F64' | 'F32' | 'F16' | 'BF16';

/** Bytes per element of each float dtype. */
export const FLOAT_BYTES: Readonly<Record<FloatDtype, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/** Whether `dtype` names a dtype {@link decodeFloats} can decode. */
export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The value of one IEEE 754 binary16 bit pattern. */
function halfBitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

// A constant computed on first use (not state: every call sees the same table); 256 KiB.
let halfTable: Float32Array | undefined;

/** The F16 lookup table: entry h is the value of bit pattern h. */
function f16Table(): Float32Array {
  if (halfTable === undefined) {
    const t = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) t[h] = halfBitsToNumber(h);
    halfTable = t;
  }
  return halfTable;
}

/** `bytes` as an aligned copy when its offset does not allow a typed view of `width`-byte elements. */
function aligned(bytes: Uint8Array, width: number): Uint8Array {
  return bytes.byteOffset % width === 0 ? bytes : bytes.slice();
}

/**
 * Decodes `bytes` (a whole number of elements of `dtype`, little-endian) into `out` when it is
 * large enough, else into a new array; returns the filled part. F64 needs a Float64Array `out`;
 * the others fit a Float32Array exactly.
 */
export function decodeFloats(dtype: FloatDtype, bytes: Uint8Array, out?: Float32Array | Float64Array): Float32Array | Float64Array {
  const width = FLOAT_BYTES[dtype];
  if (bytes.length % width !== 0) throw new RangeError(`${bytes.length} bytes is not a whole number of ${dtype} elements`);
  const n = bytes.length / width;
  const target = out !== undefined && out.length >= n && (dtype !== 'F64' || out instanceof Float64Array) ? out.subarray(0, n) : dtype === 'F64' ? new Float64Array(n) : new Float32Array(n);
  if (!LITTLE_ENDIAN) return decodeWithDataView(dtype, bytes, target);
  const src = aligned(bytes, width);
  switch (dtype) {
    case 'F64':
      target.set(new Float64Array(src.buffer, src.byteOffset, n));
      break;
    case 'F32':
      target.set(new Float32Array(src.buffer, src.byteOffset, n));
      break;
    case 'F16': {
      const table = f16Table();
      const halves = new Uint16Array(src.buffer, src.byteOffset, n);
      for (let i = 0; i < n; i++) target[i] = table[halves[i]];
      break;
    }
    case 'BF16': {
      // BF16 is the top half of an F32: shift each pattern up 16 bits, in place when `target` is F32.
      const halves = new Uint16Array(src.buffer, src.byteOffset, n);
      const into32 = target instanceof Float32Array;
      const words = into32 ? new Uint32Array(target.buffer, target.byteOffset, n) : new Uint32Array(n);
      for (let i = 0; i < n; i++) words[i] = halves[i] << 16;
      if (!into32) target.set(new Float32Array(words.buffer));
      break;
    }
  }
  return target;
}

/** The portable path (big-endian hosts): one DataView read per element. */
function decodeWithDataView<T extends Float32Array | Float64Array>(dtype: FloatDtype, bytes: Uint8Array, target: T): T {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < target.length; i++) {
    if (dtype === 'F64') target[i] = view.getFloat64(i * 8, true);
    else if (dtype === 'F32') target[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'F16') target[i] = halfBitsToNumber(view.getUint16(i * 2, true));
    else target[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0];
  }
  return target;
}
